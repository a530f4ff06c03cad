/**
 * Lifecycle and safety, end to end: each scenario has its own job (scoped by department) and
 * snapshot, and asserts the exact requests sent and the app's final state. A user an admin
 * created by hand in the app is never touched by any of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScimRequestLogEntry } from '../../dev/scim-server.js';
import { E2eEnvironment, writes } from './harness.js';

let env: E2eEnvironment;
let bystanderId: string;

beforeAll(async () => {
  env = await E2eEnvironment.start();
  const bystander = await env.createScimUserByHand({ userName: 'hand-made@contoso.example', active: true, displayName: 'Made by hand' });
  bystanderId = bystander.id as string;
});

afterAll(async () => {
  // Whatever every scenario did, the user provisiond never linked is exactly as the admin left it.
  const requests = await env.scimRequests();
  expect(requests.filter((r) => r.path.includes(bystanderId))).toEqual([]);
  expect((await env.scimUsers()).find((u) => u.id === bystanderId)).toMatchObject({ userName: 'hand-made@contoso.example', active: true });
  await env.stop();
});

/** A job that provisions only the users of one department, with its own snapshot. */
function scenario(department: string, job: Record<string, unknown> = {}, source: Record<string, unknown> = {}): string {
  return env.writeConfig(
    { name: department, scope: { filters: [{ attribute: 'department', operator: 'EQUALS', value: department }] }, ...job },
    `${department}.yaml`,
    source,
  );
}

function addUser(department: string, name: string, extra: Record<string, unknown> = {}): string {
  return env.graph.upsertUser({ userPrincipalName: `${name}@contoso.example`, mail: `${name}@contoso.example`, givenName: name, surname: department, department, ...extra });
}

async function sync(config: string, ...flags: string[]) {
  await env.clearScimRequests();
  const run = await env.runCli(['--sync-now', '--config', config, ...flags]);
  return { run, sent: writes(await env.scimRequests()), all: await env.scimRequests() };
}

const targetId = async (userName: string) => (await env.scimUsers()).find((u) => u.userName === userName)?.id as string;
const shape = (requests: ScimRequestLogEntry[]) => requests.map((r) => `${r.method} ${r.path.split('?')[0]?.replace(/\/Users\/[^/]+$/, '/Users/:id')}`);

describe('deprovisioning rules', () => {
  it('hardDeleted: delete → DELETE; hardDeleted: disable → PATCH active false', async () => {
    const del = scenario('del');
    const gone = addUser('del', 'del-gone');
    expect((await sync(del)).run.code).toBe(0);
    const id = await targetId('del-gone@contoso.example');
    env.graph.hardDeleteUser(gone);
    const { run, sent } = await sync(del);
    expect(run.code, run.stdout).toBe(0);
    expect(sent).toEqual([expect.objectContaining({ method: 'DELETE', path: `/Users/${id}`, status: 204 })]);

    const dis = scenario('dis', { users: { ...baseUsers(), deprovision: { hardDeleted: 'disable' } } });
    const kept = addUser('dis', 'dis-kept');
    expect((await sync(dis)).run.code).toBe(0);
    env.graph.hardDeleteUser(kept);
    const second = await sync(dis);
    expect(second.sent).toEqual([expect.objectContaining({ method: 'PATCH', body: expect.objectContaining({ Operations: [{ op: 'replace', path: 'active', value: false }] }) })]);
    expect((await env.scimUsers()).find((u) => u.userName === 'dis-kept@contoso.example')).toMatchObject({ active: false });
  });

  it('outOfScope: ignore → nothing is sent when a user leaves scope', async () => {
    const config = scenario('ign', { users: { ...baseUsers(), deprovision: { outOfScope: 'ignore' } } });
    const leaver = addUser('ign', 'ign-leaver');
    expect((await sync(config)).run.code).toBe(0);
    env.graph.patchUser(leaver, { department: 'elsewhere' });
    const { run, sent } = await sync(config);
    expect(run.code).toBe(0);
    expect(sent).toEqual([]);
  });

  it('softDeleted → PATCH active false, and a restored user is enabled again under the same id', async () => {
    const config = scenario('soft');
    const user = addUser('soft', 'soft-user');
    expect((await sync(config)).run.code).toBe(0);
    const id = await targetId('soft-user@contoso.example');
    env.graph.softDeleteUser(user);
    expect((await sync(config)).sent).toEqual([expect.objectContaining({ method: 'PATCH', path: `/Users/${id}`, body: expect.objectContaining({ Operations: [{ op: 'replace', path: 'active', value: false }] }) })]);
    env.graph.restoreUser(user);
    expect((await sync(config)).sent).toEqual([expect.objectContaining({ method: 'PATCH', path: `/Users/${id}`, body: expect.objectContaining({ Operations: [{ op: 'replace', path: 'active', value: true }] }) })]);
  });
});

describe('matching on first contact', () => {
  it('links a user created by hand with the same userName in another case instead of duplicating it', async () => {
    const config = scenario('match');
    const existing = await env.createScimUserByHand({ userName: 'Match-Me@Contoso.Example', active: true });
    addUser('match', 'match-me', { jobTitle: 'Engineer' });
    const { run, sent, all } = await sync(config);
    expect(run.code, run.stdout).toBe(0);
    expect(all[0]).toMatchObject({ method: 'GET', path: expect.stringContaining('/Users?filter=') });
    expect(shape(sent)).toEqual(['PATCH /Users/:id']);
    expect(sent[0]?.path).toBe(`/Users/${existing.id}`);
    expect((await env.scimUsers()).filter((u) => String(u.userName).toLowerCase() === 'match-me@contoso.example')).toHaveLength(1);
    expect(run.logs.find((l) => l.op === 'create')).toMatchObject({ outcome: 'linked' });
  });

  it('refuses to guess between two matching users: error recorded, nothing created', async () => {
    const config = scenario('twin', { users: { ...baseUsers(), match: [{ target: 'displayName', source: 'displayName' }] } });
    await env.createScimUserByHand({ userName: 'twin-a@contoso.example', displayName: 'Twin' });
    await env.createScimUserByHand({ userName: 'twin-b@contoso.example', displayName: 'Twin' });
    addUser('twin', 'twin-source', { displayName: 'Twin' });
    const { run, sent } = await sync(config);
    expect(run.code).toBe(1);
    expect(sent).toEqual([]);
    expect(run.logs.find((l) => l.op === 'create')).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/2 users in the target match displayName eq "Twin"; refusing to guess/) });
  });
});

describe('target drift', () => {
  it('re-creates a linked user the app deleted behind our back, on the next update', async () => {
    const config = scenario('drift');
    const user = addUser('drift', 'drift-user');
    expect((await sync(config)).run.code).toBe(0);
    const oldId = await targetId('drift-user@contoso.example');
    await env.deleteScimUserBehindOurBack(oldId);
    env.graph.patchUser(user, { jobTitle: 'Changed' });
    const { run, sent } = await sync(config);
    expect(run.code, run.stdout).toBe(0);
    expect(shape(sent)).toEqual(['PATCH /Users/:id', 'POST /Users']);
    expect(sent[0]).toMatchObject({ status: 404 });
    const newId = await targetId('drift-user@contoso.example');
    expect(newId).not.toBe(oldId);
    expect((await env.scimUsers()).find((u) => u.id === newId)).toMatchObject({ title: 'Changed' });
    // Linked under the new id: the next cycle has nothing to do.
    expect((await sync(config)).sent).toEqual([]);
  });
});

describe('safety', () => {
  it('a 503 on the third page of /users sends no disable or delete, and the run is partial', async () => {
    const config = scenario('partial', {}, { pageSize: 2, maxRetries: 1 });
    const ids = Array.from({ length: 5 }, (_, i) => addUser('partial', `partial-${i}`));
    expect((await sync(config)).run.code).toBe(0);
    env.graph.patchUser(ids[0]!, { accountEnabled: false });
    env.graph.failPage(3, { status: 503 });
    // Only a full read pages through /users (an incremental one reads the delta feed).
    const { run, sent } = await sync(config, '--full');
    env.graph.clearFaults();
    expect(run.code).toBe(3);
    expect(sent).toEqual([]);
    expect(run.logs.find((l) => String(l.msg).startsWith('cycle '))).toMatchObject({ outcome: 'partial', reason: expect.stringContaining('no user is disabled or deleted') });
    // Once the source reads cleanly again, the disable goes through.
    expect((await sync(config)).sent).toEqual([expect.objectContaining({ method: 'PATCH', body: expect.objectContaining({ Operations: [{ op: 'replace', path: 'active', value: false }] }) })]);
  });

  it('deleting 30% of 1,000 users trips a 5% guard; --allow-deletes sends them all', async () => {
    const config = scenario('bulk', { safety: { maxDeletes: '5%', maxSourceDrop: '50%' } });
    const ids = Array.from({ length: 1000 }, (_, i) => addUser('bulk', `bulk-${String(i).padStart(4, '0')}`));
    const first = await sync(config);
    expect(first.run.code).toBe(0);
    expect(first.sent.filter((r) => r.method === 'POST')).toHaveLength(1000);
    for (const id of ids.slice(0, 300)) env.graph.hardDeleteUser(id);

    const guarded = await sync(config);
    expect(guarded.run.code).toBe(3);
    expect(guarded.sent).toEqual([]);
    expect(guarded.run.logs.find((l) => String(l.msg).startsWith('cycle '))).toMatchObject({ outcome: 'guarded', counts: expect.objectContaining({ held: 300 }) });

    const allowed = await sync(config, '--allow-deletes');
    expect(allowed.run.code, allowed.run.stdout.slice(-2000)).toBe(0);
    expect(allowed.sent.filter((r) => r.method === 'DELETE')).toHaveLength(300);
    expect(allowed.sent).toHaveLength(300);
  });
});

function baseUsers(): Record<string, unknown> {
  return {
    match: [{ target: 'userName', source: 'userPrincipalName' }],
    mappings: [
      { target: 'userName', source: 'userPrincipalName', required: true },
      { target: 'externalId', source: 'objectId' },
      { target: 'displayName', source: 'displayName' },
      { target: 'title', source: 'jobTitle' },
    ],
  };
}
