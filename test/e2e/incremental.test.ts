/**
 * Incremental cycles, end to end with an Okta source: after a full read, a cycle reads only the
 * users changed since the last one; a periodic (or --full) full read catches what a change feed
 * cannot show, such as a user deleted in Okta.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writes } from './harness.js';
import { cycleSummary, OktaE2eEnvironment } from './okta-harness.js';

let env: OktaE2eEnvironment;
let config: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  env = await OktaE2eEnvironment.start();
  for (const name of ['ann', 'bob', 'cat']) {
    ids[name] = env.okta.createUser({ profile: { login: `${name}@okta.example`, email: `${name}@okta.example`, firstName: name, lastName: 'Incremental' } });
  }
  config = env.writeConfig({ source: { incrementalOverlap: '1s' } });
});
afterAll(async () => env?.stop());

async function sync(...flags: string[]) {
  await env.clearScimRequests();
  env.okta.resetLog();
  const run = await env.runCli(['--sync-now', '--config', config, ...flags]);
  const readMode = run.logs.find((l) => typeof l.mode === 'string')?.mode;
  const listings = env.okta.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/api/v1/users')).map((r) => decodeURIComponent(r.path));
  return { run, readMode, listings, sent: writes(await env.scimRequests()) };
}

describe('incremental cycles', () => {
  it('the first cycle reads in full and creates everyone', async () => {
    const { run, readMode, sent } = await sync();
    expect(run.code, run.stdout).toBe(0);
    expect(readMode).toBe('full');
    expect(sent.filter((r) => r.method === 'POST')).toHaveLength(3);
  });

  it('the next cycle reads only changes (lastUpdated filter) and sends one PATCH', async () => {
    env.okta.updateUser(ids.ann!, { title: 'Captain' });
    const { run, readMode, listings, sent } = await sync();
    expect(run.code, run.stdout).toBe(0);
    expect(readMode).toBe('incremental');
    expect(listings.length).toBeGreaterThan(0);
    expect(listings.every((path) => path.includes('lastUpdated gt'))).toBe(true);
    expect(sent).toEqual([expect.objectContaining({ method: 'PATCH', body: expect.objectContaining({ Operations: [{ op: 'replace', path: 'title', value: 'Captain' }] }) })]);
  });

  it('a suspension arrives through the change feed as a disable', async () => {
    env.okta.suspendUser(ids.bob!);
    const { readMode, sent } = await sync();
    expect(readMode).toBe('incremental');
    expect(sent).toEqual([expect.objectContaining({ method: 'PATCH', body: expect.objectContaining({ Operations: [{ op: 'replace', path: 'active', value: false }] }) })]);
  });

  it('a hard delete is invisible to the change feed; --full reads everything and sends the DELETE', async () => {
    env.okta.deleteUser(ids.cat!);
    const incremental = await sync();
    expect(incremental.sent).toEqual([]);
    const full = await sync('--full');
    expect(full.run.code, full.run.stdout).toBe(0);
    expect(full.readMode).toBe('full');
    expect(full.sent).toEqual([expect.objectContaining({ method: 'DELETE', status: 204 })]);
    expect(cycleSummary(full.run)).toMatchObject({ counts: expect.objectContaining({ deleted: 1 }) });
  });
});
