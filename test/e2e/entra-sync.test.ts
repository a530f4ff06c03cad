/**
 * The first real sync, as an operator runs it: `node dist/main.js --sync-now` against the Graph
 * fake and a SCIM server process, one cycle after another on the same SQLite file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2eEnvironment, SECRETS, writes } from './harness.js';

let env: E2eEnvironment;
let config: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  env = await E2eEnvironment.start();
  const user = (u: Record<string, unknown>) => env.graph.upsertUser(u);
  ids.ada = user({ userPrincipalName: 'ada@contoso.example', mail: 'ada@contoso.example', givenName: 'Ada', surname: 'Lovelace', displayName: 'Ada Lovelace', jobTitle: 'Analyst', department: 'R&D' });
  ids.grace = user({ userPrincipalName: 'grace@contoso.example', mail: 'grace@contoso.example', givenName: 'Grace', surname: 'Hopper', displayName: 'Grace Hopper', jobTitle: 'Admiral', department: 'Navy' });
  ids.ken = user({ userPrincipalName: 'ken@contoso.example', mail: 'ken@contoso.example', givenName: 'Ken', surname: 'Thompson', displayName: 'Ken Thompson', department: 'Unix' });
  ids.linus = user({ userPrincipalName: 'linus@contoso.example', givenName: 'Linus', surname: 'T', accountEnabled: false });
  config = env.writeConfig();
});

afterAll(async () => {
  await env?.stop();
});

describe('provisiond --sync-now against Entra and a SCIM server', () => {
  it('creates every in-scope user with the mapped attributes, and never a disabled one', async () => {
    const run = await env.runCli(['--sync-now', '--config', config]);
    expect(run.stderr).toBe('');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const users = await env.scimUsers();
    expect(users.map((u) => u.userName).sort()).toEqual(['ada@contoso.example', 'grace@contoso.example', 'ken@contoso.example']);
    const ada = users.find((u) => u.userName === 'ada@contoso.example')!;
    expect(ada).toMatchObject({
      externalId: ids.ada,
      active: true,
      displayName: 'Ada Lovelace',
      title: 'Analyst',
      preferredLanguage: 'en-US',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      emails: [expect.objectContaining({ type: 'work', value: 'ada@contoso.example', primary: true })],
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'R&D' },
    });
    const posts = writes(await env.scimRequests());
    expect(posts.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /Users', 'POST /Users', 'POST /Users']);
    // The cycle summary is one JSON log line with the counts.
    const summary = run.logs.find((l) => l.msg === 'cycle success');
    expect(summary).toMatchObject({ job: 'app', outcome: 'success', counts: expect.objectContaining({ read: 4, inScope: 3, created: 3, failed: 0 }) });
    // One record per operation, with job, object id, op, outcome and SCIM status.
    expect(run.logs.filter((l) => l.op === 'create')).toHaveLength(3);
    expect(run.logs.find((l) => l.op === 'create' && l.sourceId === ids.ada)).toMatchObject({ outcome: 'created', status: 201, user: 'ada@contoso.example' });
  });

  it('sends zero write requests when nothing changed', async () => {
    await env.clearScimRequests();
    const run = await env.runCli(['--sync-now', '--config', config]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(writes(await env.scimRequests())).toEqual([]);
  });

  it('sends one PATCH with only the changed attribute', async () => {
    await env.clearScimRequests();
    env.graph.patchUser(ids.ada!, { jobTitle: 'Countess' });
    const run = await env.runCli(['--sync-now', '--config', config]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const sent = writes(await env.scimRequests());
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      method: 'PATCH',
      body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: 'Countess' }] },
    });
    expect((await env.scimUsers()).find((u) => u.userName === 'ada@contoso.example')).toMatchObject({ title: 'Countess' });
  });

  it('disabling a user sends active: false', async () => {
    await env.clearScimRequests();
    env.graph.patchUser(ids.grace!, { accountEnabled: false });
    const run = await env.runCli(['--sync-now', '--config', config]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const sent = writes(await env.scimRequests());
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'PATCH', body: { Operations: [{ op: 'replace', path: 'active', value: false }] } });
    expect((await env.scimUsers()).find((u) => u.userName === 'grace@contoso.example')).toMatchObject({ active: false });
  });

  it('re-enabling sends active: true to the same SCIM id', async () => {
    const before = (await env.scimUsers()).find((u) => u.userName === 'grace@contoso.example')!;
    await env.clearScimRequests();
    env.graph.patchUser(ids.grace!, { accountEnabled: true });
    expect((await env.runCli(['--sync-now', '--config', config])).code).toBe(0);
    const sent = writes(await env.scimRequests());
    expect(sent).toEqual([expect.objectContaining({ method: 'PATCH', path: `/Users/${before.id}`, body: expect.objectContaining({ Operations: [{ op: 'replace', path: 'active', value: true }] }) })]);
  });

  it('keeps every link across restarts from the same SQLite file: no duplicates', async () => {
    for (let i = 0; i < 2; i++) expect((await env.runCli(['--sync-now', '--config', config])).code).toBe(0);
    const users = await env.scimUsers();
    expect(users).toHaveLength(3);
    expect(new Set(users.map((u) => u.userName)).size).toBe(3);
  });

  it('waits out Graph throttling (429 with Retry-After) and reports the wait', async () => {
    env.graph.throttle({ next: 2, retryAfterSeconds: 1 });
    const run = await env.runCli(['--sync-now', '--config', config]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const summary = run.logs.find((l) => typeof l.msg === 'string' && l.msg.startsWith('cycle '));
    expect((summary?.counts as Record<string, number>).sourceThrottledMs).toBeGreaterThanOrEqual(2000);
  });

  it('re-acquires a token Graph no longer accepts', async () => {
    env.graph.expireTokens();
    const run = await env.runCli(['--sync-now', '--config', config]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
  });

  it('never writes a token or secret to its output', async () => {
    env.graph.patchUser(ids.ken!, { jobTitle: 'Hacker' });
    const run = await env.runCli(['--sync-now', '--config', config], { LOG_LEVEL: 'trace' });
    for (const secret of Object.values(SECRETS)) {
      expect(run.stdout).not.toContain(secret);
      expect(run.stderr).not.toContain(secret);
    }
  });
});
