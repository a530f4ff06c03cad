import { describe, expect, it } from 'vitest';
import { compileUserScope, describeFilter } from '../../src/engine/scope.js';
import type { SourceUser } from '../../src/sources/source.js';

const user = (attributes: Record<string, string | null>, extra: Partial<SourceUser> = {}): SourceUser => ({ id: 'u1', enabled: true, deleted: false, attributes, ...extra });

describe('compileUserScope.explain', () => {
  const filters = [
    { attribute: 'department', operator: 'EQUALS' as const, value: 'Sales' },
    { attribute: 'mail', operator: 'IS NOT NULL' as const },
  ];

  it('names the first filter that does not hold, and agrees with classify', () => {
    const scope = compileUserScope(filters);
    const sales = user({ department: 'Sales', mail: null });
    expect(scope.explain(sales)).toEqual({ status: 'outOfScope', failed: filters[1] });
    expect(scope.classify(sales)).toBe('outOfScope');
    expect(scope.explain(user({ department: 'Sales', mail: 'a@x' }))).toEqual({ status: 'active' });
    expect(scope.explain(user({ department: 'Finance', mail: 'a@x' }))).toEqual({ status: 'outOfScope', failed: filters[0] });
  });

  it('says membership when the user is not among the scope groups’ members; deletion and disabling outrank it', () => {
    const scope = compileUserScope([], new Set(['someone-else']));
    expect(scope.explain(user({}))).toEqual({ status: 'outOfScope', failed: 'membership' });
    expect(scope.explain(user({}, { enabled: false }))).toEqual({ status: 'disabled' });
    expect(scope.explain(user({}, { deleted: true, enabled: false }))).toEqual({ status: 'softDeleted' });
  });

  it('describes a filter as an admin wrote it', () => {
    expect(describeFilter(filters[0]!)).toBe('department EQUALS "Sales"');
    expect(describeFilter(filters[1]!)).toBe('mail IS NOT NULL');
  });
});
