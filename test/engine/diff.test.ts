import { describe, expect, it } from 'vitest';
import { diffAttributes } from '../../src/engine/diff.js';

describe('diffAttributes', () => {
  it('reports only attributes whose value changed, with old and new', () => {
    expect(
      diffAttributes({ userName: 'a@x', 'name.givenName': 'Ada', title: 'CTO', active: true }, { userName: 'a@x', 'name.givenName': 'Adah', active: true }),
    ).toEqual([
      { path: 'name.givenName', old: 'Adah', new: 'Ada' },
      { path: 'title', old: undefined, new: 'CTO' },
    ]);
  });

  it('never blanks an attribute that became empty at the source (Entra skips nulls)', () => {
    expect(diffAttributes({ userName: 'a@x' }, { userName: 'a@x', title: 'CTO' })).toEqual([]);
  });

  it('compares multi-valued values by content', () => {
    expect(diffAttributes({ roles: ['a', 'b'] }, { roles: ['a', 'b'] })).toEqual([]);
    expect(diffAttributes({ roles: ['a', 'b'] }, { roles: ['b', 'a'] })).toHaveLength(1);
  });
});
