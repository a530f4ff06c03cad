/** previewUser for an app-scoped job with app roles and a manager: what `provisiond preview` prints. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { previewUser } from '../../src/engine/preview.js';
import { withAppRoles } from '../../src/engine/user-read.js';
import type { SourceUser } from '../../src/sources/source.js';
import type { Link } from '../../src/state/store.js';

const MANAGER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const job = parseConfig(
  `
sources: { idp: { type: entra, tenantId: t, clientId: c, clientSecret: s } }
jobs:
  - name: team
    source: idp
    target: { url: "https://app.example/scim", token: "preview-token-0123456789" }
    scope: { app: sp-team }
    groups: false
    users:
      mappings:
        - { target: userName, source: userPrincipalName }
        - { target: "${MANAGER}", source: manager }
        - { target: roles, expression: "AssertiveAppRoleAssignmentsComplex([appRoleAssignments])" }
`,
  'preview.yaml',
  { env: {}, readFile: () => '' },
).jobs[0]!;
const env = { now: () => new Date(0), random: () => 0 };
const roles = new Map([
  [
    'ann',
    [
      { id: 'r2', value: 'Reader', displayName: 'Reader' },
      { id: 'r1', value: 'Admin', displayName: 'Admin' },
    ],
  ],
]);
const ann: SourceUser = withAppRoles({ id: 'ann', enabled: true, deleted: false, attributes: { userPrincipalName: 'ann@x.example', manager: 'boss' } }, roles);
const resolve = (sourceId: string) => (sourceId === 'boss' ? 'app-boss' : undefined);

describe('previewUser with app roles and a manager', () => {
  it('the create carries the roles and the manager as its id in the app', () => {
    const preview = previewUser(ann, 'active', job, undefined, env, resolve);
    expect(preview.create?.[ENTERPRISE]).toEqual({ manager: { value: 'app-boss' } });
    expect((preview.create?.roles as { value: string }[]).map((r) => r.value)).toEqual(['Admin', 'Reader']);
    expect(preview.pendingReferences).toBeUndefined();
  });

  it('a linked user whose app holds the same roles in another order and the same manager needs no update', () => {
    const created = previewUser(ann, 'active', job, undefined, env, resolve).create!;
    const link: Link = {
      sourceId: 'ann',
      targetId: 'app-ann',
      label: 'ann@x.example',
      state: 'active',
      attributes: { userName: 'ann@x.example', [MANAGER]: { value: 'app-boss' }, roles: [...(created.roles as never[])].reverse(), active: true },
    };
    expect(previewUser(ann, 'active', job, link, env, resolve)).toMatchObject({ linkedTo: 'app-ann', update: undefined });
  });

  it('a manager not provisioned is not sent and is named as pending', () => {
    const preview = previewUser(ann, 'active', job, undefined, env, () => undefined);
    expect(preview.create?.[ENTERPRISE]).toBeUndefined();
    expect(preview.pendingReferences).toEqual([{ path: MANAGER, refSourceId: 'boss' }]);
  });
});
