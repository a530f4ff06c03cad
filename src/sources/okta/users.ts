/**
 * An Okta user as the engine sees it: the profile under Okta's attribute names (login, email,
 * firstName, custom attributes…) plus `id`, `status` and the lifecycle timestamps, and the
 * user's status turned into enabled / soft-deleted.
 */
import type { AttributeValue, SourceUser } from '../source.js';

/** The fields of the SDK's User model this module reads; the SDK turns timestamps into Dates. */
export interface OktaUser {
  readonly id?: string;
  readonly status?: string;
  readonly profile?: object;
  readonly created?: Date | null;
  readonly activated?: Date | null;
  readonly statusChanged?: Date | null;
  readonly lastLogin?: Date | null;
  readonly lastUpdated?: Date | null;
  readonly passwordChanged?: Date | null;
}

export type StagedUsers = 'enabled' | 'disabled';

const TIMESTAMPS = ['created', 'activated', 'statusChanged', 'lastLogin', 'lastUpdated', 'passwordChanged'] as const;

export interface Lifecycle {
  readonly enabled: boolean;
  readonly deleted: boolean;
}

/**
 * Okta's user status as provisiond's lifecycle. Users who can still sign in, or will after a
 * password reset or unlock, are enabled; SUSPENDED is disabled; DEPROVISIONED is Okta's soft
 * delete. STAGED and PROVISIONED users exist but have never signed in: whether an app should
 * already have them is the admin's choice (`stagedUsers`).
 */
export function lifecycleOf(status: string | undefined, stagedUsers: StagedUsers): Lifecycle {
  switch (status) {
    case 'ACTIVE':
    case 'PASSWORD_EXPIRED':
    case 'LOCKED_OUT':
    case 'RECOVERY':
      return { enabled: true, deleted: false };
    case 'STAGED':
    case 'PROVISIONED':
      return { enabled: stagedUsers === 'enabled', deleted: false };
    case 'SUSPENDED':
      return { enabled: false, deleted: false };
    case 'DEPROVISIONED':
      return { enabled: false, deleted: true };
    default:
      // A status Okta adds later must not disable anyone by itself; scope filters can still match on `status`.
      return { enabled: true, deleted: false };
  }
}

export function toSourceUser(user: OktaUser, stagedUsers: StagedUsers): SourceUser {
  const id = user.id ?? '';
  const attributes: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(user.profile ?? {})) {
    const converted = toAttributeValue(value);
    if (converted !== undefined) attributes[name] = converted;
  }
  // Okta leaves an unset managerId out; a user read in full has no manager then, which must remove the reference.
  attributes.managerId ??= null;
  // The object's own fields win over a custom profile attribute of the same name.
  attributes.id = id;
  attributes.status = user.status ?? null;
  for (const name of TIMESTAMPS) {
    const value = user[name];
    if (value instanceof Date && !Number.isNaN(value.getTime())) attributes[name] = value.toISOString();
  }
  return { id, attributes, ...lifecycleOf(user.status, stagedUsers) };
}

/** An SDK value as a plain attribute value: Dates as ISO strings, functions and undefined left out. */
export function toAttributeValue(value: unknown): AttributeValue | undefined {
  if (value === undefined || typeof value === 'function') return undefined;
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => toAttributeValue(item) ?? null);
  if (typeof value === 'object') {
    const entries = Object.entries(value).flatMap(([key, item]) => {
      const converted = toAttributeValue(item);
      return converted === undefined ? [] : [[key, converted] as const];
    });
    return Object.fromEntries(entries);
  }
  return undefined;
}
