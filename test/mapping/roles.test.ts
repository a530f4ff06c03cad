/**
 * App roles through the pure stages: map (the role functions), diff (sets, not lists), plan (what
 * is recorded) and the request shapes in both compat modes.
 */
import { describe, expect, it } from 'vitest';
import type { MappingConfig } from '../../src/config/schema.js';
import { formatPlan, planJson } from '../../src/cli/format-plan.js';
import type { CycleReport } from '../../src/engine/cycle.js';
import { diffAttributes } from '../../src/engine/diff.js';
import { planUser, type ObservedUser } from '../../src/engine/plan.js';
import { compileMappings, mapObject, MappingConfigError, type MappedObject, type MappingSet } from '../../src/mapping/map.js';
import { buildCreateUser, buildPatch } from '../../src/scim/requests.js';
import type { Link } from '../../src/state/store.js';

const env = { now: () => new Date('2026-01-01T00:00:00Z'), random: () => 0.5 };
const m = (mapping: Partial<MappingConfig> & { target: string }): MappingConfig => ({ apply: 'always', required: false, ...mapping }) as MappingConfig;
const rules = { outOfScope: 'disable', disabled: 'disable', softDeleted: 'disable', hardDeleted: 'delete' } as const;

const ADMIN = { id: 'r-admin', value: 'Admin', displayName: 'Administrator' };
const READER = { id: 'r-reader', value: 'Reader', displayName: 'Reader' };
const WRITER = { id: 'r-writer', value: 'Writer', displayName: 'Writer' };
const role = (r: { value: string; displayName: string }) => ({ primary: false, type: 'WindowsAzureActiveDirectoryRole', display: r.displayName, value: r.value });

const mappingsWith = (roles: MappingConfig) => compileMappings([m({ target: 'userName', source: 'userPrincipalName' }), roles]);
const complex = mappingsWith(m({ target: 'roles', expression: 'AppRoleAssignmentsComplex([appRoleAssignments])' }));
const assertive = mappingsWith(m({ target: 'roles', expression: 'AssertiveAppRoleAssignmentsComplex([appRoleAssignments])' }));
const single = mappingsWith(m({ target: 'roles[primary eq "True"].value', expression: 'SingleAppRoleAssignment([appRoleAssignments])' }));

function mapped(set: MappingSet, roles: readonly { id: string; value: string; displayName: string }[]): MappedObject {
  const result = mapObject({ id: 'u1', attributes: { userPrincipalName: 'ada@x', appRoleAssignments: roles } }, false, set, env);
  if (!result.ok) throw new Error(result.error);
  return result.value;
}

function observed(value: MappedObject, status: ObservedUser['status'] = 'active'): ObservedUser {
  return { sourceId: 'u1', label: 'ada@x', status, mapped: { ok: true, value }, match: [] };
}

function link(attributes: Link['attributes']): Link {
  return { sourceId: 'u1', targetId: 't1', label: 'ada@x', state: 'active', attributes };
}

/** The update planned for a user holding `before` in the app who now holds `now` in Entra. */
function update(set: MappingSet, before: MappedObject, now: MappedObject) {
  const planned = planUser(observed(now), link({ ...before.attributes, active: true }), rules).operation;
  return planned && planned.kind !== 'create' && planned.kind !== 'delete' ? planned : undefined;
}

describe('mapping the role functions', () => {
  it('AppRoleAssignmentsComplex gives the roles as objects, sorted by value, kept by add', () => {
    const value = mapped(complex, [READER, ADMIN]);
    expect(value.attributes.roles).toEqual([role(ADMIN), role(READER)]);
    expect(value.valueSets).toEqual({ roles: 'add' });
    expect(buildCreateUser(value, complex)).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'ada@x',
      roles: [role(ADMIN), role(READER)],
      active: true,
    });
  });

  it('without roles, AppRoleAssignmentsComplex sends nothing, the assertive one asserts none', () => {
    expect(mapped(complex, []).attributes).not.toHaveProperty('roles');
    expect(mapped(assertive, []).attributes.roles).toEqual([]);
    expect(mapped(assertive, []).valueSets).toEqual({ roles: 'replace' });
    // Mappings without roles keep the shape they always had.
    expect(mapped(compileMappings([m({ target: 'userName', source: 'userPrincipalName' })]), [ADMIN])).toEqual({ attributes: { userName: 'ada@x', active: true }, createOnly: {} });
  });

  it('SingleAppRoleAssignment fills roles[primary eq "True"].value as Entra’s POST carries it', () => {
    const value = mapped(single, [ADMIN]);
    expect(value.valueSets).toBeUndefined();
    expect(buildCreateUser(value, single).roles).toEqual([{ primary: true, type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' }]);
  });

  it('refuses the complex functions inside another expression or into one element of roles', () => {
    const compile = (target: string, expression: string) => () => compileMappings([m({ target, expression })]);
    expect(compile('roles', 'IIF([x]="1", AppRoleAssignmentsComplex([appRoleAssignments]), "")')).toThrow(MappingConfigError);
    expect(compile('roles', 'IIF([x]="1", AppRoleAssignmentsComplex([appRoleAssignments]), "")')).toThrow(/use it as the whole expression/);
    expect(compile('roles[primary eq "True"].value', 'AssertiveAppRoleAssignmentsComplex([appRoleAssignments])')).toThrow(/target the attribute itself/);
  });
});

describe('diffing roles as a set', () => {
  it('finds no change when only the order of the assignments changed', () => {
    const before = mapped(assertive, [ADMIN, READER]);
    expect(diffAttributes({ roles: [role(READER), role(ADMIN)] }, before.attributes, { valueSets: { roles: 'replace' } })).toEqual([]);
    expect(diffAttributes({ roles: [role(READER), role(ADMIN)] }, before.attributes, { valueSets: { roles: 'add' } })).toEqual([]);
    expect(update(assertive, before, mapped(assertive, [READER, ADMIN]))).toBeUndefined();
  });

  it('an empty asserted set against none recorded is no change (a user linked before roles were mapped)', () => {
    expect(diffAttributes({ roles: [] }, {}, { valueSets: { roles: 'replace' } })).toEqual([]);
  });

  it('AppRoleAssignmentsComplex adds a new role and never takes one away; the snapshot records what the app holds', () => {
    const before = mapped(complex, [ADMIN, READER]);
    const added = update(complex, before, mapped(complex, [ADMIN, READER, WRITER]));
    expect(added?.changes).toEqual([{ path: 'roles', old: [role(ADMIN), role(READER)], new: [role(ADMIN), role(READER), role(WRITER)], valueSet: 'add' }]);
    expect(buildPatch(added!.changes, 'scim').Operations).toEqual([{ op: 'add', path: 'roles', value: [role(WRITER)] }]);
    // Entra's default PATCH leaves out each role's type.
    expect(buildPatch(added!.changes, 'entra-legacy').Operations).toEqual([{ op: 'Add', path: 'roles', value: [{ primary: false, display: 'Writer', value: 'Writer' }] }]);

    const lost = mapped(complex, [ADMIN]);
    expect(update(complex, before, lost)).toBeUndefined();
    // Reader stays recorded (the app still has it), so the next cycle finds nothing to send.
    const later = planUser(observed(mapped(complex, [ADMIN, WRITER])), link({ ...added!.attributes }), rules).operation;
    expect(later).toBeUndefined();
    expect(added!.attributes.roles).toEqual([role(ADMIN), role(READER), role(WRITER)]);
  });

  it('AssertiveAppRoleAssignmentsComplex replaces the set, so a lost role is removed — down to none', () => {
    const before = mapped(assertive, [ADMIN, READER]);
    const lost = update(assertive, before, mapped(assertive, [ADMIN]));
    expect(buildPatch(lost!.changes, 'scim').Operations).toEqual([{ op: 'replace', path: 'roles', value: [role(ADMIN)] }]);
    expect(buildPatch(lost!.changes, 'entra-legacy').Operations).toEqual([{ op: 'Replace', path: 'roles', value: [{ primary: false, display: 'Administrator', value: 'Admin' }] }]);
    expect(lost!.attributes.roles).toEqual([role(ADMIN)]);
    const none = update(assertive, before, mapped(assertive, []));
    expect(buildPatch(none!.changes, 'scim').Operations).toEqual([{ op: 'replace', path: 'roles', value: [] }]);
    // A renamed role (same value, new display name) is a change the replace carries.
    const renamed = update(assertive, before, mapped(assertive, [{ ...ADMIN, displayName: 'Admins' }, READER]));
    expect(buildPatch(renamed!.changes, 'scim').Operations).toEqual([{ op: 'replace', path: 'roles', value: [{ ...role(ADMIN), display: 'Admins' }, role(READER)] }]);
  });

  it('SingleAppRoleAssignment: a changed role is a replace of the primary role’s value, a first one an add of the element', () => {
    const first = update(single, mapped(single, []), mapped(single, [READER]));
    expect(buildPatch(first!.changes, 'scim', { userName: 'ada@x' }).Operations).toEqual([
      { op: 'add', path: 'roles', value: [{ primary: true, type: 'WindowsAzureActiveDirectoryRole', value: 'Reader' }] },
    ]);
    expect(buildPatch(first!.changes, 'entra-legacy').Operations).toEqual([{ op: 'Add', path: 'roles[primary eq "True"].value', value: 'Reader' }]);
    const changed = update(single, mapped(single, [READER]), mapped(single, [ADMIN]));
    expect(buildPatch(changed!.changes, 'scim', changed!.attributes).Operations).toEqual([{ op: 'replace', path: 'roles[primary eq "True"].value', value: 'Admin' }]);
    expect(buildPatch(changed!.changes, 'entra-legacy').Operations).toEqual([{ op: 'Replace', path: 'roles[primary eq "True"].value', value: 'Admin' }]);
  });

  it('a disable sends active=false and leaves the roles alone (a user who leaves the app has none left to read)', () => {
    const before = mapped(assertive, [ADMIN]);
    const planned = planUser(observed(mapped(assertive, []), 'outOfScope'), link({ ...before.attributes, active: true }), rules).operation;
    expect(planned?.kind).toBe('disable');
    expect(planned && 'changes' in planned ? planned.changes.map((c) => c.path) : []).toEqual(['active']);
  });
});

describe('plan output', () => {
  it('shows roles by value on create, and what an update adds and removes', () => {
    const before = mapped(assertive, [ADMIN, READER]);
    const change = update(assertive, before, mapped(assertive, [ADMIN, WRITER]))!;
    const report: CycleReport = {
      job: 'app',
      outcome: 'success',
      plan: { operations: [{ kind: 'create', sourceId: 'u2', label: 'bob@x', mapped: mapped(assertive, [READER, ADMIN]), match: [] }, change], skipped: [] },
      guard: { verdict: 'pass', allowed: [], held: [] },
      counts: { read: 2, inScope: 2 },
      durationMs: 1,
    };
    const text = formatPlan(report);
    expect(text).toContain('      + roles = ["Admin", "Reader"]');
    expect(text).toContain('      ~ roles (replace): +"Writer" −"Reader" → ["Admin", "Writer"]');
    const json = planJson([report], () => ({}));
    expect(json.jobs[0]?.operations[1]?.changes).toEqual([{ path: 'roles', old: [role(ADMIN), role(READER)], new: [role(ADMIN), role(WRITER)], valueSet: 'replace' }]);
  });
});
