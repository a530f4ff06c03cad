/**
 * Fault scenario 4: the app revokes provisiond's token in the middle of a cycle, then an admin
 * restores it. The cycle fails cleanly and the next one converges. (How the cycle must react to
 * the first 401 is in token-revoked.awaits-engine.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crashed, type FaultEnv } from './fault-env.js';
import { recordScenario } from './summary.js';
import { revokeMidCycle, type Revocation } from './token-revocation.js';

let env: FaultEnv;
let revocation: Revocation;

beforeAll(async () => {
  revocation = await revokeMidCycle();
  env = revocation.env;
}, 300_000);

afterAll(async () => {
  await env?.stop();
});

describe('fault scenario 4: the target token is revoked mid-cycle, then restored', () => {
  it('fails the cycle cleanly, keeps the token out of the output, and converges once the token is back', async () => {
    const { revoked } = revocation;
    expect(crashed(revoked), revoked.stderr).toBe(false);
    expect(revoked.code).toBe(1);
    expect(env.scim.requests.some((r) => r.status === 401)).toBe(true);
    expect(revoked.stdout + revoked.stderr).not.toContain('faults-scim-token');
    expect(env.wrongLinks()).toEqual([]);
    expect(env.snapshot().integrity).toBe('ok');

    env.scim.restoreToken();
    const restored = await env.run();
    const result = env.compare();
    recordScenario('target token revoked mid-cycle', { lost: result.lost.length, duplicated: result.duplicated.length });
    expect(restored.code).toBe(0);
    expect(result).toEqual({ lost: [], duplicated: [], wrong: [] });
    expect(env.wrongLinks()).toEqual([]);
    const { integrity, runs } = env.snapshot();
    expect(integrity).toBe('ok');
    expect(runs.filter((r) => r.outcome === 'running')).toEqual([]);
  }, 300_000);
});
