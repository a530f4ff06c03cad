import { describe, expect, it } from 'vitest';
import { applyGroupChanges, groupsOf, snapshotOf } from '../../src/sources/group-snapshot.js';

const base = () =>
  snapshotOf([
    { id: 'g1', attributes: { displayName: 'One' }, memberIds: ['a', 'b'] },
    { id: 'g2', attributes: { displayName: 'Two' }, memberIds: ['c'] },
    { id: 'g3', attributes: { displayName: 'Three' }, memberIds: [] },
  ]);

describe('applyGroupChanges', () => {
  it('applies attributes, additions, removals, complete lists and deletions', () => {
    const snapshot = base();
    const applied = applyGroupChanges(snapshot, {
      changed: [
        { id: 'g1', attributes: { displayName: 'One (renamed)' } },
        { id: 'g4', attributes: { displayName: 'Four' } },
      ],
      members: [
        { groupId: 'g1', added: ['d'], removed: ['a'] },
        { groupId: 'g2', added: [], removed: [], memberIds: ['x', 'y'] },
        { groupId: 'g4', added: ['a'], removed: [] },
      ],
      deleted: ['g3'],
    });
    expect(groupsOf(snapshot)).toEqual([
      { id: 'g1', attributes: { displayName: 'One (renamed)' }, memberIds: ['b', 'd'] },
      { id: 'g2', attributes: { displayName: 'Two' }, memberIds: ['x', 'y'] },
      { id: 'g4', attributes: { displayName: 'Four' }, memberIds: ['a'] },
    ]);
    expect(applied).toEqual({ touched: new Set(['g1', 'g2', 'g4']), deleted: new Set(['g3']), unknown: new Set() });
  });

  it('names member changes of groups it does not hold, and applies pages in order', () => {
    const snapshot = base();
    expect(applyGroupChanges(snapshot, { changed: [], members: [{ groupId: 'g9', added: ['a'], removed: [] }], deleted: [] }).unknown).toEqual(new Set(['g9']));
    applyGroupChanges(snapshot, { changed: [], members: [{ groupId: 'g2', added: ['z'], removed: [] }], deleted: [] });
    applyGroupChanges(snapshot, { changed: [], members: [{ groupId: 'g2', added: [], removed: ['z'] }], deleted: [] });
    expect(snapshot.get('g2')?.memberIds).toEqual(new Set(['c']));
  });
});
