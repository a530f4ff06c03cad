/**
 * Fault scenario 1: the app throttles 20% of requests (429 with Retry-After), fails 10% (5xx) and
 * performs 2% without answering before the client's timeout — a create whose answer was lost is
 * the classic source of duplicates. The initial sync and a round of changes must both converge.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crashed, FaultEnv } from './fault-env.js';
import { recordScenario } from './summary.js';

let env: FaultEnv;

beforeAll(async () => {
  env = await FaultEnv.start({ users: 40 });
  env.writeConfig();
});

afterAll(async () => {
  await env?.stop();
});

describe('fault scenario 1: a target that throttles, fails and hangs', () => {
  it('converges to the source with nothing lost and nothing duplicated', async () => {
    // Besides the 2% by chance, the first two creates are certain to be performed with their answer lost.
    env.scim.injectFault({ method: 'POST', path: '/Users', perform: true, holdMs: 4_000, count: 2 });
    env.scim.setChaos({ seed: 20261130, throttle: 0.2, retryAfterSeconds: 1, serverError: 0.1, hang: 0.02, hangMs: 4_000 });

    const initial = await env.runUntilSuccess(4);

    // A round of every kind of change, still under the same weather.
    const users = env.graph.users();
    for (const user of users.slice(0, 8)) env.graph.patchUser(String(user['id']), { displayName: `${String(user['displayName'])} (renamed)` });
    for (const user of users.slice(8, 13)) env.graph.patchUser(String(user['id']), { accountEnabled: false });
    for (const user of users.slice(13, 16)) env.graph.hardDeleteUser(String(user['id']));
    for (let i = 100; i < 105; i++) env.addUser(i);
    const changes = await env.runUntilSuccess(4);

    const result = env.compare();
    recordScenario('target throttles, fails and hangs', { lost: result.lost.length, duplicated: result.duplicated.length });
    const stats = env.scim.chaosStats();
    // The weather really happened: each kind of fault struck at least once.
    expect(stats.throttled).toBeGreaterThan(0);
    expect(stats.serverErrors).toBeGreaterThan(0);
    expect(stats.hung).toBeGreaterThan(0);
    for (const run of [...initial, ...changes]) expect(crashed(run), run.stderr).toBe(false);
    expect(initial.at(-1)!.code).toBe(0);
    expect(changes.at(-1)!.code).toBe(0);
    expect(result).toEqual({ lost: [], duplicated: [], wrong: [] });
    expect(env.wrongLinks()).toEqual([]);
    expect(env.snapshot().integrity).toBe('ok');
    expect(Object.values(env.stateFileModes()).filter((mode) => mode !== '600')).toEqual([]);
  }, 300_000);
});
