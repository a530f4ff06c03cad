/**
 * The plan stage: observed source users + the snapshot → the operations a cycle sends.
 * Pure: the same input always gives the same plan, which is what `provisiond plan` prints.
 */
import type { DeprovisionAction, DeprovisionRules } from '../config/schema.js';
import type { MappedObject } from '../mapping/map.js';
import type { ScimValue } from '../mapping/paths.js';
import type { Link } from '../state/store.js';
import { applyChanges, diffAttributes, type AttributeChange } from './diff.js';
import type { UserStatus } from './scope.js';

export type DeprovisionReason = Exclude<UserStatus, 'active'> | 'hardDeleted';

export interface MatchQuery {
  /** SCIM attribute to filter on. */
  readonly attribute: string;
  readonly value: string;
}

/** One source user as the read, scope and map stages saw it. */
export interface ObservedUser {
  readonly sourceId: string;
  readonly label: string;
  readonly status: UserStatus;
  /** Mapped with IsSoftDeleted = (status !== 'active'); an error skips the user this cycle. */
  readonly mapped: { ok: true; value: MappedObject } | { ok: false; error: string };
  /** Lookups, in the job's match order, that find this user in the target on first contact. */
  readonly match: readonly MatchQuery[];
}

interface OperationBase {
  readonly sourceId: string;
  readonly label: string;
}

export interface CreateUser extends OperationBase {
  readonly kind: 'create';
  readonly mapped: MappedObject;
  readonly match: readonly MatchQuery[];
}

export interface UpdateUser extends OperationBase {
  /** `enable` is an update that also brings a disabled user back. */
  readonly kind: 'update' | 'enable' | 'disable';
  readonly targetId: string;
  readonly changes: readonly AttributeChange[];
  /** The full attribute set to record once the target confirms. */
  readonly attributes: Readonly<Record<string, ScimValue>>;
  readonly reason?: DeprovisionReason;
  /** For update and enable: enough to create the user again if the app lost it. */
  readonly recreate?: { readonly mapped: MappedObject; readonly match: readonly MatchQuery[] };
}

export interface DeleteUser extends OperationBase {
  readonly kind: 'delete';
  readonly targetId: string;
  readonly reason: DeprovisionReason;
}

export type UserOperation = CreateUser | UpdateUser | DeleteUser;

export interface SkippedObject {
  readonly sourceId: string;
  readonly label: string;
  readonly error: string;
}

export interface UserPlan {
  readonly operations: readonly UserOperation[];
  readonly skipped: readonly SkippedObject[];
}

export interface UserPlanInput {
  readonly observed: Iterable<ObservedUser>;
  readonly links: ReadonlyMap<string, Link>;
  /** False when the read did not cover the whole directory (it failed, or read changes only): absence then proves nothing. */
  readonly readComplete: boolean;
  /** Users the IdP reported as deleted for good (an incremental read's removals). */
  readonly removed?: readonly string[];
  readonly rules: DeprovisionRules;
}

export function planUserChanges(input: UserPlanInput): UserPlan {
  const operations: UserOperation[] = [];
  const skipped: SkippedObject[] = [];
  const seen = new Set<string>();

  for (const user of input.observed) {
    seen.add(user.sourceId);
    const planned = planUser(user, input.links.get(user.sourceId), input.rules);
    if (planned.operation) operations.push(planned.operation);
    if (planned.skipped) skipped.push(planned.skipped);
  }

  const removed = new Set(input.removed ?? []);
  if (input.readComplete || removed.size > 0) {
    for (const link of input.links.values()) {
      if (seen.has(link.sourceId)) continue;
      if (!input.readComplete && !removed.has(link.sourceId)) continue;
      const operation = planAbsentUser(link, input.rules);
      if (operation) operations.push(operation);
    }
  }
  return { operations: orderOperations(operations), skipped };
}

export interface PlannedUser {
  readonly operation?: UserOperation;
  readonly skipped?: SkippedObject;
}

/**
 * One observed user against its link. A user who is not provisioned (out of scope, disabled,
 * soft-deleted) is never a mapping failure: without a link there is nothing to do, and with one
 * the deprovision rule applies even when the mappings cannot be evaluated for it.
 */
export function planUser(user: ObservedUser, link: Link | undefined, rules: DeprovisionRules): PlannedUser {
  const live = link && link.state !== 'deleted' ? link : undefined;
  const base = { sourceId: user.sourceId, label: user.label };
  if (user.status !== 'active') {
    // Not provisioned (any more): only objects we linked ourselves are ever disabled or deleted.
    if (!live) return {};
    const operation = deprovision(base, live, rules[user.status], user.status, user.mapped.ok ? user.mapped.value : undefined);
    return operation ? { operation } : {};
  }
  if (!user.mapped.ok) return { skipped: { ...base, error: user.mapped.error } };
  const mapped = user.mapped.value;
  if (!live) return { operation: { ...base, kind: 'create', mapped, match: user.match } };
  const desired = desiredAttributes(mapped);
  const changes = diffAttributes(desired, live.attributes, { valueSets: mapped.valueSets, cleared: mapped.cleared });
  const kind = live.state === 'disabled' ? 'enable' : 'update';
  if (changes.length === 0 && kind !== 'enable') return {};
  // A set kept by add holds more than was mapped (the values it never gives back): record what the app holds.
  const held = Object.fromEntries(changes.filter((c) => c.new !== undefined).map((c) => [c.path, c.new as ScimValue]));
  const attributes = applyChanges(live.attributes, { ...desired, ...held }, mapped.cleared);
  return {
    operation: { ...base, kind, targetId: live.targetId, changes, attributes, recreate: { mapped, match: user.match } },
  };
}

/**
 * What a deprovisioning may send besides active=false: not the app roles. A user who leaves the
 * app has no roles left to read, and the roles are what the app gives back on re-enabling.
 */
function withoutValueSets(mapped: MappedObject): Readonly<Record<string, ScimValue>> {
  const sets = mapped.valueSets;
  if (!sets) return mapped.attributes;
  return Object.fromEntries(Object.entries(mapped.attributes).filter(([path]) => !Object.hasOwn(sets, path)));
}

/** What an active user's link should record: the mapped attributes, active. */
export function desiredAttributes(mapped: MappedObject): Record<string, ScimValue> {
  return { ...mapped.attributes, active: true };
}

/** A linked user the source no longer has (a complete full read did not return it, or the IdP reported it removed). */
export function planAbsentUser(link: Link, rules: DeprovisionRules): UserOperation | undefined {
  if (link.state === 'deleted') return undefined;
  return deprovision({ sourceId: link.sourceId, label: link.label }, link, rules.hardDeleted, 'hardDeleted', undefined);
}

function deprovision(
  base: OperationBase,
  link: Link,
  action: DeprovisionAction,
  reason: DeprovisionReason,
  softDeleted: MappedObject | undefined,
): UserOperation | undefined {
  if (action === 'ignore') return undefined;
  if (action === 'delete') return { ...base, kind: 'delete', targetId: link.targetId, reason };
  if (link.state === 'disabled') return undefined;
  // The mappings evaluated with IsSoftDeleted = true decide what a disable sends; active=false always goes.
  const desired = { ...(softDeleted ? withoutValueSets(softDeleted) : {}), active: false };
  const changes = diffAttributes(desired, link.attributes, { cleared: softDeleted?.cleared });
  return { ...base, kind: 'disable', targetId: link.targetId, changes, attributes: applyChanges(link.attributes, desired, softDeleted?.cleared), reason };
}

export const ORDER: Record<UserOperation['kind'], number> = { create: 0, enable: 1, update: 2, disable: 3, delete: 4 };

/** Creates and updates before deprovisioning, so a guard that holds the latter still lets the former through. */
export function orderOperations(operations: UserOperation[]): UserOperation[] {
  return operations
    .map((op, i) => ({ op, i }))
    .sort((a, b) => ORDER[a.op.kind] - ORDER[b.op.kind] || a.i - b.i)
    .map((e) => e.op);
}
