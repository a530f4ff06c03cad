/**
 * The manager as a reference and onEmpty: clear, through the built CLI against the Graph fake and
 * the SCIM server, in SCIM mode ({"value": id}, lowercase ops) and Entra's default dialect (the
 * bare id, "Add"/"Remove"): one config with a job per mode, each scoped to its own group, so every
 * cycle exercises both.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2eEnvironment, writes, type CliResult } from './harness.js';

const MANAGER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

let env: E2eEnvironment;
let config: string;
let scimTeam: string;
const ids: Record<string, string> = {};

function jobFor(name: string, group: string, compat: 'scim' | 'entra-legacy') {
  return {
    name,
    source: 'corp',
    scope: { groups: [group] },
    groups: false,
    target: { url: env.scimUrl, token: '${SCIM_TOKEN}', concurrency: 4, maxRetries: 2, compat },
    users: {
      match: [{ target: 'userName', source: 'userPrincipalName' }],
      mappings: [
        { target: 'userName', source: 'userPrincipalName', required: true },
        { target: 'displayName', source: 'displayName' },
        { target: 'title', source: 'jobTitle', onEmpty: 'clear' },
        { target: 'emails[type eq "work"].value', source: 'mail', onEmpty: 'clear' },
        { target: MANAGER, source: 'manager' },
      ],
    },
  };
}

beforeAll(async () => {
  env = await E2eEnvironment.start();
  const user = (upn: string, domain: string) =>
    env.graph.upsertUser({ userPrincipalName: `${upn}@${domain}`, displayName: upn, mail: `${upn}@${domain}`, jobTitle: 'Engineer' });
  // The reports come first in the directory, so their manager does not exist in the app when they are created.
  for (const name of ['ada', 'alan', 'boss', 'chief']) ids[name] = user(name, 'contoso.example');
  for (const name of ['grace', 'lead']) ids[name] = user(name, 'legacy.example');
  env.graph.patchUser(ids.ada!, { manager: ids.boss });
  env.graph.patchUser(ids.alan!, { manager: ids.boss });
  env.graph.patchUser(ids.grace!, { manager: ids.lead });
  scimTeam = env.graph.upsertGroup({ displayName: 'scim-team', members: [ids.ada!, ids.alan!, ids.boss!, ids.chief!] });
  env.graph.upsertGroup({ displayName: 'legacy-team', members: [ids.grace!, ids.lead!] });
  config = env.writeConfig();
  const document = JSON.parse(readFileSync(config, 'utf8')) as { jobs: unknown[] };
  document.jobs = [jobFor('scim', 'scim-team', 'scim'), jobFor('legacy', 'legacy-team', 'entra-legacy')];
  writeFileSync(config, JSON.stringify(document, null, 2));
});

afterAll(async () => {
  await env?.stop();
});

async function sync(...args: string[]): Promise<CliResult> {
  await env.clearScimRequests();
  const run = await env.runCli(['--sync-now', '--config', config, ...args]);
  expect(run.code, run.stdout + run.stderr).toBe(0);
  return run;
}

async function appUser(userName: string) {
  const user = (await env.scimUsers()).find((u) => u.userName === userName);
  if (!user) throw new Error(`the app has no ${userName}`);
  return user as Record<string, unknown> & { id: string; [ENTERPRISE]?: { manager?: { value: string } } };
}

async function sent() {
  return writes(await env.scimRequests()).map((r) => ({ method: r.method, path: r.path, body: r.body }));
}

const patch = (id: string, operations: unknown[]) => ({ method: 'PATCH', path: `/Users/${id}`, body: expect.objectContaining({ Operations: operations }) });

describe('the manager as a reference, and onEmpty: clear', () => {
  it('fills in a manager created in the same cycle by one PATCH per report after the creates: {"value": id} in SCIM mode, the bare id in entra-legacy', async () => {
    await sync();
    const boss = await appUser('boss@contoso.example');
    const lead = await appUser('lead@legacy.example');
    const requests = await sent();
    expect(requests.filter((r) => r.method === 'POST')).toHaveLength(6);
    expect(requests.filter((r) => r.method === 'PATCH')).toEqual(
      expect.arrayContaining([
        patch((await appUser('ada@contoso.example')).id, [{ op: 'replace', path: MANAGER, value: { value: boss.id } }]),
        patch((await appUser('alan@contoso.example')).id, [{ op: 'replace', path: MANAGER, value: { value: boss.id } }]),
        patch((await appUser('grace@legacy.example')).id, [{ op: 'Add', path: MANAGER, value: lead.id }]),
      ]),
    );
    expect(requests.filter((r) => r.method === 'PATCH')).toHaveLength(3);
    // What the app holds, as RFC 7643 §4.3 has it, in both modes.
    expect((await appUser('alan@contoso.example'))[ENTERPRISE]?.manager).toMatchObject({ value: boss.id });
    expect((await appUser('grace@legacy.example'))[ENTERPRISE]?.manager).toMatchObject({ value: lead.id });
  });

  it('a changed manager is one PATCH', async () => {
    env.graph.patchUser(ids.ada!, { manager: ids.chief });
    await sync();
    const chief = await appUser('chief@contoso.example');
    const ada = await appUser('ada@contoso.example');
    expect(await sent()).toEqual([patch(ada.id, [{ op: 'replace', path: MANAGER, value: { value: chief.id } }])]);
    expect(ada[ENTERPRISE]?.manager).toMatchObject({ value: chief.id });
  });

  it('plan shows removals; the cycle removes a manager removed in the source and emptied onEmpty: clear attributes, in one PATCH per user', async () => {
    env.graph.patchUser(ids.ada!, { manager: null });
    env.graph.patchUser(ids.chief!, { jobTitle: null, mail: null });
    env.graph.patchUser(ids.grace!, { manager: null, jobTitle: '' });
    const chief = await appUser('chief@contoso.example');
    const plan = await env.runCli(['plan', '--config', config]);
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    expect(plan.stdout).toContain(`- ${MANAGER}: {"value":"${chief.id}"} → (removed)`);
    expect(plan.stdout).toContain('- emails[type eq "work"].value: "chief@contoso.example" → (removed)');
    const preview = await env.runCli(['preview', '--config', config, '--job', 'scim', '--user', 'chief@contoso.example']);
    expect(preview.code, preview.stdout + preview.stderr).toBe(0);
    expect(preview.stdout).toContain(`PATCH /Users/${chief.id}`);
    expect(preview.stdout).toMatch(/"op": "remove",\s+"path": "title"/);

    await sync();
    const ada = await appUser('ada@contoso.example');
    const grace = await appUser('grace@legacy.example');
    const requests = await sent();
    expect(requests).toEqual(
      expect.arrayContaining([
        patch(ada.id, [{ op: 'remove', path: MANAGER }]),
        patch(chief.id, [{ op: 'remove', path: 'title' }, { op: 'remove', path: 'emails[type eq "work"].value' }]),
        patch(grace.id, expect.arrayContaining([{ op: 'Remove', path: MANAGER }, { op: 'Remove', path: 'title' }])),
      ]),
    );
    expect(requests).toHaveLength(3);
    expect(ada[ENTERPRISE]?.manager).toBeUndefined();
    expect((await appUser('chief@contoso.example')).title).toBeUndefined();
  });

  it('a manager who leaves the job is removed from the reports; the incremental cycle that brings the manager back sets it again', async () => {
    const alan = await appUser('alan@contoso.example');
    const boss = await appUser('boss@contoso.example');
    env.graph.upsertGroup({ id: scimTeam, displayName: 'scim-team', members: [ids.ada!, ids.alan!, ids.chief!] });
    await sync();
    expect(await sent()).toEqual(
      expect.arrayContaining([patch(boss.id, [{ op: 'replace', path: 'active', value: false }]), patch(alan.id, [{ op: 'remove', path: MANAGER }])]),
    );
    expect((await appUser('alan@contoso.example'))[ENTERPRISE]?.manager).toBeUndefined();

    // Alan does not change, so the change feed does not show him: only the remembered reference brings his manager back.
    env.graph.upsertGroup({ id: scimTeam, displayName: 'scim-team', members: [ids.ada!, ids.alan!, ids.boss!, ids.chief!] });
    const back = await sync();
    expect(back.logs.filter((l) => l.job === 'scim' && l.mode === 'incremental')).not.toEqual([]);
    expect(back.logs.some((l) => l.op === 'update' && l.sourceId === ids.alan)).toBe(true);
    expect(await sent()).toEqual(expect.arrayContaining([patch(alan.id, [{ op: 'replace', path: MANAGER, value: { value: boss.id } }])]));
  });

  it('sends nothing on a following full cycle: every reference and removal is in the snapshot, nothing flaps', async () => {
    await sync('--full');
    expect(await sent()).toEqual([]);
  });
});
