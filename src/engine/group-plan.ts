/**
 * The plan stage for groups, in two steps because membership can only be planned once the
 * member users exist in the target:
 *  1. planGroupChanges — which groups to create, rename/update or delete (before users are sent,
 *     so the deletion guard sees group deletes and user deprovisioning together);
 *  2. planMembershipChanges — which target user ids to add to or remove from each group (after).
 * Both pure.
 */
import type { MappedObject } from '../mapping/map.js';
import type { ScimValue } from '../mapping/paths.js';
import type { Link } from '../state/store.js';
import { applyChanges, diffAttributes, type AttributeChange } from './diff.js';
import type { MatchQuery, SkippedObject } from './plan.js';

export interface ObservedGroup {
  readonly sourceId: string;
  readonly label: string;
  readonly mapped: { ok: true; value: MappedObject } | { ok: false; error: string };
  readonly match: readonly MatchQuery[];
  /** Source ids of the users in the group, nested groups flattened. */
  readonly memberIds: readonly string[];
}

export type GroupDeprovisionReason = 'outOfScope' | 'hardDeleted';

interface GroupOperationBase {
  readonly sourceId: string;
  readonly label: string;
}

export interface CreateGroup extends GroupOperationBase {
  readonly kind: 'create-group';
  readonly mapped: MappedObject;
  readonly match: readonly MatchQuery[];
}

export interface UpdateGroup extends GroupOperationBase {
  readonly kind: 'update-group';
  readonly targetId: string;
  readonly changes: readonly AttributeChange[];
  readonly attributes: Readonly<Record<string, ScimValue>>;
}

export interface DeleteGroup extends GroupOperationBase {
  readonly kind: 'delete-group';
  readonly targetId: string;
  readonly reason: GroupDeprovisionReason;
}

export type GroupOperation = CreateGroup | UpdateGroup | DeleteGroup;

export interface GroupPlan {
  readonly operations: readonly GroupOperation[];
  readonly skipped: readonly SkippedObject[];
}

export interface GroupPlanInput {
  readonly observed: readonly ObservedGroup[];
  readonly links: ReadonlyMap<string, Link>;
  /** False when the group read failed partway: then no group leaves, whatever is missing. */
  readonly readComplete: boolean;
  readonly rules: { readonly outOfScope: 'delete' | 'ignore'; readonly hardDeleted: 'delete' | 'ignore' };
  /**
   * Why a linked group the read did not return is gone: reading every group, it was deleted in
   * the IdP; reading the groups a job names, it was taken out of the job's scope.
   */
  readonly missingMeans: GroupDeprovisionReason;
}

export function planGroupChanges(input: GroupPlanInput): GroupPlan {
  const operations: GroupOperation[] = [];
  const skipped: SkippedObject[] = [];
  const seen = new Set<string>();
  for (const group of input.observed) {
    seen.add(group.sourceId);
    if (!group.mapped.ok) {
      skipped.push({ sourceId: group.sourceId, label: group.label, error: group.mapped.error });
      continue;
    }
    const link = input.links.get(group.sourceId);
    const base = { sourceId: group.sourceId, label: group.label };
    // A group deleted earlier and back in scope is created anew: apps such as Flow Connect do not restore it.
    if (!link || link.state === 'deleted') {
      operations.push({ ...base, kind: 'create-group', mapped: group.mapped.value, match: group.match });
      continue;
    }
    const changes = diffAttributes(group.mapped.value.attributes, link.attributes, { cleared: group.mapped.value.cleared });
    if (changes.length > 0) {
      operations.push({ ...base, kind: 'update-group', targetId: link.targetId, changes, attributes: applyChanges(link.attributes, group.mapped.value.attributes, group.mapped.value.cleared) });
    }
  }
  if (input.readComplete) {
    for (const link of input.links.values()) {
      if (seen.has(link.sourceId) || link.state === 'deleted') continue;
      const reason = input.missingMeans;
      if (input.rules[reason] === 'delete') {
        operations.push({ kind: 'delete-group', sourceId: link.sourceId, label: link.label, targetId: link.targetId, reason });
      }
    }
  }
  return { operations, skipped };
}

export interface MemberRef {
  readonly sourceId: string;
  readonly targetId: string;
}

export interface MembershipChange {
  readonly kind: 'add-members' | 'remove-members';
  readonly groupSourceId: string;
  readonly groupLabel: string;
  readonly groupTargetId: string;
  /** At most the job's batch size: one PATCH request each. */
  readonly members: readonly MemberRef[];
}

export interface MembershipPlan {
  readonly changes: readonly MembershipChange[];
  /** Recorded members whose user is gone from the target (we deleted it): dropped from the record, nothing to send. */
  readonly forgotten: readonly { readonly groupSourceId: string; readonly userSourceIds: readonly string[] }[];
}

export interface MembershipInput {
  /** Groups provisioned to the target after this cycle's group operations: source id → target id. */
  readonly groups: readonly { readonly sourceId: string; readonly label: string; readonly targetId: string; readonly memberIds: readonly string[] }[];
  /** What provisiond last confirmed per group: group source id → user source ids. */
  readonly recorded: ReadonlyMap<string, ReadonlySet<string>>;
  /** The job's user links after this cycle's user operations (their attributes are not needed). */
  readonly userLinks: ReadonlyMap<string, Pick<Link, 'targetId' | 'state'>>;
  readonly batchSize: number;
}

/**
 * Only users provisioned to this target can be members; one that failed to provision is added
 * on the cycle after it succeeds. Only the difference is sent, never the full list.
 */
export function planMembershipChanges(input: MembershipInput): MembershipPlan {
  const changes: MembershipChange[] = [];
  const forgotten: { groupSourceId: string; userSourceIds: string[] }[] = [];
  for (const group of input.groups) {
    const recorded = input.recorded.get(group.sourceId) ?? new Set<string>();
    const desired = new Set<string>();
    for (const id of group.memberIds) {
      const link = input.userLinks.get(id);
      if (link && link.state !== 'deleted') desired.add(id);
    }
    const toAdd: MemberRef[] = [];
    for (const id of desired) if (!recorded.has(id)) toAdd.push({ sourceId: id, targetId: input.userLinks.get(id)!.targetId });
    const toRemove: MemberRef[] = [];
    const gone: string[] = [];
    for (const id of recorded) {
      if (desired.has(id)) continue;
      const link = input.userLinks.get(id);
      if (link && link.state !== 'deleted') toRemove.push({ sourceId: id, targetId: link.targetId });
      else gone.push(id);
    }
    const base = { groupSourceId: group.sourceId, groupLabel: group.label, groupTargetId: group.targetId };
    for (const members of inBatches(toAdd, input.batchSize)) changes.push({ ...base, kind: 'add-members', members });
    for (const members of inBatches(toRemove, input.batchSize)) changes.push({ ...base, kind: 'remove-members', members });
    if (gone.length > 0) forgotten.push({ groupSourceId: group.sourceId, userSourceIds: gone });
  }
  return { changes, forgotten };
}

export function inBatches<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return batches;
}
