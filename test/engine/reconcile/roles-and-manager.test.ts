/**
 * Reconcile beside the manager, onEmpty: clear and app roles, with real parts (a SQLite file, the
 * SCIM server over loopback) and an in-memory app-scoped source: the desired state is what a cycle
 * sends — the manager by its id in the app, cleared attributes absent, roles as a set.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScimServer, type ScimServer } from '../../../dev/scim-server.js';
import { parseConfig, type PreparedJob } from '../../../src/config/load.js';
import { provisionOnDemand } from '../../../src/engine/on-demand.js';
import { runReconcile, type ReconcileOptions } from '../../../src/engine/reconcile/reconcile.js';
import { createLogger } from '../../../src/log.js';
import { ScimClient } from '../../../src/scim/client.js';
import type { AppRole, SourceUser } from '../../../src/sources/source.js';
import { StateStore } from '../../../src/state/store.js';
import { AppSource } from '../../support/memory-source.js';

const MANAGER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const TOKEN = 'reconcile-roles-token-0123456789';


const role = (value: string): AppRole => ({ id: `r-${value}`, value, displayName: value });
const person = (id: string, extra: Record<string, unknown> = {}): SourceUser => ({
  id,
  enabled: true,
  deleted: false,
  attributes: { userPrincipalName: `${id}@team.test`, displayName: id, jobTitle: 'Engineer', manager: null, ...extra },
});
const silent = createLogger('silent', new Writable({ write: (_c, _e, done) => done() }));
const env = { now: () => new Date(), random: () => 0.5 };

let server: ScimServer;
let dir: string;
let job: PreparedJob;
let store: StateStore;
let client: ScimClient;
// Ann reports to the boss, has no title (onEmpty: clear) and two roles.
const source = new AppSource([person('boss'), person('ann', { manager: 'boss', jobTitle: '' })], { boss: [role('Owner')], ann: [role('Reader'), role('Admin')] });

beforeAll(async () => {
  server = await startScimServer({ token: TOKEN });
  dir = mkdtempSync(join(tmpdir(), 'provisiond-reconcile-roles-'));
  job = parseConfig(
    `
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
        - { target: roles, expression: "AssertiveAppRoleAssignmentsComplex([appRoleAssignments])" }
`,
    'reconcile-roles.yaml',
    { env: {}, readFile: () => '' },
  ).jobs[0]!;
  store = StateStore.open(join(dir, 'state.db'));
  client = new ScimClient({ baseUrl: server.url, token: TOKEN, concurrency: 2, timeoutMs: 5000, maxRetries: 0 });
  for (const id of ['boss', 'ann']) expect((await provisionOnDemand({ job, source, store, client, log: silent, env }, id)).outcome).toBe('success');
});
afterAll(async () => {
  await client.close();
  store.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const reconcile = (options: ReconcileOptions = { repair: false, adopt: false }) => runReconcile({ job, source, store, client, log: silent, env }, options);
const appUser = (userName: string) => server.users().find((u) => u.userName === userName) as Record<string, unknown> & { id: string };

describe('reconcile with a manager, onEmpty: clear and app roles', () => {
  it('right after provisioning, everything is in sync: the manager compared by its app id, roles as a set, the title absent', async () => {
    const ann = appUser('ann@team.test');
    expect(ann[ENTERPRISE]).toMatchObject({ manager: { value: appUser('boss@team.test').id } });
    expect(ann.title).toBeUndefined();
    const report = await reconcile();
    expect(report.drifted).toEqual([]);
    expect(report).toMatchObject({ outcome: 'in-sync', counts: { inSync: 2, drifted: 0 } });
  });

  it('reports a manager that names the source id, and a cleared title the app grew back; roles in another order are no drift', async () => {
    const ann = appUser('ann@team.test');
    const bossId = appUser('boss@team.test').id;
    server.editUser(ann.id, { title: 'Intern', [ENTERPRISE]: { manager: { value: 'boss' } }, roles: [...(ann.roles as unknown[])].reverse() });
    const report = await reconcile();
    expect(report.outcome).toBe('drift');
    expect(report.drifted).toHaveLength(1);
    expect(report.drifted[0]?.attributes).toEqual(
      expect.arrayContaining([
        { path: 'title', app: 'Intern', desired: null },
        { path: MANAGER, app: { value: 'boss' }, desired: { value: bossId } },
      ]),
    );
    expect(report.drifted[0]?.attributes).toHaveLength(2);
  });

  it('--repair removes the title and sets the manager to its app id; the next reconcile is in sync', async () => {
    const report = await reconcile({ repair: true, adopt: false });
    expect(report.repair).toMatchObject({ updated: 1, failed: 0 });
    const ann = appUser('ann@team.test');
    expect(ann.title).toBeUndefined();
    expect(ann[ENTERPRISE]).toMatchObject({ manager: { value: appUser('boss@team.test').id } });
    expect((ann.roles as { value: string }[]).map((r) => r.value).sort()).toEqual(['Admin', 'Reader']);
    expect((await reconcile()).outcome).toBe('in-sync');
  });

  it('an app that lost a role drifts on roles, and --repair sends the set as the cycle does', async () => {
    const ann = appUser('ann@team.test');
    server.editUser(ann.id, { roles: (ann.roles as { value: string }[]).filter((r) => r.value !== 'Admin') });
    const report = await reconcile({ repair: true, adopt: false });
    expect(report.drifted[0]?.attributes.map((a) => a.path)).toEqual(['roles']);
    expect((appUser('ann@team.test').roles as { value: string }[]).map((r) => r.value).sort()).toEqual(['Admin', 'Reader']);
    expect((await reconcile()).outcome).toBe('in-sync');
  });
});
