/**
 * Fault scenario 4: the app revokes provisiond's token in the middle of a cycle, then an admin
 * restores it. A rejected token is the whole target refusing us, not one object failing: the
 * first 401 stops the cycle from starting new requests (only requests already in flight may be
 * refused too), what was left stays pending, and the outcome says authentication failed and names
 * target.token. After the restore, the next cycle converges.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, crashed, cycleSummary, FaultEnv, waitFor } from './fault-env.js';
import { recordScenario } from './summary.js';

const CONCURRENCY = 4;

let env: FaultEnv;

beforeAll(async () => {
  env = await FaultEnv.start({ users: 50 });
  env.writeConfig();
});

afterAll(async () => {
  await env?.stop();
});

describe('fault scenario 4: the target token is revoked mid-cycle, then restored', () => {
  it('stops at the first 401, names target.token, and converges once the token is back', async () => {
    const done = collect(env.spawnCli(['--sync-now', '--config', 'provisiond.yaml']));
    await waitFor('ten creates', () => env.scim.requests.filter((r) => r.method === 'POST' && r.status === 201).length >= 10);
    env.scim.revokeToken();
    const revoked = await done;

    const refused = env.scim.requests.filter((r) => r.status === 401);
    const summary = cycleSummary(revoked);
    const { runs, integrity } = env.snapshot();
    expect(crashed(revoked), revoked.stderr).toBe(false);
    expect(revoked.code).toBe(1);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.length, 'requests refused after the first 401').toBeLessThanOrEqual(CONCURRENCY);
    expect(summary?.['outcome']).toBe('failed');
    expect(String(summary?.['reason'] ?? '')).toMatch(/authenticat/i);
    expect(String(summary?.['reason'] ?? '')).toContain('target.token');
    expect(runs.at(-1)!.outcome).toBe('failed');
    expect(runs.at(-1)!.message ?? '').toMatch(/authenticat/i);
    expect(runs.at(-1)!.message ?? '').toContain('target.token');
    expect(integrity).toBe('ok');
    // The token never shows up in what an operator reads.
    expect(revoked.stdout + revoked.stderr).not.toContain('faults-scim-token');
    expect(env.wrongLinks()).toEqual([]);

    env.scim.restoreToken();
    const restored = await env.run();
    const result = env.compare();
    recordScenario('target token revoked mid-cycle', { lost: result.lost.length, duplicated: result.duplicated.length });
    expect(restored.code).toBe(0);
    expect(result).toEqual({ lost: [], duplicated: [], wrong: [] });
    expect(env.wrongLinks()).toEqual([]);
    const after = env.snapshot();
    expect(after.integrity).toBe('ok');
    expect(after.runs.filter((r) => r.outcome === 'running')).toEqual([]);
  });
});
