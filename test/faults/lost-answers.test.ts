/**
 * Scenario 1 against an app that does not enforce userName uniqueness (RFC 7643 asks it of
 * servers; not every app obliges). A create the app performed but whose answer was lost past the
 * client's timeout must not be sent again blindly: with no 409 to fall back on, that is a
 * duplicate account. Expected (issue 11): before re-sending a create whose outcome is unknown,
 * provisiond looks for the object by its match rules.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crashed, FaultEnv } from './fault-env.js';
import { recordScenario } from './summary.js';

let env: FaultEnv;

beforeAll(async () => {
  env = await FaultEnv.start({ users: 30 });
  env.scim.setUniqueUserNames(false);
  env.writeConfig({
    users: {
      match: [
        { target: 'externalId', source: 'objectId' },
        { target: 'userName', source: 'userPrincipalName' },
      ],
      mappings: [
        { target: 'userName', source: 'userPrincipalName', required: true },
        { target: 'externalId', source: 'objectId' },
        { target: 'displayName', source: 'displayName' },
      ],
    },
  });
});

afterAll(async () => {
  await env?.stop();
});

describe('fault scenario 1, lenient app (engine): creates whose answers were lost', () => {
  it('never duplicates an account, though the app would accept a second one', async () => {
    // Five creates are performed and their answers held past the 1 s client timeout; the rest of
    // the weather is scenario 1's.
    env.scim.injectFault({ method: 'POST', path: '/Users', perform: true, holdMs: 4_000, count: 5 });
    env.scim.setChaos({ seed: 11, throttle: 0.2, retryAfterSeconds: 1, serverError: 0.1, hang: 0.02, hangMs: 4_000 });
    const runs = await env.runUntilSuccess(4);
    const result = env.compare();
    recordScenario('target hangs on creates, lenient app', { lost: result.lost.length, duplicated: result.duplicated.length });
    for (const run of runs) expect(crashed(run), run.stderr).toBe(false);
    expect(runs.at(-1)!.code).toBe(0);
    expect(result).toEqual({ lost: [], duplicated: [], wrong: [] });
    expect(env.wrongLinks()).toEqual([]);
  }, 300_000);
});
