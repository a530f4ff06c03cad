/** Reconcile's classification: source users, the snapshot's links and the app's accounts → categories. */
import { describe, expect, it } from 'vitest';
import { classifyGroups } from '../../../src/engine/reconcile/classify-groups.js';
import { linksOf, UserClassifier } from '../../../src/engine/reconcile/classify-users.js';
import type { ObservedUser } from '../../../src/engine/plan.js';
import type { UserStatus } from '../../../src/engine/scope.js';
import type { ScimObject } from '../../../src/mapping/paths.js';
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
  const classifier = new UserClassifier({ links: linksOf(new Map(Object.entries(links))), recorded: () => undefined, matchAttributes: ['userName'], ignore: new Set(), rules });
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
