import { describe, expect, it } from 'vitest';
import type { MappingConfig } from '../../src/config/schema.js';
import { compileMappings, mapObject, MappingConfigError } from '../../src/mapping/map.js';
import { planUser, type ObservedUser } from '../../src/engine/plan.js';
import { planReferenceFixes, referenceValue, resolveReferences, type ReferenceCandidate } from '../../src/engine/references.js';
import { buildCreateUser, buildPatch } from '../../src/scim/requests.js';
import type { Link } from '../../src/state/store.js';

const MANAGER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const env = { now: () => new Date(0), random: () => 0 };
const m = (mapping: Partial<MappingConfig> & { target: string }): MappingConfig => ({ apply: 'always', required: false, ...mapping }) as MappingConfig;
const set = compileMappings([m({ target: 'userName', source: 'upn' }), m({ target: MANAGER, source: 'manager' })]);
const rules = { outOfScope: 'disable', disabled: 'disable', softDeleted: 'disable', hardDeleted: 'delete' } as const;
/** The app ids of the users this job provisioned (active links), by source id. */
const links: Record<string, string> = { boss: 'app-boss', other: 'app-other' };
const resolve = (sourceId: string) => links[sourceId];

function mapped(attributes: Record<string, string | null>) {
  const result = mapObject({ id: 'r', attributes: { upn: 'r@x', ...attributes } }, false, set, env);
  if (!result.ok) throw new Error(result.error);
  return result.value;
}

function observed(value: ReturnType<typeof mapped>): ObservedUser {
  return { sourceId: 'r', label: 'r@x', status: 'active', mapped: { ok: true, value }, match: [] };
}

const link = (attributes: Link['attributes']): Link => ({ sourceId: 'r', targetId: 'app-r', label: 'r@x', state: 'active', attributes });

describe('manager references', () => {
  it('keeps the manager out of the attributes until it is resolved into the app id', () => {
    const value = mapped({ manager: 'boss' });
    expect(value.attributes).not.toHaveProperty(MANAGER);
    expect(value.references).toEqual({ [MANAGER]: 'boss' });
  });

  it('resolves to {"value": id} in SCIM mode (RFC 7643 §4.3) and the bare id in entra-legacy', () => {
    expect(resolveReferences(mapped({ manager: 'boss' }), resolve, 'scim').mapped.attributes[MANAGER]).toEqual({ value: 'app-boss' });
    expect(resolveReferences(mapped({ manager: 'boss' }), resolve, 'entra-legacy').mapped.attributes[MANAGER]).toBe('app-boss');
    expect(referenceValue(`${MANAGER}.value`, 'app-boss', 'scim')).toBe('app-boss');
  });

  it('a create carries the resolved manager in the enterprise extension', () => {
    const resolved = resolveReferences(mapped({ manager: 'boss' }), resolve, 'scim').mapped;
    expect(buildCreateUser(resolved, set)).toMatchObject({ schemas: expect.arrayContaining([ENTERPRISE]), [ENTERPRISE]: { manager: { value: 'app-boss' } } });
  });

  it('a manager who is not provisioned is not sent, and is remembered as pending', () => {
    const resolved = resolveReferences(mapped({ manager: 'intern-manager' }), resolve, 'scim');
    expect(resolved.mapped.attributes).not.toHaveProperty(MANAGER);
    expect(resolved.unresolved).toEqual([{ path: MANAGER, refSourceId: 'intern-manager' }]);
    expect(planUser(observed(resolved.mapped), link({ userName: 'r@x', active: true }), rules)).toEqual({});
  });

  it('a changed manager is one replace; a removed one is one remove, recorded so it is not sent again', () => {
    const held = link({ userName: 'r@x', active: true, [MANAGER]: { value: 'app-other' } });
    const changed = planUser(observed(resolveReferences(mapped({ manager: 'boss' }), resolve, 'scim').mapped), held, rules).operation;
    expect(changed?.kind === 'update' && buildPatch(changed.changes, 'scim', held.attributes).Operations).toEqual([{ op: 'replace', path: MANAGER, value: { value: 'app-boss' } }]);

    const removed = planUser(observed(resolveReferences(mapped({ manager: null }), resolve, 'scim').mapped), held, rules).operation;
    if (removed?.kind !== 'update') throw new Error('expected an update');
    expect(buildPatch(removed.changes, 'scim', held.attributes).Operations).toEqual([{ op: 'remove', path: MANAGER }]);
    expect(buildPatch(removed.changes, 'entra-legacy', held.attributes).Operations).toEqual([{ op: 'Remove', path: MANAGER }]);
    expect(removed.attributes).not.toHaveProperty(MANAGER);
    // The next cycle compares with what was recorded: nothing to send.
    const after = link(removed.attributes);
    expect(planUser(observed(resolveReferences(mapped({ manager: null }), resolve, 'scim').mapped), after, rules)).toEqual({});
  });

  it('a manager the source did not report (a change feed that did not mention it) leaves the app as it is', () => {
    const value = mapped({});
    expect(value.references).toBeUndefined();
    expect(value.cleared).toBeUndefined();
    const held = link({ userName: 'r@x', active: true, [MANAGER]: { value: 'app-boss' } });
    expect(planUser(observed(resolveReferences(value, resolve, 'scim').mapped), held, rules)).toEqual({});
  });

  it('app roles beside a manager still compare as a set once the manager is resolved: a new order is no change', () => {
    const withRoles = compileMappings([m({ target: 'userName', source: 'upn' }), m({ target: MANAGER, source: 'manager' }), m({ target: 'roles', expression: 'AssertiveAppRoleAssignmentsComplex([appRoleAssignments])' })]);
    const roles = [
      { id: '1', value: 'Admin', displayName: 'Admin' },
      { id: '2', value: 'Reader', displayName: 'Reader' },
    ];
    const result = mapObject({ id: 'r', attributes: { upn: 'r@x', manager: 'boss', appRoleAssignments: roles } }, false, withRoles, env);
    if (!result.ok) throw new Error(result.error);
    const resolved = resolveReferences(result.value, resolve, 'scim').mapped;
    expect(resolved.valueSets).toEqual({ roles: 'replace' });
    const held = [...(resolved.attributes.roles as unknown[])].reverse();
    const recorded = link({ ...resolved.attributes, roles: held as never, active: true });
    expect(planUser(observed(resolved), recorded, rules)).toEqual({});
  });

  it('the manager cannot be apply: on-create', () => {
    expect(() => compileMappings([m({ target: MANAGER, source: 'manager', apply: 'on-create' })])).toThrow(MappingConfigError);
  });
});

describe('planReferenceFixes (the second pass)', () => {
  const candidate = (c: Partial<ReferenceCandidate>): ReferenceCandidate => ({ sourceId: 'r', label: 'r@x', targetId: 'app-r', path: MANAGER, held: undefined, ...c });
  const sourceOf = (targetId: string) => ({ 'app-boss': 'boss', 'app-gone': 'gone' })[targetId];

  it('sets a pending manager once it is provisioned, and settles it', () => {
    const { fixes } = planReferenceFixes([candidate({ refSourceId: 'boss' })], resolve, sourceOf, 'entra-legacy');
    expect(fixes).toEqual([expect.objectContaining({ change: { path: MANAGER, old: undefined, new: 'app-boss' }, settled: true })]);
    expect(buildPatch(fixes.map((f) => f.change), 'entra-legacy').Operations).toEqual([{ op: 'Add', path: MANAGER, value: 'app-boss' }]);
  });

  it('leaves a pending manager who is still not provisioned alone', () => {
    expect(planReferenceFixes([candidate({ refSourceId: 'nobody' })], resolve, sourceOf, 'scim')).toEqual({ fixes: [], settled: [] });
  });

  it('removes a held manager who left the job, and keeps the reference pending for the manager’s return', () => {
    const { fixes } = planReferenceFixes([candidate({ held: { value: 'app-gone' } })], resolve, sourceOf, 'scim');
    expect(fixes).toEqual([expect.objectContaining({ change: { path: MANAGER, old: { value: 'app-gone' }, new: undefined }, pending: { path: MANAGER, refSourceId: 'gone' } })]);
  });

  it('sends nothing for a held manager who is still provisioned, and settles a pending one already held', () => {
    expect(planReferenceFixes([candidate({ held: { value: 'app-boss' } })], resolve, sourceOf, 'scim').fixes).toEqual([]);
    const both = planReferenceFixes([candidate({ held: { value: 'app-boss' }, refSourceId: 'boss' })], resolve, sourceOf, 'scim');
    expect(both.fixes).toEqual([]);
    expect(both.settled).toHaveLength(1);
  });
});

describe('onEmpty: clear in plans and PATCHes', () => {
  const WORK = 'emails[type eq "work"].value';
  const clearSet = compileMappings([m({ target: 'userName', source: 'upn' }), m({ target: WORK, source: 'mail', onEmpty: 'clear' }), m({ target: 'title', source: 'title' })]);
  const user = (attributes: Record<string, string | null>): ObservedUser => {
    const result = mapObject({ id: 'r', attributes: { upn: 'r@x', ...attributes } }, false, clearSet, env);
    if (!result.ok) throw new Error(result.error);
    return { sourceId: 'r', label: 'r@x', status: 'active', mapped: result, match: [] };
  };

  it('an emptied clear attribute is one remove of the filtered path, once; a keep attribute is left alone', () => {
    const held = link({ userName: 'r@x', active: true, [WORK]: 'r@x', title: 'Boss' });
    const planned = planUser(user({ mail: null, title: null }), held, rules).operation;
    if (planned?.kind !== 'update') throw new Error('expected an update');
    expect(buildPatch(planned.changes, 'scim', held.attributes)).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'remove', path: WORK }],
    });
    expect(buildPatch(planned.changes, 'entra-legacy', held.attributes).Operations).toEqual([{ op: 'Remove', path: WORK }]);
    expect(planned.attributes).toEqual({ userName: 'r@x', active: true, title: 'Boss' });
    expect(planUser(user({ mail: null, title: null }), link(planned.attributes), rules)).toEqual({});
  });

  it('a value that comes back after a removal is sent again', () => {
    const planned = planUser(user({ mail: 'new@x' }), link({ userName: 'r@x', active: true }), rules).operation;
    expect(planned?.kind === 'update' && planned.changes).toEqual([{ path: WORK, old: undefined, new: 'new@x' }]);
  });
});

describe('first contact with an account that exists', () => {
  it('compares a manager on the sub-attributes sent, and removes what an onEmpty: clear mapping emptied', async () => {
    const { changesAgainstHeld } = await import('../../src/engine/first-contact.js');
    const existing = { userName: 'r@x', title: 'Boss', [ENTERPRISE]: { manager: { value: 'app-boss', displayName: 'Boss', $ref: '../Users/app-boss' } } };
    const { changes } = changesAgainstHeld(existing, { userName: 'r@x', [MANAGER]: { value: 'app-boss' } }, { cleared: ['title'] });
    expect(changes).toEqual([{ path: 'title', old: 'Boss', new: undefined }]);
  });
});
