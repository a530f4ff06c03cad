/**
 * Fault scenario 5: the app is down (its port refuses connections) for a whole cycle, then back.
 * The cycle fails cleanly — no crash, no link touched wrongly — and the next one converges.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crashed, cycleSummary, FaultEnv } from './fault-env.js';
import { recordScenario } from './summary.js';

let env: FaultEnv;

beforeAll(async () => {
  env = await FaultEnv.start({ users: 40 });
  env.writeConfig({ target: { url: env.scim.url, token: '${SCIM_TOKEN}', concurrency: 4, maxRetries: 2, timeout: '1s' } });
});

afterAll(async () => {
  await env?.stop();
});

describe('fault scenario 5: the target is down for a whole cycle', () => {
  it('fails that cycle cleanly and converges when the target is back', async () => {
    const initial = await env.run();
    expect(initial.code).toBe(0);

    const users = env.graph.users();
    for (const user of users.slice(0, 5)) env.graph.patchUser(String(user['id']), { displayName: `${String(user['displayName'])} (moved)` });
    for (const user of users.slice(5, 7)) env.graph.patchUser(String(user['id']), { accountEnabled: false });
    env.graph.hardDeleteUser(String(users[7]!['id']));
    for (let i = 200; i < 203; i++) env.addUser(i);
    const linksBefore = env.snapshot().links;

    await env.scim.down();
    const down = await env.run();
    const summary = cycleSummary(down);
    expect(crashed(down), down.stderr).toBe(false);
    expect(down.code).toBe(1);
    expect(summary?.['outcome']).toBe('failed');
    // Nothing was confirmed, so the snapshot still says what the target last held.
    expect(env.snapshot().links).toEqual(linksBefore);
    expect(env.snapshot().integrity).toBe('ok');

    await env.scim.up();
    const back = await env.run();
    const result = env.compare();
    recordScenario('target down for a whole cycle', { lost: result.lost.length, duplicated: result.duplicated.length });
    expect(back.code).toBe(0);
    expect(result).toEqual({ lost: [], duplicated: [], wrong: [] });
    expect(env.wrongLinks()).toEqual([]);
    expect(env.snapshot().integrity).toBe('ok');
  }, 300_000);
});
