/**
 * The scope stage: which source users this job provisions, and if not, why not — the reason
 * picks the job's deprovision rule (outOfScope, disabled, softDeleted).
 */
import type { ScopeFilterConfig } from '../config/schema.js';
import { dotNetRegExp } from '../mapping/expression/functions/dotnet-regex.js';
import type { AttributeValue, Attributes, SourceUser } from '../sources/source.js';

export type UserStatus = 'active' | 'outOfScope' | 'disabled' | 'softDeleted';

export interface UserScope {
  /** Attributes the filters read, for the source's $select. */
  readonly attributes: readonly string[];
  classify(user: SourceUser): UserStatus;
  /** The status with what decided it: the membership (scope groups or app), or the first filter that does not hold. */
  explain(user: SourceUser): ScopeVerdict;
}

export interface ScopeVerdict {
  readonly status: UserStatus;
  /** For outOfScope: not among the scope groups' members or the app's assignees, or a filter that does not hold. */
  readonly failed?: 'membership' | ScopeFilterConfig;
}

/** A scoping filter as an admin wrote it: `department EQUALS "Sales"`, `mail IS NOT NULL`. */
export function describeFilter(filter: ScopeFilterConfig): string {
  return `${filter.attribute} ${filter.operator}${filter.value === undefined ? '' : ` ${JSON.stringify(String(filter.value))}`}`;
}

/**
 * @param groupMembers members of the job's scope groups, or undefined when every user is in scope
 */
export function compileUserScope(filters: readonly ScopeFilterConfig[], groupMembers?: ReadonlySet<string>): UserScope {
  const predicates = filters.map(compileFilter);
  const explain = (user: SourceUser): ScopeVerdict => {
    // Soft-deleted outranks disabled outranks out of scope: the most permanent reason decides the rule.
    if (user.deleted) return { status: 'softDeleted' };
    if (!user.enabled) return { status: 'disabled' };
    if (groupMembers && !groupMembers.has(user.id)) return { status: 'outOfScope', failed: 'membership' };
    for (let i = 0; i < predicates.length; i++) if (!(predicates[i] as (a: Attributes) => boolean)(user.attributes)) return { status: 'outOfScope', failed: filters[i] as ScopeFilterConfig };
    return { status: 'active' };
  };
  return {
    attributes: filters.map((f) => f.attribute),
    classify: (user) => explain(user).status,
    explain,
  };
}

function compileFilter(filter: ScopeFilterConfig): (attributes: Attributes) => boolean {
  const expected = filter.value === undefined ? undefined : String(filter.value);
  const read = (attributes: Attributes): AttributeValue | undefined => {
    if (filter.attribute in attributes) return attributes[filter.attribute];
    const lower = filter.attribute.toLowerCase();
    const key = Object.keys(attributes).find((k) => k.toLowerCase() === lower);
    return key === undefined ? undefined : attributes[key];
  };
  const text = (v: AttributeValue | undefined) => (v === undefined || v === null ? undefined : String(v));
  switch (filter.operator) {
    case 'EQUALS':
      return (a) => text(read(a)) === expected;
    case 'NOT EQUALS':
      return (a) => text(read(a)) !== expected;
    case 'IS TRUE':
      return (a) => String(read(a)).toLowerCase() === 'true';
    case 'IS FALSE':
      return (a) => String(read(a)).toLowerCase() === 'false';
    case 'IS NULL':
      return (a) => text(read(a)) === undefined;
    case 'IS NOT NULL':
      return (a) => text(read(a)) !== undefined;
    case 'STARTS WITH':
      return (a) => text(read(a))?.toLowerCase().startsWith((expected ?? '').toLowerCase()) ?? false;
    case 'ENDS WITH':
      return (a) => text(read(a))?.toLowerCase().endsWith((expected ?? '').toLowerCase()) ?? false;
    case 'REGEX MATCH': {
      // An Entra pattern is .NET syntax, translated as Replace() does; the config loader has compiled it once already.
      const pattern = dotNetRegExp(expected ?? '');
      return (a) => pattern.test(text(read(a)) ?? '');
    }
  }
}
