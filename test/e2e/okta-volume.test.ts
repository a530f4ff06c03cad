/**
 * A full read of 20,000 Okta users at Okta's 200 per page, with a 429 injected every 50 requests:
 * the cycle completes, and its summary says how many requests it took and how long it waited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateOktaUsers } from '../../dev/okta-fake.js';
import { writes } from './harness.js';
import { cycleSummary, OktaE2eEnvironment } from './okta-harness.js';

const USERS = 20_000;
let env: OktaE2eEnvironment;

beforeAll(async () => {
  env = await OktaE2eEnvironment.start();
  // Last changed an hour ago: the read's closing "changed during the read" listing then has nothing to re-list.
  const created = new Date(Date.now() - 3_600_000);
  for (const user of generateOktaUsers(USERS)) env.okta.createUser({ ...user, created });
});

afterAll(async () => {
  await env?.stop();
});

describe('a 20,000-user Okta directory under throttling', () => {
  it('reads in full despite a 429 every 50 requests, and reports requests and waiting in the cycle summary', async () => {
    env.okta.throttle({ every: 50, resetSeconds: 1 });
    // No user is in scope, so the test measures the read, not 20,000 SCIM creates.
    const config = env.writeConfig({ job: { scope: { filters: [{ attribute: 'department', operator: 'EQUALS', value: 'Nobody' }] } } });
    const started = Date.now();
    const run = await env.runCli(['--sync-now', '--config', config]);
    const wallMs = Date.now() - started;
    expect(run.code, run.stdout.slice(-2000) + run.stderr).toBe(0);

    const counts = cycleSummary(run)?.counts as Record<string, number>;
    expect(counts).toMatchObject({ read: USERS, inScope: 0, failed: 0 });
    // 100 pages of 200, the DEPROVISIONED listing, the closing listing, one retry per 429, and one
    // request that reads Okta's clock for the change cursor the next (incremental) cycle starts from.
    const fake = env.okta.stats();
    expect(fake.throttled).toBe(2);
    expect(counts.sourceRequests).toBe(105);
    expect(fake.apiRequests).toBe(105);
    // Each 429 said "reset 1 s after Date": waited that plus a 100 ms margin; nothing was retried early.
    expect(counts.sourceThrottledMs).toBe(2200);
    expect(writes(await env.scimRequests())).toEqual([]);
    console.log(`okta volume: ${USERS} users, ${counts.sourceRequests} requests, ${fake.throttled} throttled, ${counts.sourceThrottledMs} ms waited, ${wallMs} ms wall`);
  });
});
