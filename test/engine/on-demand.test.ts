/**
 * provisionOnDemand with real parts — a SQLite file, the SCIM server over loopback — and an
 * in-memory source: the steps' outcomes where the app or the snapshot stand in the way.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig, type PreparedJob } from '../../src/config/load.js';
import { startScimServer, type ScimServer } from '../../dev/scim-server.js';
import { provisionOnDemand } from '../../src/engine/on-demand.js';
import { createLogger } from '../../src/log.js';
import { ScimClient } from '../../src/scim/client.js';
import type { AppRole, SourceUser } from '../../src/sources/source.js';
import { StateStore } from '../../src/state/store.js';
import { AppSource, MemorySource } from '../support/memory-source.js';


const TOKEN = 'on-demand-test-token-0123456789';
let server: ScimServer;
let dir: string;
let job: PreparedJob;
let store: StateStore;
const silent = createLogger('silent', new Writable({ write: (_c, _e, done) => done() }));

beforeAll(async () => {
  server = await startScimServer({ token: TOKEN });
  dir = mkdtempSync(join(tmpdir(), 'provisiond-on-demand-'));
  const config = `
sources: { idp: { type: entra, tenantId: t, clientId: c, clientSecret: s } }
jobs:
  - name: app
    source: idp
    target: { url: "${server.url}", token: "${TOKEN}", maxRetries: 0 }
    scope: { filters: [{ attribute: department, operator: EQUALS, value: Sales }] }
    users:
      mappings:
        - { target: userName, source: userPrincipalName }
        - { target: displayName, source: displayName, required: true }
`;
  job = parseConfig(config, 'on-demand.yaml', { env: {}, readFile: () => '' }).jobs[0]!;
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});
let n = 0;
beforeEach(() => {
  store = StateStore.open(join(dir, `state-${++n}.db`));
  server.clearRequests();
  server.clearFaults();
  server.setUniqueUserNames(true);
});

function user(id: string, name: string, extra: Record<string, unknown> = {}): SourceUser {
  return { id, enabled: true, deleted: false, attributes: { userPrincipalName: `${name}@od.test`, displayName: name, department: 'Sales', ...extra } };
}

async function provision(users: SourceUser[], ref: string) {
  const client = new ScimClient({ baseUrl: server.url, token: TOKEN, concurrency: 2, timeoutMs: 5000, maxRetries: 0 });
  try {
    return await provisionOnDemand({ job, source: new MemorySource(users), store, client, log: silent, env: { now: () => new Date(), random: () => 0.5 } }, ref);
  } finally {
    await client.close();
  }
}

const outcomes = (report: { steps: readonly { outcome: string }[] }) => report.steps.map((s) => s.outcome);
const detail = (report: { steps: readonly { detail: string }[] }, step: number) => report.steps[step - 1]?.detail;
const methods = () => server.requests.map((r) => r.method);

describe('provisionOnDemand', () => {
  it('adopts the account the match rules find, searching the app once', async () => {
    const existing = await server.createUser({ userName: 'adopt@od.test', displayName: 'old name' });
    const report = await provision([user('u-adopt', 'adopt')], 'adopt@od.test');
    expect(report).toMatchObject({ outcome: 'success', sourceId: 'u-adopt', targetId: existing.id });
    expect(detail(report, 3)).toBe(`matched id ${existing.id as string} by userName eq "adopt@od.test"`);
    expect(detail(report, 4)).toBe(`linked the app's existing id ${existing.id as string}, and sent what it held differently`);
    expect(methods()).toEqual(['GET', 'PATCH']);
    expect(store.link('app', 'user', 'u-adopt')).toMatchObject({ targetId: existing.id, state: 'active' });
  });

  it('one app account, one source user: an account linked to another source user is not taken', async () => {
    const taken = await server.createUser({ userName: 'taken@od.test', displayName: 'taken' });
    store.saveLink('app', 'user', { sourceId: 'u-owner', targetId: taken.id as string, label: 'owner', state: 'active', attributes: {} });
    const report = await provision([user('u-second', 'taken')], 'u-second');
    expect(report.outcome).toBe('failed');
    expect(outcomes(report)).toEqual(['ok', 'ok', 'failed', 'skipped', 'skipped']);
    expect(detail(report, 3)).toContain(`matched id ${taken.id as string}, which is linked to owner (source id u-owner)`);
    expect(methods()).toEqual(['GET']);
    expect(store.link('app', 'user', 'u-second')).toBeUndefined();
  });

  it('two accounts that match are an error, never a guess', async () => {
    server.setUniqueUserNames(false);
    await server.createUser({ userName: 'twice@od.test', displayName: 'one' });
    await server.createUser({ userName: 'twice@od.test', displayName: 'two' });
    const report = await provision([user('u-twice', 'twice')], 'u-twice');
    expect(outcomes(report)).toEqual(['ok', 'ok', 'failed', 'skipped', 'skipped']);
    expect(detail(report, 3)).toContain('2 users in the app match userName eq "twice@od.test"; refusing to guess');
    expect(methods()).toEqual(['GET']);
  });

  it('a user out of scope and never linked: nothing is looked up or sent', async () => {
    const report = await provision([user('u-out', 'out', { department: 'Finance' })], 'out@od.test');
    expect(report.outcome).toBe('success');
    expect(detail(report, 2)).toBe('out of scope: the scoping filter department EQUALS "Sales" does not hold (rule outOfScope: disable)');
    expect(outcomes(report)).toEqual(['ok', 'ok', 'skipped', 'ok', 'skipped']);
    expect(detail(report, 4)).toBe('nothing to do: the user is not provisioned and was never linked');
    expect(server.requests).toEqual([]);
  });

  it('a mapping error fails the action before anything is sent', async () => {
    const report = await provision([user('u-nameless', 'nameless', { displayName: null })], 'u-nameless');
    expect(outcomes(report)).toEqual(['ok', 'ok', 'ok', 'failed', 'skipped']);
    expect(detail(report, 4)).toMatch(/^not sent: .*displayName/);
    expect(methods()).toEqual(['GET']);
  });

  it('a create the app refuses fails with the app’s error, kept in escrow for the next cycle', async () => {
    server.injectFault({ method: 'POST', path: '/Users', status: 400, scimType: 'invalidValue' });
    const report = await provision([user('u-refused', 'refused')], 'u-refused');
    expect(report.outcome).toBe('failed');
    expect(detail(report, 4)).toMatch(/^create failed: .*400/);
    expect(store.pendingFailures('app')).toEqual([expect.objectContaining({ sourceId: 'u-refused', operation: 'create', attempts: 1 })]);
  });

  it('an unknown user names the job and the value', async () => {
    const report = await provision([], 'ghost@od.test');
    expect(report.outcome).toBe('failed');
    expect(detail(report, 1)).toBe('job "app": source "memory" has no user "ghost@od.test" (looked up by object id and by sign-in name)');
    expect(server.requests).toEqual([]);
  });
});


describe('provisionOnDemand in an app-scoped job with app roles, a manager and onEmpty: clear', () => {
  const MANAGER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager';
  const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
  let team: PreparedJob;
  beforeAll(() => {
    const config = `
sources: { idp: { type: entra, tenantId: t, clientId: c, clientSecret: s } }
jobs:
  - name: team
    source: idp
    target: { url: "${server.url}", token: "${TOKEN}", maxRetries: 0 }
    scope: { app: sp-team }
    groups: false
    users:
      mappings:
        - { target: userName, source: userPrincipalName }
        - { target: displayName, source: displayName }
        - { target: title, source: jobTitle, onEmpty: clear }
        - { target: "${MANAGER}", source: manager }
        - { target: roles, expression: "AppRoleAssignmentsComplex([appRoleAssignments])" }
`;
    team = parseConfig(config, 'on-demand-team.yaml', { env: {}, readFile: () => '' }).jobs[0]!;
  });
  const role = (value: string): AppRole => ({ id: `r-${value}`, value, displayName: value });
  const teamUser = (id: string, name: string, extra: Record<string, unknown> = {}): SourceUser => ({
    id,
    enabled: true,
    deleted: false,
    attributes: { userPrincipalName: `${name}@team.test`, displayName: name, jobTitle: 'Engineer', manager: null, ...extra },
  });
  async function provisionTeam(users: SourceUser[], roles: Record<string, AppRole[]>, ref: string) {
    const client = new ScimClient({ baseUrl: server.url, token: TOKEN, concurrency: 2, timeoutMs: 5000, maxRetries: 0 });
    try {
      return await provisionOnDemand({ job: team, source: new AppSource(users, roles), store, client, log: silent, env: { now: () => new Date(), random: () => 0.5 } }, ref);
    } finally {
      await client.close();
    }
  }
  const appUser = (userName: string) => server.users().find((u) => u.userName === userName) as (Record<string, unknown> & { id: string }) | undefined;
  const managerOf = (userName: string) => (appUser(userName)?.[ENTERPRISE] as { manager?: { value?: string } } | undefined)?.manager;
  const roleValues = (userName: string) => ((appUser(userName)?.roles as { value: string }[] | undefined) ?? []).map((r) => r.value).sort();

  it('creates the user with its app roles and the manager as the id the manager has in the app', async () => {
    const boss = teamUser('u-boss', 'boss');
    const ann = teamUser('u-ann', 'ann', { manager: 'u-boss' });
    const roles = { 'u-boss': [role('Owner')], 'u-ann': [role('Reader'), role('Admin')] };
    expect((await provisionTeam([boss, ann], roles, 'u-boss')).outcome).toBe('success');
    const bossId = appUser('boss@team.test')?.id;
    expect(bossId).toBeDefined();

    const report = await provisionTeam([boss, ann], roles, 'ann@team.test');
    expect(report.outcome).toBe('success');
    expect(detail(report, 4)).toMatch(/^created id /);
    expect(managerOf('ann@team.test')).toMatchObject({ value: bossId });
    expect(roleValues('ann@team.test')).toEqual(['Admin', 'Reader']);
    expect(store.pendingReferences('team').get('u-ann')).toBeUndefined();

    // The same roles listed in another order are the same set: nothing to send.
    server.clearRequests();
    const again = await provisionTeam([boss, ann], { ...roles, 'u-ann': [role('Admin'), role('Reader')] }, 'u-ann');
    expect(detail(again, 4)).toMatch(/^no change: /);
    expect(methods()).toEqual([]);
  });

  it('a manager not provisioned yet is left out and kept pending for the cycle that provisions it', async () => {
    const dan = teamUser('u-dan', 'dan', { manager: 'u-lead' });
    const report = await provisionTeam([dan, teamUser('u-lead', 'lead')], { 'u-dan': [role('Reader')], 'u-lead': [] }, 'u-dan');
    expect(report.outcome).toBe('success');
    expect(appUser('dan@team.test')).toBeDefined();
    expect(managerOf('dan@team.test')).toBeUndefined();
    expect(appUser('lead@team.test')).toBeUndefined(); // nothing else is sent
    expect(store.pendingReferences('team').get('u-dan')).toEqual(new Map([[MANAGER, 'u-lead']]));
  });

  it('a manager and an onEmpty: clear attribute emptied in the source are removed in the app', async () => {
    const boss = teamUser('u-chief', 'chief');
    const roles = { 'u-chief': [], 'u-cat': [role('Reader')] };
    await provisionTeam([boss], roles, 'u-chief');
    await provisionTeam([boss, teamUser('u-cat', 'cat', { manager: 'u-chief' })], roles, 'u-cat');
    expect(appUser('cat@team.test')).toMatchObject({ title: 'Engineer' });
    expect(managerOf('cat@team.test')).toBeDefined();

    server.clearRequests();
    const report = await provisionTeam([boss, teamUser('u-cat', 'cat', { manager: null, jobTitle: '' })], roles, 'u-cat');
    expect(report.outcome).toBe('success');
    expect(detail(report, 4)).toMatch(/^updated id .*: /);
    expect(detail(report, 4)).toContain('title');
    expect(detail(report, 4)).toContain(MANAGER);
    expect(methods()).toEqual(['PATCH']);
    expect(appUser('cat@team.test')?.title).toBeUndefined();
    expect(managerOf('cat@team.test')).toBeUndefined();
    expect(roleValues('cat@team.test')).toEqual(['Reader']);
  });
});
