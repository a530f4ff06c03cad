/** Scenario 4's run, shared by token-revoked.test.ts and token-revoked.awaits-engine.test.ts. */
import { collect, FaultEnv, waitFor, type CliResult } from './fault-env.js';

export interface Revocation {
  readonly env: FaultEnv;
  /** The cycle during which the token was revoked. */
  readonly revoked: CliResult;
}

/** An initial sync of 50 users; the app revokes the token once ten creates went through. */
export async function revokeMidCycle(): Promise<Revocation> {
  const env = await FaultEnv.start({ users: 50 });
  env.writeConfig();
  const child = env.spawnCli(['--sync-now', '--config', 'provisiond.yaml']);
  const done = collect(child);
  await waitFor('ten creates', () => env.scim.requests.filter((r) => r.method === 'POST' && r.status === 201).length >= 10);
  env.scim.revokeToken();
  return { env, revoked: await done };
}
