/**
 * Apply and record for groups: group creates, updates and deletes, then membership in batches.
 * Each confirmed request is recorded at once, like user operations.
 */
import type { Logger } from '../log.js';
import type { ScimObject } from '../mapping/paths.js';
import type { ScimClient } from '../scim/client.js';
import { ScimAuthError, ScimRequestError, ScimResponseError } from '../scim/errors.js';
import { buildCreateGroup, buildMembersPatch, buildPatch, type Compat } from '../scim/requests.js';
import { resourceIdOf } from '../scim/responses.js';
import type { StateStore } from '../state/store.js';
import { countByKind, ObjectConflictError } from './apply.js';
import { changesAgainstHeld, FirstContact } from './first-contact.js';
import type { OutcomeRecorder } from './recorder.js';
import { Window } from './window.js';
import type { CreateGroup, GroupOperation, MembershipChange, MembershipPlan } from './group-plan.js';

export interface GroupApplyContext {
  readonly job: string;
  readonly client: ScimClient;
  readonly store: StateStore;
  readonly recorder: OutcomeRecorder;
  readonly firstContact: FirstContact;
  readonly compat: Compat;
  /** The cycle's logger (it carries the job). */
  readonly log: Logger;
}

/** The context every job that sends group changes (cycle, provision on demand, reconcile repair) builds alike. */
export function groupApplyContext(ports: Omit<GroupApplyContext, 'firstContact'>, match: readonly { readonly target: string }[]): GroupApplyContext {
  const firstContact = new FirstContact({ client: ports.client, resourceType: 'Groups', matchAttributes: match.map((r) => r.target), log: ports.log });
  return { ...ports, firstContact };
}

export type GroupResult = 'groupsCreated' | 'groupsLinked' | 'groupsUpdated' | 'groupsDeleted' | 'groupsFailed';
/** `membershipFailed` counts refused requests (for the failure rate); the others count members, so metrics add like with like. */
export type MembershipResult = 'membersAdded' | 'membersRemoved' | 'membersFailed' | 'membershipFailed';

export interface GroupApplySummary {
  readonly counts: Record<GroupResult | MembershipResult, number>;
  readonly failureStatuses: number[];
  /** Requests by kind and result, as cycle counts `op.<kind>.<result>`. */
  readonly byKind: Record<string, number>;
}

export function emptyGroupSummary(): GroupApplySummary {
  return {
    counts: { groupsCreated: 0, groupsLinked: 0, groupsUpdated: 0, groupsDeleted: 0, groupsFailed: 0, membersAdded: 0, membersRemoved: 0, membersFailed: 0, membershipFailed: 0 },
    failureStatuses: [],
    byKind: {},
  };
}

export async function applyGroupOperations(operations: readonly GroupOperation[], context: GroupApplyContext, summary: GroupApplySummary): Promise<void> {
  await inWindow(operations, async (operation) => {
    const record = { op: operation.kind, sourceId: operation.sourceId, group: operation.label };
    try {
      const { result, targetId, status } = await dispatch(operation, context);
      summary.counts[result]++;
      countByKind(summary.byKind, operation.kind, 'succeeded');
      context.log.info({ ...record, targetId, outcome: result, status }, `${operation.kind} ${operation.label}: ${result}`);
    } catch (error) {
      countByKind(summary.byKind, operation.kind, 'failed');
      fail(error, operation.sourceId, operation.kind, operation.label, record, context, summary, 'groupsFailed');
    }
  });
}

export async function applyMembershipChanges(plan: MembershipPlan, context: GroupApplyContext, summary: GroupApplySummary): Promise<void> {
  for (const { groupSourceId, userSourceIds } of plan.forgotten) context.store.recordGroupMembers(context.job, groupSourceId, userSourceIds, 'removed');
  await inWindow(plan.changes, (change) => applyMembershipChange(change, context, summary));
}

/** Groups go through a bounded window too: 5,000 group requests are not 5,000 promises and bodies at once. */
const GROUP_WINDOW = 32;

async function inWindow<T>(items: readonly T[], task: (item: T) => Promise<void>): Promise<void> {
  const window = new Window(GROUP_WINDOW);
  for (const item of items) await window.submit(() => task(item));
  await window.drain();
}

async function applyMembershipChange(change: MembershipChange, context: GroupApplyContext, summary: GroupApplySummary): Promise<void> {
  const record = { op: change.kind, sourceId: change.groupSourceId, group: change.groupLabel, members: change.members.length };
  const direction = change.kind === 'add-members' ? 'add' : 'remove';
  try {
    const response = await context.client.request(
      'PATCH',
      `/Groups/${encodeURIComponent(change.groupTargetId)}`,
      () => buildMembersPatch(direction, change.members.map((m) => m.targetId), context.compat),
    );
    context.store.recordGroupMembers(context.job, change.groupSourceId, change.members.map((m) => m.sourceId), direction === 'add' ? 'added' : 'removed');
    summary.counts[direction === 'add' ? 'membersAdded' : 'membersRemoved'] += change.members.length;
    countByKind(summary.byKind, change.kind, 'succeeded');
    context.log.info({ ...record, targetId: change.groupTargetId, outcome: direction === 'add' ? 'added' : 'removed', status: response.status }, `${change.kind} ${change.groupLabel}`);
  } catch (error) {
    if (error instanceof ScimRequestError && error.status === 404) markGroupGone(context, change.groupSourceId, change.groupTargetId, change.groupLabel);
    countByKind(summary.byKind, change.kind, 'failed');
    if (fail(error, change.groupSourceId, change.kind, change.groupLabel, record, context, summary, 'membershipFailed')) summary.counts.membersFailed += change.members.length;
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
        const response = await context.client.request('PATCH', `/Groups/${encodeURIComponent(operation.targetId)}`, () => buildPatch(operation.changes, context.compat, operation.attributes));
        context.recorder.saveLink('group', { sourceId: operation.sourceId, targetId: operation.targetId, label: operation.label, state: 'active', attributes: operation.attributes });
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
  const existing = await context.firstContact.find(operation.match, operation.label);
  if (existing) return linkGroup(operation, existing, context);
  let created: { status: number; body: unknown };
  try {
    created = await context.client.request('POST', '/Groups', () => buildCreateGroup(operation.mapped));
  } catch (error) {
    // A 409, or a create whose answer was lost (it may have been performed): look before anything else.
    if (error instanceof ScimRequestError && (error.status === 409 || error.outcomeUnknown)) {
      const found = await context.firstContact.lookup(operation.match, operation.label);
      if (found) return linkGroup(operation, found, context);
    }
    throw error;
  }
  const targetId = resourceIdOf(created.body, { method: 'POST', path: '/Groups', status: created.status });
  claimGroup(operation, targetId, context);
  saveGroup(operation, targetId, context);
  return { result: 'groupsCreated', targetId, status: created.status };
}

/** One app group serves one source group. */
function claimGroup(operation: CreateGroup, targetId: string, context: GroupApplyContext): void {
  const claimed = context.recorder.claim('group', targetId, { sourceId: operation.sourceId, label: operation.label });
  if (!claimed.ok) {
    throw new ObjectConflictError(
      `the target's group ${targetId} is already linked to ${claimed.owner.label} (source id ${claimed.owner.sourceId}); ${operation.label} (source id ${operation.sourceId}) is not linked to it`,
    );
  }
}

async function linkGroup(operation: CreateGroup, existing: ScimObject, context: GroupApplyContext): Promise<Dispatched> {
  const targetId = resourceIdOf(existing, { method: 'GET', path: '/Groups', status: 200 });
  claimGroup(operation, targetId, context);
  try {
    const { changes, held } = changesAgainstHeld(existing, operation.mapped.attributes);
    let status: number | undefined;
    if (changes.length > 0) status = (await context.client.request('PATCH', `/Groups/${encodeURIComponent(targetId)}`, () => buildPatch(changes, context.compat, held))).status;
    saveGroup(operation, targetId, context);
    return { result: 'groupsLinked', targetId, status };
  } catch (error) {
    context.recorder.release('group', targetId, { sourceId: operation.sourceId, label: operation.label });
    throw error;
  }
}

function saveGroup(operation: CreateGroup, targetId: string, context: GroupApplyContext): void {
  context.recorder.saveLink('group', {
    sourceId: operation.sourceId,
    targetId,
    label: operation.label,
    state: 'active',
    attributes: operation.mapped.attributes,
  });
}

function markGroupGone(context: GroupApplyContext, sourceId: string, targetId: string, label: string): void {
  context.recorder.saveLink('group', { sourceId, targetId, label, state: 'deleted', attributes: {} });
  context.store.forgetGroupMembers(context.job, sourceId);
}

/** Records a refused group request; false when it was never sent (refused credentials), which is no failure of the request. */
function fail(
  error: unknown,
  sourceId: string,
  operation: string,
  label: string,
  record: Record<string, unknown>,
  context: GroupApplyContext,
  summary: GroupApplySummary,
  counter: 'groupsFailed' | 'membershipFailed',
): boolean {
  const status = error instanceof ScimRequestError || error instanceof ScimResponseError ? error.status : undefined;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ScimAuthError) {
    // The credentials are at fault, not the group: it waits without spending an attempt, and an unsent request is no failure.
    context.recorder.recordFailure('group', { sourceId, operation, label, lastStatus: status ?? null, lastError: message, spendsAttempt: false });
    if (!error.sent) return false;
  } else {
    context.recorder.recordFailure('group', { sourceId, operation, label, lastStatus: status ?? null, lastError: message });
  }
  summary.counts[counter]++;
  summary.failureStatuses.push(status ?? 0);
  context.log.warn({ ...record, outcome: 'failed', status, error: message }, `${operation} ${label} failed`);
  return true;
}
