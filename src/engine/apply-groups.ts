/**
 * Apply and record for groups: group creates, updates and deletes, then membership in batches.
 * Each confirmed request is recorded at once, like user operations.
 */
import type { Logger } from '../log.js';
import type { ScimObject } from '../mapping/paths.js';
import type { ScimClient } from '../scim/client.js';
import { ScimRequestError } from '../scim/errors.js';
import { buildCreateGroup, buildMembersPatch, buildPatch, type Compat } from '../scim/requests.js';
import type { StateStore } from '../state/store.js';
import { countByKind } from './apply.js';
import { changesAgainstHeld, findByMatchRules, idOf } from './first-contact.js';
import type { CreateGroup, GroupOperation, MembershipChange, MembershipPlan } from './group-plan.js';

export interface GroupApplyContext {
  readonly job: string;
  readonly client: ScimClient;
  readonly store: StateStore;
  readonly compat: Compat;
  readonly log: Logger;
}

export type GroupResult = 'groupsCreated' | 'groupsLinked' | 'groupsUpdated' | 'groupsDeleted' | 'groupsFailed';
export type MembershipResult = 'membersAdded' | 'membersRemoved' | 'membershipFailed';

export interface GroupApplySummary {
  readonly counts: Record<GroupResult | MembershipResult, number>;
  readonly failureStatuses: number[];
  /** Requests by kind and result, as cycle counts `op.<kind>.<result>`. */
  readonly byKind: Record<string, number>;
}

export function emptyGroupSummary(): GroupApplySummary {
  return {
    counts: { groupsCreated: 0, groupsLinked: 0, groupsUpdated: 0, groupsDeleted: 0, groupsFailed: 0, membersAdded: 0, membersRemoved: 0, membershipFailed: 0 },
    failureStatuses: [],
    byKind: {},
  };
}

export async function applyGroupOperations(operations: readonly GroupOperation[], context: GroupApplyContext, summary: GroupApplySummary): Promise<void> {
  await Promise.all(
    operations.map(async (operation) => {
      const record = { job: context.job, op: operation.kind, sourceId: operation.sourceId, group: operation.label };
      try {
        const { result, targetId, status } = await dispatch(operation, context);
        summary.counts[result]++;
        countByKind(summary.byKind, operation.kind, 'succeeded');
        context.log.info({ ...record, targetId, outcome: result, status }, `${operation.kind} ${operation.label}: ${result}`);
      } catch (error) {
        countByKind(summary.byKind, operation.kind, 'failed');
        fail(error, operation.sourceId, operation.kind, operation.label, record, context, summary, 'groupsFailed');
      }
    }),
  );
}

export async function applyMembershipChanges(plan: MembershipPlan, context: GroupApplyContext, summary: GroupApplySummary): Promise<void> {
  for (const { groupSourceId, userSourceIds } of plan.forgotten) context.store.recordGroupMembers(context.job, groupSourceId, userSourceIds, 'removed');
  await Promise.all(plan.changes.map((change) => applyMembershipChange(change, context, summary)));
}

async function applyMembershipChange(change: MembershipChange, context: GroupApplyContext, summary: GroupApplySummary): Promise<void> {
  const record = { job: context.job, op: change.kind, sourceId: change.groupSourceId, group: change.groupLabel, members: change.members.length };
  const direction = change.kind === 'add-members' ? 'add' : 'remove';
  try {
    const response = await context.client.request(
      'PATCH',
      `/Groups/${encodeURIComponent(change.groupTargetId)}`,
      buildMembersPatch(direction, change.members.map((m) => m.targetId), context.compat),
    );
    context.store.recordGroupMembers(context.job, change.groupSourceId, change.members.map((m) => m.sourceId), direction === 'add' ? 'added' : 'removed');
    summary.counts[direction === 'add' ? 'membersAdded' : 'membersRemoved'] += change.members.length;
    countByKind(summary.byKind, change.kind, 'succeeded');
    context.log.info({ ...record, targetId: change.groupTargetId, outcome: direction === 'add' ? 'added' : 'removed', status: response.status }, `${change.kind} ${change.groupLabel}`);
  } catch (error) {
    if (error instanceof ScimRequestError && error.status === 404) markGroupGone(context, change.groupSourceId, change.groupTargetId, change.groupLabel);
    countByKind(summary.byKind, change.kind, 'failed');
    fail(error, change.groupSourceId, change.kind, change.groupLabel, record, context, summary, 'membershipFailed');
  }
}

interface Dispatched {
  result: GroupResult;
  targetId: string;
  status?: number;
}

async function dispatch(operation: GroupOperation, context: GroupApplyContext): Promise<Dispatched> {
  switch (operation.kind) {
    case 'create-group':
      return createOrLinkGroup(operation, context);
    case 'update-group': {
      try {
        const response = await context.client.request('PATCH', `/Groups/${encodeURIComponent(operation.targetId)}`, buildPatch(operation.changes, context.compat, operation.attributes));
        context.store.saveLink(context.job, 'group', { sourceId: operation.sourceId, targetId: operation.targetId, label: operation.label, state: 'active', attributes: operation.attributes });
        return { result: 'groupsUpdated', targetId: operation.targetId, status: response.status };
      } catch (error) {
        // Lost by the app: the next cycle creates it anew (with its members).
        if (error instanceof ScimRequestError && error.status === 404) markGroupGone(context, operation.sourceId, operation.targetId, operation.label);
        throw error;
      }
    }
    case 'delete-group': {
      let status = 404;
      try {
        status = (await context.client.request('DELETE', `/Groups/${encodeURIComponent(operation.targetId)}`)).status;
      } catch (error) {
        if (!(error instanceof ScimRequestError && error.status === 404)) throw error;
      }
      markGroupGone(context, operation.sourceId, operation.targetId, operation.label);
      return { result: 'groupsDeleted', targetId: operation.targetId, status };
    }
  }
}

async function createOrLinkGroup(operation: CreateGroup, context: GroupApplyContext): Promise<Dispatched> {
  // A group created anew starts with no members of ours; whatever was recorded belonged to its predecessor.
  context.store.forgetGroupMembers(context.job, operation.sourceId);
  const existing = await findGroup(operation, context);
  if (existing) return linkGroup(operation, existing, context);
  try {
    const response = await context.client.request('POST', '/Groups', buildCreateGroup(operation.mapped));
    const targetId = idOf(response.body);
    if (!targetId) throw new Error('the target answered the group create without an "id"');
    saveGroup(operation, targetId, context);
    return { result: 'groupsCreated', targetId, status: response.status };
  } catch (error) {
    if (error instanceof ScimRequestError && error.status === 409) {
      const found = await findGroup(operation, context);
      if (found) return linkGroup(operation, found, context);
    }
    throw error;
  }
}

function findGroup(operation: CreateGroup, context: GroupApplyContext): Promise<ScimObject | undefined> {
  return findByMatchRules(context.client, 'Groups', operation.match, operation.label);
}

async function linkGroup(operation: CreateGroup, existing: ScimObject, context: GroupApplyContext): Promise<Dispatched> {
  const targetId = idOf(existing);
  if (!targetId) throw new Error('a group found in the target has no "id"');
  const { changes, held } = changesAgainstHeld(existing, operation.mapped.attributes);
  let status: number | undefined;
  if (changes.length > 0) status = (await context.client.request('PATCH', `/Groups/${encodeURIComponent(targetId)}`, buildPatch(changes, context.compat, held))).status;
  saveGroup(operation, targetId, context);
  return { result: 'groupsLinked', targetId, status };
}

function saveGroup(operation: CreateGroup, targetId: string, context: GroupApplyContext): void {
  context.store.saveLink(context.job, 'group', {
    sourceId: operation.sourceId,
    targetId,
    label: operation.label,
    state: 'active',
    attributes: operation.mapped.attributes,
  });
}

function markGroupGone(context: GroupApplyContext, sourceId: string, targetId: string, label: string): void {
  context.store.saveLink(context.job, 'group', { sourceId, targetId, label, state: 'deleted', attributes: {} });
  context.store.forgetGroupMembers(context.job, sourceId);
}

function fail(
  error: unknown,
  sourceId: string,
  operation: string,
  label: string,
  record: Record<string, unknown>,
  context: GroupApplyContext,
  summary: GroupApplySummary,
  counter: 'groupsFailed' | 'membershipFailed',
): void {
  const status = error instanceof ScimRequestError ? error.status : undefined;
  const message = error instanceof Error ? error.message : String(error);
  summary.counts[counter]++;
  summary.failureStatuses.push(status ?? 0);
  context.store.recordFailure(context.job, 'group', { sourceId, operation, label, lastStatus: status ?? null, lastError: message });
  context.log.warn({ ...record, outcome: 'failed', status, error: message }, `${operation} ${label} failed`);
}
