/**
 * A job with an Okta source, as an operator runs it: `node dist/main.js --sync-now` against the
 * Okta fake and a SCIM server process, one cycle after another on the same SQLite file. It must
 * provision exactly what the equivalent Entra job provisions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScimRequestLogEntry, ScimResource } from '../../dev/scim-server.js';
import { E2eEnvironment, SECRETS, writes } from './harness.js';
import { cycleSummary, OKTA_SECRETS, OktaE2eEnvironment } from './okta-harness.js';

let env: OktaE2eEnvironment;
let config: string;
const ids: Record<string, string> = {};

const PEOPLE = [
  { key: 'ada', first: 'Ada', last: 'Lovelace', title: 'Analyst', department: 'R&D' },
  { key: 'grace', first: 'Grace', last: 'Hopper', title: 'Admiral', department: 'Navy' },
  { key: 'ken', first: 'Ken', last: 'Thompson', department: 'Unix' },
] as const;

beforeAll(async () => {
  env = await OktaE2eEnvironment.start();
  for (const p of PEOPLE) {
    const login = `${p.key}@contoso.example`;
    ids[p.key] = env.okta.createUser({
      profile: { login, email: login, firstName: p.first, lastName: p.last, displayName: `${p.first} ${p.last}`, ...('title' in p ? { title: p.title } : {}), department: p.department },
    });
  }
  ids.linus = env.okta.createUser({ status: 'SUSPENDED', profile: { login: 'linus@contoso.example', firstName: 'Linus', lastName: 'T' } });
  config = env.writeConfig();
});

afterAll(async () => {
  await env?.stop();
});

/** What the app holds, without what differs by nature between two runs (ids, timestamps, the source's object id). */
function comparable(users: ScimResource[]): Record<string, unknown>[] {
  return users
    .map(({ id: _id, meta: _meta, externalId: _externalId, ...rest }) => rest)
    .sort((a, b) => String(a.userName).localeCompare(String(b.userName)));
}

describe('provisiond --sync-now with an Okta source', () => {
  it('provisions exactly what the equivalent Entra job provisions', async () => {
    const entra = await E2eEnvironment.start();
    try {
      for (const p of PEOPLE) {
        const upn = `${p.key}@contoso.example`;
        entra.graph.upsertUser({ userPrincipalName: upn, mail: upn, givenName: p.first, surname: p.last, displayName: `${p.first} ${p.last}`, ...('title' in p ? { jobTitle: p.title } : {}), department: p.department });
      }
      entra.graph.upsertUser({ userPrincipalName: 'linus@contoso.example', givenName: 'Linus', surname: 'T', accountEnabled: false });
      const [entraRun, oktaRun] = await Promise.all([entra.runCli(['--sync-now', '--config', entra.writeConfig()]), env.runCli(['--sync-now', '--config', config])]);
      expect(entraRun.code, entraRun.stdout + entraRun.stderr).toBe(0);
      expect(oktaRun.stderr).toBe('');
      expect(oktaRun.code, oktaRun.stdout).toBe(0);

      const oktaUsers = await env.scimUsers();
      expect(comparable(oktaUsers)).toEqual(comparable(await entra.scimUsers()));
      expect(oktaUsers.find((u) => u.userName === 'ada@contoso.example')?.externalId).toBe(ids.ada);
      // The same requests, body for body, but for the object ids in externalId.
      const bodies = async (e: { scimRequests(): Promise<ScimRequestLogEntry[]> }) =>
        writes(await e.scimRequests())
          .map((r) => ({ method: r.method, path: r.path, body: { ...(r.body as Record<string, unknown>), externalId: undefined } }))
          .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
      expect(await bodies(env)).toEqual(await bodies(entra));
      // Three listings (plain, DEPROVISIONED, closing) and one read of Okta's clock for the change cursor.
      expect(cycleSummary(oktaRun)).toMatchObject({ job: 'app', outcome: 'success', counts: expect.objectContaining({ read: 4, inScope: 3, created: 3, failed: 0, sourceRequests: 4 }) });

      // An Entra scope.app takes the enterprise app's object id or application id (see entra-app-scope.test.ts); an Okta-style name fails and says so.
      const appScoped = await entra.runCli(['--sync-now', '--config', entra.writeConfig({ scope: { app: 'flip' } }, 'app-scoped.yaml')]);
      expect(appScoped.code).toBe(1);
      expect(JSON.stringify(appScoped.logs)).toContain(`jobs[].scope.app \\"flip\\" is not an id; use the enterprise app's object id or its application (client) id`);
    } finally {
      await entra.stop();
    }
  });

  it('sends zero write requests when nothing changed', async () => {
    await env.clearScimRequests();
    const run = await env.runCli(['--sync-now', '--config', config]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(writes(await env.scimRequests())).toEqual([]);
  });

  it('a SUSPENDED user is disabled (active: false)', async () => {
    await env.clearScimRequests();
    env.okta.suspendUser(ids.grace as string);
    expect((await env.runCli(['--sync-now', '--config', config])).code).toBe(0);
    const sent = writes(await env.scimRequests());
    expect(sent).toEqual([expect.objectContaining({ method: 'PATCH', body: expect.objectContaining({ Operations: [{ op: 'replace', path: 'active', value: false }] }) })]);
    expect((await env.scimUsers()).find((u) => u.userName === 'grace@contoso.example')).toMatchObject({ active: false });
  });

  it('an unsuspended user is enabled again, under the same SCIM id', async () => {
    const before = (await env.scimUsers()).find((u) => u.userName === 'grace@contoso.example')!;
    await env.clearScimRequests();
    env.okta.unsuspendUser(ids.grace as string);
    expect((await env.runCli(['--sync-now', '--config', config])).code).toBe(0);
    expect(writes(await env.scimRequests())).toEqual([
      expect.objectContaining({ method: 'PATCH', path: `/Users/${before.id}`, body: expect.objectContaining({ Operations: [{ op: 'replace', path: 'active', value: true }] }) }),
    ]);
  });

  it('a DEPROVISIONED user follows deprovision.softDeleted (default: disable), and is enabled again when reactivated', async () => {
    await env.clearScimRequests();
    env.okta.deactivateUser(ids.ken as string);
    expect((await env.runCli(['--sync-now', '--config', config])).code).toBe(0);
    const ken = (await env.scimUsers()).find((u) => u.userName === 'ken@contoso.example')!;
    expect(ken.active).toBe(false);
    expect(writes(await env.scimRequests())).toHaveLength(1);

    await env.clearScimRequests();
    env.okta.activateUser(ids.ken as string);
    expect((await env.runCli(['--sync-now', '--config', config])).code).toBe(0);
    expect(writes(await env.scimRequests())).toEqual([
      expect.objectContaining({ method: 'PATCH', path: `/Users/${ken.id}`, body: expect.objectContaining({ Operations: [{ op: 'replace', path: 'active', value: true }] }) }),
    ]);
  });

  it('with softDeleted: delete, a DEPROVISIONED user is deleted while a SUSPENDED one is only disabled', async () => {
    const rules = env.writeConfig({ users: { deprovision: { disabled: 'disable', softDeleted: 'delete' } } }, 'soft-delete.yaml');
    const ada = (await env.scimUsers()).find((u) => u.userName === 'ada@contoso.example')!;
    await env.clearScimRequests();
    env.okta.deactivateUser(ids.ada as string);
    env.okta.suspendUser(ids.ken as string);
    const run = await env.runCli(['--sync-now', '--config', rules]);
    expect(run.code, run.stdout).toBe(0);
    const sent = writes(await env.scimRequests()).map((r) => `${r.method} ${r.path}`);
    expect(sent.sort()).toEqual([`DELETE /Users/${ada.id}`, `PATCH /Users/${(await env.scimUsers()).find((u) => u.userName === 'ken@contoso.example')!.id}`].sort());
    expect(run.logs.find((l) => l.op === 'delete')).toMatchObject({ sourceId: ids.ada, outcome: 'deleted' });
  });

  it('a user gone from Okta altogether is hard-deleted (deprovision.hardDeleted: delete) by the next full read', async () => {
    const grace = (await env.scimUsers()).find((u) => u.userName === 'grace@contoso.example')!;
    await env.clearScimRequests();
    env.okta.deleteUser(ids.grace as string);
    // Okta's change feed keeps no trace of a deleted user; only a full read (--full, or every schedule.fullSyncEvery) shows the absence.
    const run = await env.runCli(['--sync-now', '--full', '--config', config]);
    expect(run.code, run.stdout).toBe(0);
    expect(writes(await env.scimRequests()).map((r) => `${r.method} ${r.path}`)).toEqual([`DELETE /Users/${grace.id}`]);
  });

  it('never writes a token or secret to its output', async () => {
    env.okta.updateUser(ids.ken as string, { title: 'Hacker' });
    const run = await env.runCli(['--sync-now', '--config', config], { LOG_LEVEL: 'trace' });
    for (const secret of [...Object.values(OKTA_SECRETS), ...Object.values(SECRETS)]) {
      expect(run.stdout).not.toContain(secret);
      expect(run.stderr).not.toContain(secret);
    }
  });
});
