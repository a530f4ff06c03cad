import { describe, expect, it } from 'vitest';
import { compileUserScope } from '../../src/engine/scope.js';
import type { SourceUser } from '../../src/sources/source.js';

const user = (department: string): SourceUser => ({ id: department, attributes: { department }, enabled: true, deleted: false });

describe('scope filter REGEX MATCH', () => {
  it('reads .NET syntax as Replace() does: a leading (?i) makes the match case-insensitive', () => {
    const scope = compileUserScope([{ attribute: 'department', operator: 'REGEX MATCH', value: '(?i)^r' }]);
    expect(['R&D', 'research', 'Sales'].map((d) => scope.classify(user(d)))).toEqual(['active', 'active', 'outOfScope']);
  });

  it('is case-sensitive without the option, as in .NET', () => {
    const scope = compileUserScope([{ attribute: 'department', operator: 'REGEX MATCH', value: '^R\\z' }]);
    expect(['R', 'r', 'R2'].map((d) => scope.classify(user(d)))).toEqual(['active', 'outOfScope', 'outOfScope']);
  });
});
