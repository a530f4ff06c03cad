import { describe, expect, it } from 'vitest';
import { compileUserScope, describeFilter } from '../../src/engine/scope.js';
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

const withAttributes = (attributes: Record<string, string | null>, extra: Partial<SourceUser> = {}): SourceUser => ({ id: 'u1', enabled: true, deleted: false, attributes, ...extra });

describe('compileUserScope.explain', () => {
  const filters = [
    { attribute: 'department', operator: 'EQUALS' as const, value: 'Sales' },
    { attribute: 'mail', operator: 'IS NOT NULL' as const },
  ];

  it('names the first filter that does not hold, and agrees with classify', () => {
    const scope = compileUserScope(filters);
    const sales = withAttributes({ department: 'Sales', mail: null });
    expect(scope.explain(sales)).toEqual({ status: 'outOfScope', failed: filters[1] });
    expect(scope.classify(sales)).toBe('outOfScope');
    expect(scope.explain(withAttributes({ department: 'Sales', mail: 'a@x' }))).toEqual({ status: 'active' });
    expect(scope.explain(withAttributes({ department: 'Finance', mail: 'a@x' }))).toEqual({ status: 'outOfScope', failed: filters[0] });
  });

  it('says membership when the user is not among the scope groups’ members; deletion and disabling outrank it', () => {
    const scope = compileUserScope([], new Set(['someone-else']));
    expect(scope.explain(withAttributes({}))).toEqual({ status: 'outOfScope', failed: 'membership' });
    expect(scope.explain(withAttributes({}, { enabled: false }))).toEqual({ status: 'disabled' });
    expect(scope.explain(withAttributes({}, { deleted: true, enabled: false }))).toEqual({ status: 'softDeleted' });
  });

  it('describes a filter as an admin wrote it', () => {
    expect(describeFilter(filters[0]!)).toBe('department EQUALS "Sales"');
    expect(describeFilter(filters[1]!)).toBe('mail IS NOT NULL');
  });
});
