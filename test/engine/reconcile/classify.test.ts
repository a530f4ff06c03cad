/** Reconcile's classification: source users, the snapshot's links and the app's accounts → categories. */
import { describe, expect, it } from 'vitest';
import { classifyGroups } from '../../../src/engine/reconcile/classify-groups.js';
import { linksOf, UserClassifier } from '../../../src/engine/reconcile/classify-users.js';
import type { ObservedUser } from '../../../src/engine/plan.js';
import type { UserStatus } from '../../../src/engine/scope.js';
import type { ScimObject, ScimValue } from '../../../src/mapping/paths.js';
import { hashAttributes, type LinkEntry } from '../../../src/state/store.js';

const rules = { outOfScope: 'disable', disabled: 'disable', softDeleted: 'disable', hardDeleted: 'delete' } as const;

function user(id: string, title = 'Engineer', status: UserStatus = 'active'): ObservedUser {
  const userName = `${id}@x.example`;
  return {
    sourceId: id,
    label: userName,
    status,
    mapped: { ok: true, value: { attributes: { userName, title }, createOnly: {} } },
    match: [{ attribute: 'userName', value: userName }],
  };
}
const link = (targetId: string, state: LinkEntry['state'] = 'active'): LinkEntry => ({ targetId, label: `${targetId}`, state, hash: '' });
const account = (id: string, userName: string, extra: Record<string, unknown> = {}) => ({ id, userName, title: 'Engineer', active: true, ...extra });

function classify(users: ObservedUser[], links: Record<string, LinkEntry>, accounts: Record<string, unknown>[]) {
  const classifier = new UserClassifier({ links: linksOf(new Map(Object.entries(links))), recorded: () => undefined, matchAttributes: ['userName'], ignore: new Set(), rules, compat: 'scim' });
  for (const u of users) classifier.addSourceUser(u);
  for (const a of accounts) classifier.observeAccount(a as never);
  return classifier.finish();
}

describe('UserClassifier', () => {
  it('sorts linked users into in sync, drifted and missing, and unlinked ones into unmanaged matches and pending creates', () => {
    const result = classify(
      [user('ann'), user('bob'), user('cat'), user('dan'), user('eve')],
      { ann: link('t-ann'), bob: link('t-bob'), cat: link('t-cat') },
      [account('t-ann', 'ann@x.example'), account('t-bob', 'BOB@x.example', { title: 'Hacker' }), account('t-dan', 'Dan@X.example'), account('t-zed', 'zed@x.example')],
    );
    expect(result.inSync).toBe(1);
    expect(result.drifted).toEqual([{ kind: 'user', sourceId: 'bob', targetId: 't-bob', label: 'bob@x.example', attributes: [{ path: 'title', app: 'Hacker', desired: 'Engineer' }] }]);
    expect(result.missingInApp).toEqual([{ kind: 'user', sourceId: 'cat', targetId: 't-cat', label: 'cat@x.example' }]);
    expect(result.unmanaged).toEqual([
      { kind: 'user', targetId: 't-dan', label: 'Dan@X.example', active: true, matchesSourceUser: true, sourceId: 'dan', sourceLabel: 'dan@x.example', matchedBy: 'userName' },
      { kind: 'user', targetId: 't-zed', label: 'zed@x.example', active: true, matchesSourceUser: false },
    ]);
    expect(result.pendingCreate).toEqual([{ kind: 'user', sourceId: 'eve', label: 'eve@x.example' }]);
    expect(result).toMatchObject({ appUsers: 4, sourceUsers: 5 });
  });

  it('expects a disabled account for a disabled link, and does not compare users the next cycle deprovisions or the source no longer has', () => {
    const result = classify(
      [user('ann', 'Engineer', 'disabled'), user('bob', 'Engineer', 'disabled')],
      { ann: link('t-ann', 'disabled'), bob: link('t-bob'), gone: link('t-gone') },
      [account('t-ann', 'ann@x.example'), account('t-bob', 'bob@x.example')],
    );
    expect(result.drifted).toEqual([expect.objectContaining({ sourceId: 'ann', attributes: [{ path: 'active', app: true, desired: false }] })]);
    expect(result.notCompared).toBe(1);
    // "gone" is not in the source: the next cycle deletes it, so its absence from the app is no drift.
    expect(result.missingInApp).toEqual([]);
  });

  it('an account a missing user matches is offered for re-linking; two source users sharing a value match nobody', () => {
    const twin = { ...user('twin'), match: [{ attribute: 'userName', value: 'shared@x.example' }] };
    const other = { ...user('other'), match: [{ attribute: 'userName', value: 'SHARED@x.example' }] };
    const result = classify([user('ann'), twin, other], { ann: link('t-old') }, [account('t-new', 'ann@x.example'), account('t-shared', 'shared@x.example')]);
    expect(result.missingInApp).toEqual([{ kind: 'user', sourceId: 'ann', targetId: 't-old', label: 'ann@x.example', matchingTargetId: 't-new' }]);
    expect(result.unmanaged).toEqual([
      expect.objectContaining({ targetId: 't-new', matchesSourceUser: true, sourceId: 'ann' }),
      expect.objectContaining({ targetId: 't-shared', matchesSourceUser: false }),
    ]);
    expect(result.pendingCreate.map((p) => p.sourceId)).toEqual(['twin', 'other']);
  });
});

describe('UserClassifier, users as the snapshot recorded them', () => {
  it('keeps only match values for a user whose desired state hashes to the snapshot, and reads the attributes back to compare', () => {
    const ann = user('ann');
    const desired = { ...(ann.mapped.ok ? ann.mapped.value.attributes : {}), active: true };
    const reads: string[] = [];
    const classifier = new UserClassifier({
      links: linksOf(new Map([['ann', { ...link('t-ann'), hash: hashAttributes(desired) }]])),
      recorded: (sourceId) => (reads.push(sourceId), desired),
      matchAttributes: ['userName'],
      ignore: new Set(),
      rules,
      compat: 'scim',
    });
    classifier.addSourceUser(ann);
    classifier.observeAccount({ id: 't-ann', userName: 'ann@x.example', title: 'Hacker', active: true });
    const result = classifier.finish();
    expect(reads).toEqual(['ann']);
    expect(result.drifted).toEqual([expect.objectContaining({ sourceId: 'ann', attributes: [{ path: 'title', app: 'Hacker', desired: 'Engineer' }] })]);
    expect(classifier.desiredOf('ann')?.mapped?.attributes).toEqual(desired);
  });

  it('keeps every match value of such a user, the label and the others, so a missing one is still found by an account re-created by hand', () => {
    const ann: ObservedUser = {
      ...user('ann'),
      match: [
        { attribute: 'userName', value: 'ann@x.example' },
        { attribute: 'emails[type eq "work"].value', value: 'Ann.Other@x.example' },
        { attribute: 'externalId', value: '0' },
      ],
    };
    const desired = { ...(ann.mapped.ok ? ann.mapped.value.attributes : {}), active: true };
    const classifier = new UserClassifier({
      links: linksOf(new Map([['ann', { ...link('t-ann'), hash: hashAttributes(desired) }]])),
      recorded: () => desired,
      matchAttributes: ['userName', 'emails[type eq "work"].value'],
      ignore: new Set(),
      rules,
      compat: 'scim',
    });
    classifier.addSourceUser(ann);
    expect(classifier.desiredOf('ann')).toMatchObject({ label: 'ann@x.example', match: ann.match, attributes: desired });
    classifier.observeAccount({ id: 't-new', userName: 'someone-else@x.example', emails: [{ type: 'work', value: 'ann.other@x.example' }] });
    const result = classifier.finish();
    expect(result.missingInApp).toEqual([{ kind: 'user', sourceId: 'ann', targetId: 't-ann', label: 'ann@x.example', matchingTargetId: 't-new' }]);
  });
});

describe('classifyGroups', () => {
  const userLinks = new Map(Object.entries({ ann: link('t-ann'), bob: link('t-bob'), cat: link('t-cat') }));
  const group = (id: string, displayName: string, memberIds: string[]) => ({
    sourceId: id,
    label: displayName,
    mapped: { ok: true as const, value: { attributes: { displayName }, createOnly: {} } },
    match: [],
    memberIds,
  });

  it('reports members added and removed in the app, renamed groups and missing ones', () => {
    const result = classifyGroups({
      observed: [group('g1', 'Sales', ['ann', 'bob', 'nobody']), group('g2', 'Ops', []), group('g3', 'Gone', []), group('g4', 'New', [])],
      groupLinks: new Map(Object.entries({ g1: { targetId: 'a1', state: 'active', label: 'Sales' }, g2: { targetId: 'a2', state: 'active', label: 'Ops' }, g3: { targetId: 'a3', state: 'active', label: 'Gone' } })),
      userLinks,
      appGroups: new Map<string, ScimObject>([
        ['a1', { id: 'a1', displayName: 'sales', members: [{ value: 't-ann' }, { value: 't-cat' }, { value: 't-stranger' }] }],
        ['a2', { id: 'a2', displayName: 'Operations' }],
      ]),
      ignore: new Set(),
    });
    expect(result.membership).toEqual([
      {
        kind: 'group',
        sourceId: 'g1',
        targetId: 'a1',
        label: 'Sales',
        added: [{ targetId: 't-cat', sourceId: 'cat', label: 't-cat' }, { targetId: 't-stranger' }],
        removed: [{ targetId: 't-bob', sourceId: 'bob', label: 't-bob' }],
      },
    ]);
    expect(result.drifted).toEqual([{ kind: 'group', sourceId: 'g2', targetId: 'a2', label: 'Ops', attributes: [{ path: 'displayName', app: 'Operations', desired: 'Ops' }] }]);
    expect(result.missingInApp).toEqual([{ kind: 'group', sourceId: 'g3', targetId: 'a3', label: 'Gone' }]);
    expect(result.inSync).toBe(0);
  });
});

describe('UserClassifier, with a manager, cleared attributes and app roles: desired as a cycle maps it', () => {
  const MANAGER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager';
  const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
  const role = (value: string) => ({ value, display: value, type: 'WindowsAzureActiveDirectoryRole', primary: false });
  function ann(extra: Partial<{ references: Record<string, string>; cleared: string[]; roles: unknown[]; mode: 'add' | 'replace' }> = {}): ObservedUser {
    const base = user('ann');
    const attributes: Record<string, ScimValue> = { userName: 'ann@x.example', title: 'Engineer', ...(extra.roles ? { roles: extra.roles as ScimValue } : {}) };
    return {
      ...base,
      mapped: {
        ok: true,
        value: {
          attributes,
          createOnly: {},
          ...(extra.references ? { references: extra.references } : {}),
          ...(extra.cleared ? { cleared: extra.cleared } : {}),
          ...(extra.mode ? { valueSets: { roles: extra.mode } } : {}),
        },
      },
    };
  }
  function run(observed: ObservedUser, links: Record<string, LinkEntry>, appAccount: Record<string, unknown>, recorded?: Record<string, unknown>) {
    const classifier = new UserClassifier({ links: linksOf(new Map(Object.entries(links))), recorded: () => recorded as never, matchAttributes: ['userName'], ignore: new Set(), rules, compat: 'scim' });
    classifier.addSourceUser(observed);
    classifier.observeAccount({ id: 't-ann', userName: 'ann@x.example', title: 'Engineer', active: true, ...appAccount } as never);
    return { result: classifier.finish(), classifier };
  }

  it('compares the manager by the app id it resolves to, not the source id', () => {
    const links = { ann: link('t-ann'), boss: link('t-boss') };
    const observed = ann({ references: { [MANAGER]: 'boss' } });
    expect(run(observed, links, { [ENTERPRISE]: { manager: { value: 't-boss' } } }).result.inSync).toBe(1);
    const drifted = run(observed, links, { [ENTERPRISE]: { manager: { value: 'boss' } } }).result.drifted;
    expect(drifted).toEqual([expect.objectContaining({ attributes: [{ path: MANAGER, app: { value: 'boss' }, desired: { value: 't-boss' } }] })]);
    // The app lost the manager: drift, to be set again.
    expect(run(observed, links, {}).result.drifted).toEqual([expect.objectContaining({ attributes: [{ path: MANAGER, app: null, desired: { value: 't-boss' } }] })]);
  });

  it('a user whose resolved manager hashes to the snapshot is in sync (the manager counts in the hash, as the cycle recorded it)', () => {
    const recorded = { userName: 'ann@x.example', title: 'Engineer', [MANAGER]: { value: 't-boss' }, active: true };
    const links = { ann: { ...link('t-ann'), hash: hashAttributes(recorded) }, boss: link('t-boss') };
    const { result, classifier } = run(ann({ references: { [MANAGER]: 'boss' } }), links, { [ENTERPRISE]: { manager: { value: 't-boss' } } }, recorded);
    expect(result.inSync).toBe(1);
    expect(result.drifted).toEqual([]);
    expect(classifier.desiredOf('ann')).toBeUndefined(); // settled and dropped
  });

  it('a manager who is not provisioned, and an emptied onEmpty: clear attribute, are expected absent', () => {
    const observed = ann({ references: { [MANAGER]: 'boss' }, cleared: ['nickName'] });
    const links = { ann: link('t-ann'), boss: link('t-boss', 'disabled') };
    expect(run(observed, links, {}).result.inSync).toBe(1);
    const { result, classifier } = run(observed, links, { nickName: 'Annie', [ENTERPRISE]: { manager: { value: 't-boss' } } });
    expect(result.drifted).toEqual([
      expect.objectContaining({
        attributes: expect.arrayContaining([
          { path: 'nickName', app: 'Annie', desired: null },
          { path: MANAGER, app: { value: 't-boss' }, desired: null },
        ]),
      }),
    ]);
    expect(result.drifted[0]?.attributes).toHaveLength(2);
    // What a repair works from: the attributes to remove, and the create that leaves them out.
    expect(classifier.desiredOf('ann')?.mapped?.attributes).not.toHaveProperty(MANAGER);
  });

  it('a cleared attribute is expected absent for a user who hashes to the snapshot too', () => {
    const recorded = { userName: 'ann@x.example', title: 'Engineer', active: true };
    const links = { ann: { ...link('t-ann'), hash: hashAttributes(recorded) } };
    const { result } = run(ann({ cleared: ['nickName'] }), links, { nickName: 'Annie' }, recorded);
    expect(result.drifted).toEqual([expect.objectContaining({ attributes: [{ path: 'nickName', app: 'Annie', desired: null }] })]);
  });

  it('roles compare as a set; a set kept by add is in sync while the app holds every mapped role', () => {
    const links = { ann: link('t-ann') };
    const roles = [role('Admin'), role('Reader')];
    const assertive = ann({ roles, mode: 'replace' });
    expect(run(assertive, links, { roles: [role('Reader'), role('Admin')] }).result.inSync).toBe(1);
    expect(run(assertive, links, { roles: [role('Reader'), role('Admin'), role('Owner')] }).result.drifted).toHaveLength(1);
    const adding = ann({ roles, mode: 'add' });
    expect(run(adding, links, { roles: [role('Owner'), role('Reader'), role('Admin')] }).result.inSync).toBe(1);
    expect(run(adding, links, { roles: [role('Owner'), role('Reader')] }).result.drifted).toEqual([
      expect.objectContaining({ attributes: [{ path: 'roles', app: [role('Owner'), role('Reader')], desired: roles }] }),
    ]);
  });
});
