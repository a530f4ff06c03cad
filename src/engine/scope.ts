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
}

/**
 * @param groupMembers members of the job's scope groups, or undefined when every user is in scope
 */
export function compileUserScope(filters: readonly ScopeFilterConfig[], groupMembers?: ReadonlySet<string>): UserScope {
  const predicates = filters.map(compileFilter);
  return {
    attributes: filters.map((f) => f.attribute),
    classify(user) {
      // Soft-deleted outranks disabled outranks out of scope: the most permanent reason decides the rule.
      if (user.deleted) return 'softDeleted';
      if (!user.enabled) return 'disabled';
      if (groupMembers && !groupMembers.has(user.id)) return 'outOfScope';
      for (const matches of predicates) if (!matches(user.attributes)) return 'outOfScope';
      return 'active';
    },
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
