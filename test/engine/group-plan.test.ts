import { describe, expect, it } from 'vitest';
import { inBatches, planGroupChanges, planMembershipChanges, type ObservedGroup } from '../../src/engine/group-plan.js';
import type { Link } from '../../src/state/store.js';

const rules = { outOfScope: 'delete', hardDeleted: 'delete' } as const;
const group = (id: string, displayName: string, memberIds: string[] = []): ObservedGroup => ({
  sourceId: id,
  label: displayName,
  mapped: { ok: true, value: { attributes: { displayName, externalId: id }, createOnly: {} } },
  match: [{ attribute: 'externalId', value: id }],
  memberIds,
});
const link = (id: string, attributes: Record<string, string>, state: Link['state'] = 'active'): [string, Link] => [
  id,
  { sourceId: id, targetId: `t-${id}`, label: attributes.displayName ?? id, state, attributes },
];
const userLinks = (ids: string[], state: Link['state'] = 'active') => new Map(ids.map((id) => [id, { sourceId: id, targetId: `u-${id}`, label: id, state, attributes: {} }]));

describe('planGroupChanges', () => {
  it('creates new groups, renames changed ones, deletes those gone; a deleted group is created anew', () => {
    const plan = planGroupChanges({
      observed: [group('g1', 'Sales'), group('g2', 'Platform'), group('g4', 'Back again')],
      links: new Map([link('g2', { displayName: 'Engineering', externalId: 'g2' }), link('g3', { displayName: 'Old', externalId: 'g3' }), link('g4', {}, 'deleted')]),
      readComplete: true,
      rules,
      missingMeans: 'outOfScope',
    });
    expect(plan.operations).toEqual([
      expect.objectContaining({ kind: 'create-group', sourceId: 'g1' }),
      expect.objectContaining({ kind: 'update-group', sourceId: 'g2', changes: [{ path: 'displayName', old: 'Engineering', new: 'Platform' }] }),
      expect.objectContaining({ kind: 'create-group', sourceId: 'g4' }),
      expect.objectContaining({ kind: 'delete-group', sourceId: 'g3', reason: 'outOfScope' }),
    ]);
  });

  it('deletes nothing after an incomplete read, and nothing a rule says to ignore', () => {
    const links = new Map([link('g3', { displayName: 'Old' })]);
    expect(planGroupChanges({ observed: [], links, readComplete: false, rules, missingMeans: 'hardDeleted' }).operations).toEqual([]);
    expect(planGroupChanges({ observed: [], links, readComplete: true, rules: { ...rules, hardDeleted: 'ignore' }, missingMeans: 'hardDeleted' }).operations).toEqual([]);
  });
});

describe('planMembershipChanges', () => {
  it('adds and removes only the difference, in batches, and only users provisioned to the target', () => {
    const plan = planMembershipChanges({
      groups: [{ sourceId: 'g', label: 'G', targetId: 'tg', memberIds: ['a', 'b', 'c', 'not-provisioned'] }],
      recorded: new Map([['g', new Set(['a', 'x', 'y', 'gone'])]]),
      userLinks: new Map([...userLinks(['a', 'b', 'c', 'x', 'y']), ...userLinks(['gone'], 'deleted')]),
      batchSize: 1,
    });
    expect(plan.changes.map((c) => [c.kind, c.members.map((m) => m.targetId)])).toEqual([
      ['add-members', ['u-b']],
      ['add-members', ['u-c']],
      ['remove-members', ['u-x']],
      ['remove-members', ['u-y']],
    ]);
    expect(plan.forgotten).toEqual([{ groupSourceId: 'g', userSourceIds: ['gone'] }]);
  });

  it('keeps a 50,000-member group in sync with 100 changes in 2 requests of 50', () => {
    const ids = Array.from({ length: 50_050 }, (_, i) => `u${i}`);
    const recorded = new Set(ids.slice(0, 50_000));
    const desired = [...ids.slice(50, 50_050)];
    const plan = planMembershipChanges({
      groups: [{ sourceId: 'big', label: 'All staff', targetId: 't-big', memberIds: desired }],
      recorded: new Map([['big', recorded]]),
      userLinks: userLinks(ids),
      batchSize: 50,
    });
    expect(plan.changes.map((c) => [c.kind, c.members.length])).toEqual([
      ['add-members', 50],
      ['remove-members', 50],
    ]);
  });

  it('splits into batches', () => {
    expect(inBatches([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  });
});
