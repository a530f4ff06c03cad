/**
 * App roles end to end: the built CLI reads the enterprise app's role assignments from the Graph
 * fake and keeps the SCIM server's `roles` in step, in both compat modes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScimRequestLogEntry } from '../../dev/scim-server.js';
import { E2eEnvironment, writes } from './harness.js';

const ADMIN = { id: '1a000000-0000-4000-8000-0000000000a1', value: 'Admin', displayName: 'Administrator' };
const READER = { id: '2b000000-0000-4000-8000-0000000000b2', value: 'Reader', displayName: 'Reader' };
const WRITER = { id: '3c000000-0000-4000-8000-0000000000c3', value: 'Writer', displayName: 'Writer' };
const TYPE = 'WindowsAzureActiveDirectoryRole';

let env: E2eEnvironment;
let sp: string;
let readers: string;
const users: Record<string, string> = {};

beforeAll(async () => {
  env = await E2eEnvironment.start();
  for (const name of ['alice', 'bob', 'carol']) users[name] = env.graph.upsertUser({ userPrincipalName: `${name}@roles.example`, displayName: name });
  readers = env.graph.upsertGroup({ displayName: 'Readers', members: [users.bob!] });
  sp = env.graph.upsertServicePrincipal({ displayName: 'Roles app', appRoles: [ADMIN, READER, WRITER] });
});
afterAll(async () => env?.stop());

/** alice: Admin and Reader of her own; bob: Reader through the Readers group; carol: default access, no role. */
function assignAsAtStart(): void {
  for (const principal of [users.alice!, users.bob!, users.carol!, readers]) {
    try {
      env.graph.unassignFromServicePrincipal(sp, principal);
    } catch {
      // not assigned yet
    }
  }
  env.graph.assignToServicePrincipal(sp, users.alice!, ADMIN.id);
  env.graph.assignToServicePrincipal(sp, users.alice!, READER.id);
  env.graph.assignToServicePrincipal(sp, readers, READER.id);
  env.graph.assignToServicePrincipal(sp, users.carol!);
}

async function sync(config: string): Promise<ScimRequestLogEntry[]> {
  await env.clearScimRequests();
  const run = await env.runCli(['--sync-now', '--config', config]);
  expect(run.code, run.stdout + run.stderr).toBe(0);
  return writes(await env.scimRequests());
}

/** The roles the app holds for each user, by value. */
async function appRoles(): Promise<Record<string, string[]>> {
  const held: Record<string, string[]> = {};
  for (const user of await env.scimUsers()) {
    held[String(user.userName).split('@')[0]!] = ((user.roles as { value: string }[] | undefined) ?? []).map((r) => r.value).sort();
  }
  return held;
}

describe.each(['scim', 'entra-legacy'] as const)('AssertiveAppRoleAssignmentsComplex with compat: %s', (compat) => {
  let config: string;
  const ops = (request: ScimRequestLogEntry | undefined) => (request?.body as { Operations: unknown[] } | undefined)?.Operations;
  const role = (r: typeof ADMIN) => (compat === 'scim' ? { primary: false, type: TYPE, display: r.displayName, value: r.value } : { primary: false, display: r.displayName, value: r.value });
  const replace = compat === 'scim' ? 'replace' : 'Replace';

  beforeAll(async () => {
    for (const user of await env.scimUsers()) await env.deleteScimUserBehindOurBack(String(user.id));
    assignAsAtStart();
    config = env.writeConfig(
      {
        name: `roles-${compat}`,
        scope: { app: sp },
        target: { url: env.scimUrl, token: '${SCIM_TOKEN}', compat },
        users: {
          match: [{ target: 'userName', source: 'userPrincipalName' }],
          mappings: [
            { target: 'userName', source: 'userPrincipalName', required: true },
            { target: 'displayName', source: 'displayName' },
            { target: 'roles', expression: 'AssertiveAppRoleAssignmentsComplex([appRoleAssignments])' },
          ],
        },
      },
      `roles-${compat}.yaml`,
    );
  });

  it('creates the assigned users with their roles, in the shape of Entra’s POST', async () => {
    const sent = await sync(config);
    expect(sent.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /Users', 'POST /Users', 'POST /Users']);
    const alice = sent.find((r) => (r.body as { userName: string }).userName === 'alice@roles.example');
    expect((alice?.body as { roles: unknown }).roles).toEqual([
      { primary: false, type: TYPE, display: 'Administrator', value: 'Admin' },
      { primary: false, type: TYPE, display: 'Reader', value: 'Reader' },
    ]);
    expect(await appRoles()).toEqual({ alice: ['Admin', 'Reader'], bob: ['Reader'], carol: [] });
  });

  it('sends one PATCH per user whose roles changed: a granted role is added, a revoked one removed', async () => {
    env.graph.assignToServicePrincipal(sp, users.bob!, WRITER.id);
    env.graph.unassignFromServicePrincipal(sp, users.alice!, ADMIN.id);
    if (compat === 'scim') {
      // preview reads the assignments as a cycle does and shows the role PATCH it would send, sending nothing.
      await env.clearScimRequests();
      const preview = await env.runCli(['preview', '--job', `roles-${compat}`, '--user', 'bob@roles.example', '--config', config]);
      expect(preview.code, preview.stderr).toBe(0);
      const patch = JSON.parse(preview.stdout.slice(preview.stdout.indexOf('{', preview.stdout.indexOf('PATCH /Users/')))) as { Operations: unknown[] };
      expect(patch.Operations).toEqual([{ op: 'replace', path: 'roles', value: [role(READER), role(WRITER)] }]);
      expect(writes(await env.scimRequests())).toEqual([]);
    }
    const sent = await sync(config);
    const ids = Object.fromEntries((await env.scimUsers()).map((u) => [String(u.userName).split('@')[0], u.id]));
    expect(sent.map((r) => `${r.method} ${r.path}`).sort()).toEqual([`PATCH /Users/${ids.alice}`, `PATCH /Users/${ids.bob}`].sort());
    expect(ops(sent.find((r) => r.path === `/Users/${ids.bob}`))).toEqual([{ op: replace, path: 'roles', value: [role(READER), role(WRITER)] }]);
    expect(ops(sent.find((r) => r.path === `/Users/${ids.alice}`))).toEqual([{ op: replace, path: 'roles', value: [role(READER)] }]);
    expect(await appRoles()).toEqual({ alice: ['Reader'], bob: ['Reader', 'Writer'], carol: [] });
  });

  it('sends nothing when no assignment changed', async () => {
    expect(await sync(config)).toEqual([]);
  });
});
