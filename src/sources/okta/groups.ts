/**
 * An Okta group as the engine sees it: the profile under Okta's names (name, description, and
 * for imported groups dn, samAccountName…), plus `id`, `type`, the timestamps, and `displayName`
 * — the name under the name the engine's default group mappings and match rules read, so a job
 * needs no Okta-specific group mappings.
 */
import type { AttributeValue, Attributes } from '../source.js';
import { toAttributeValue } from './users.js';

/** The fields of the SDK's Group model this module reads; the SDK turns timestamps into Dates. */
export interface OktaGroup {
  readonly id?: string;
  readonly type?: string;
  readonly profile?: object;
  readonly created?: Date | null;
  readonly lastUpdated?: Date | null;
  readonly lastMembershipUpdated?: Date | null;
}

/**
 * Groups that Okta manages (OKTA_GROUP, incl. rule-based ones) or imports from an app such as AD
 * (APP_GROUP). BUILT_IN is Okta's Everyone group: every user of the org, not a team an app holds.
 */
export const PROVISIONABLE_GROUP_TYPES: ReadonlySet<string> = new Set(['OKTA_GROUP', 'APP_GROUP']);

/** The listing `filter` for provisionable groups (`type` is one of the few properties filter takes). */
export const PROVISIONABLE_GROUPS_FILTER = [...PROVISIONABLE_GROUP_TYPES].map((type) => `type eq "${type}"`).join(' or ');

const TIMESTAMPS = ['created', 'lastUpdated', 'lastMembershipUpdated'] as const;

export function groupName(group: OktaGroup): string | undefined {
  const name = (group.profile as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' ? name : undefined;
}

export function groupAttributes(group: OktaGroup): Attributes {
  const attributes: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(group.profile ?? {})) {
    const converted = toAttributeValue(value);
    if (converted !== undefined) attributes[name] = converted;
  }
  // The object's own fields win over a profile attribute of the same name.
  attributes.id = group.id ?? '';
  attributes.type = group.type ?? null;
  attributes.displayName = groupName(group) ?? null;
  for (const name of TIMESTAMPS) {
    const value = group[name];
    if (value instanceof Date && !Number.isNaN(value.getTime())) attributes[name] = value.toISOString();
  }
  return attributes;
}
