/**
 * The apply stage for users: each planned operation is sent to the target and its outcome handed
 * to the recorder as soon as the target confirms it. Nothing here throws: every operation ends as
 * an outcome, and a refused credential stops the operations after it from being sent at all.
 */
import type { Logger } from '../log.js';
import type { MappingSet } from '../mapping/map.js';
import type { ScimObject, ScimValue } from '../mapping/paths.js';
import type { ScimClient } from '../scim/client.js';
import { ScimAuthError, ScimRequestError, ScimResponseError } from '../scim/errors.js';
import { buildCreateUser, buildPatch, type Compat } from '../scim/requests.js';
import { resourceIdOf } from '../scim/responses.js';
import { fingerprintOf, nextAttemptAt } from './escrow.js';
import { changesAgainstHeld, type FirstContact } from './first-contact.js';
import type { CreateUser, DeleteUser, UpdateUser, UserOperation } from './plan.js';
import type { OutcomeRecorder } from './recorder.js';

export interface ApplyContext {
  readonly client: ScimClient;
  readonly recorder: OutcomeRecorder;
  readonly firstContact: FirstContact;
  readonly compat: Compat;
  readonly mappings: MappingSet;
  /** The cycle's logger (it carries the job). */
  readonly log: Logger;
}

export type OperationResult = 'created' | 'recreated' | 'linked' | 'updated' | 'enabled' | 'disabled' | 'deleted' | 'failed' | 'notSent';

export interface ApplySummary {
  readonly counts: Record<OperationResult, number>;
  /** HTTP status of each failed operation (0 = no response): what quarantine judges the target by. */
  readonly failureStatuses: number[];
  /** Results by operation kind, as cycle counts `op.<kind>.<result>` (for metrics by kind and outcome). */
  readonly byKind: Record<string, number>;
}

export function emptyApplySummary(): ApplySummary {
  return {
    counts: { created: 0, recreated: 0, linked: 0, updated: 0, enabled: 0, disabled: 0, deleted: 0, failed: 0, notSent: 0 },
    failureStatuses: [],
    byKind: {},
  };
}

export function countByKind(byKind: Record<string, number>, kind: string, result: string): void {
  const key = `op.${kind}.${result}`;
  byKind[key] = (byKind[key] ?? 0) + 1;
}

/** A per-object refusal decided by provisiond itself (a conflict), not by the target. */
export class ObjectConflictError extends Error {
  override name = 'ObjectConflictError';
}

/** Sends one operation and records its outcome into `summary`. Never throws. */
export async function applyUserOperation(operation: UserOperation, context: ApplyContext, summary: ApplySummary): Promise<void> {
  const record = { op: operation.kind, sourceId: operation.sourceId, user: operation.label };
  let result: OperationResult;
  try {
    const dispatched = await dispatch(operation, context);
    result = dispatched.result;
    context.log.info({ ...record, targetId: dispatched.targetId, outcome: result, status: dispatched.status }, `${result} ${operation.label}`);
  } catch (error) {
    result = refused(operation, error, context, record, summary);
  }
  summary.counts[result]++;
  countByKind(summary.byKind, operation.kind, result);
}

function refused(operation: UserOperation, error: unknown, context: ApplyContext, record: Record<string, unknown>, summary: ApplySummary): OperationResult {
  const status = error instanceof ScimRequestError || error instanceof ScimResponseError ? error.status : undefined;
  const message = error instanceof Error ? error.message : String(error);
  const failure = { sourceId: operation.sourceId, operation: operation.kind, label: operation.label, lastStatus: status ?? null, lastError: message, fingerprint: fingerprintOf(operation) };
  if (error instanceof ScimAuthError) {
    // The credentials are at fault, not the object: it waits in escrow without spending an attempt.
    context.recorder.recordFailure('user', { ...failure, spendsAttempt: false });
    if (!error.sent) return 'notSent';
    summary.failureStatuses.push(error.status);
    context.log.error({ ...record, outcome: 'failed', status, error: message }, `${operation.kind} ${operation.label} failed: the target refused the credentials`);
    return 'failed';
  }
  const attempts = context.recorder.recordFailure('user', { ...failure, retryAt: (n) => nextAttemptAt(n, new Date()) });
  summary.failureStatuses.push(status ?? 0);
  context.log.warn(
    { ...record, outcome: 'failed', status, attempts, scimType: error instanceof ScimRequestError ? error.scimType : undefined, error: message },
    `${operation.kind} ${operation.label} failed`,
  );
  return 'failed';
}

interface Dispatched {
  result: OperationResult;
  targetId: string;
  status?: number;
}

function dispatch(operation: UserOperation, context: ApplyContext): Promise<Dispatched> {
  switch (operation.kind) {
    case 'create':
      return createOrLink(operation, context);
    case 'delete':
      return deleteUser(operation, context);
    default:
      return patchUser(operation, context);
  }
}

async function createOrLink(operation: CreateUser, context: ApplyContext): Promise<Dispatched> {
  const existing = await context.firstContact.find(operation.match, operation.label);
  if (existing) return linkExisting(operation, existing, context);
  let created: { status: number; body: unknown } | undefined;
  for (let attempt = 0; !created; attempt++) {
    try {
      created = await context.client.request('POST', '/Users', () => buildCreateUser(operation.mapped, context.mappings));
    } catch (error) {
      // A 409 means the user exists after all (created meanwhile, or our earlier create's answer was lost): link to it.
      // A create with no answer may have been performed: look before sending it again, or an app that does not
      // enforce unique userNames gets a second account.
      const exists = error instanceof ScimRequestError && (error.status === 409 || error.outcomeUnknown);
      if (!exists) throw error;
      const found = await context.firstContact.lookup(operation.match, operation.label);
      if (found) return linkExisting(operation, found, context);
      if (error.status === 409 || attempt >= UNKNOWN_CREATE_RETRIES) throw error;
    }
  }
  // An answer that is not a user is a per-object error; the next cycle finds the user by its match rules before creating anything.
  const targetId = resourceIdOf(created.body, { method: 'POST', path: '/Users', status: created.status });
  claim(operation, targetId, context);
  saveActive(operation, targetId, operation.mapped.attributes, context);
  return { result: 'created', targetId, status: created.status };
}

/** How often a create whose answer was lost is sent again after a lookup found nothing. */
const UNKNOWN_CREATE_RETRIES = 2;

/** One app account serves one source object: a target object another source object holds is never linked again. */
function claim(operation: CreateUser | UpdateUser, targetId: string, context: ApplyContext): void {
  const claimed = context.recorder.claim('user', targetId, { sourceId: operation.sourceId, label: operation.label });
  if (!claimed.ok) {
    throw new ObjectConflictError(
      `the target's user ${targetId} is already linked to ${claimed.owner.label} (source id ${claimed.owner.sourceId}); ${operation.label} (source id ${operation.sourceId}) is not linked to it. Two source users map to one account: fix the mappings or the source data`,
    );
  }
}

/** First contact with a user that already exists: adopt it, and send only what differs from what it holds. */
async function linkExisting(operation: CreateUser, existing: ScimObject, context: ApplyContext): Promise<Dispatched> {
  const targetId = resourceIdOf(existing, { method: 'GET', path: '/Users', status: 200 });
  claim(operation, targetId, context);
  try {
    const { changes, held } = changesAgainstHeld(existing, operation.mapped.attributes, { valueSets: operation.mapped.valueSets, cleared: operation.mapped.cleared });
    let status: number | undefined;
    if (changes.length > 0) {
      status = (await context.client.request('PATCH', `/Users/${encodeURIComponent(targetId)}`, () => buildPatch(changes, context.compat, held))).status;
    }
    saveActive(operation, targetId, operation.mapped.attributes, context);
    return { result: 'linked', targetId, status };
  } catch (error) {
    context.recorder.release('user', targetId, { sourceId: operation.sourceId, label: operation.label });
    throw error;
  }
}

async function patchUser(operation: UpdateUser, context: ApplyContext): Promise<Dispatched> {
  const state = operation.kind === 'disable' ? 'disabled' : 'active';
  const result: OperationResult = operation.kind === 'disable' ? 'disabled' : operation.kind === 'enable' ? 'enabled' : 'updated';
  let status: number | undefined;
  if (operation.changes.length > 0) {
    try {
      status = (
        await context.client.request('PATCH', `/Users/${encodeURIComponent(operation.targetId)}`, () => buildPatch(operation.changes, context.compat, heldBefore(operation)))
      ).status;
    } catch (error) {
      if (error instanceof ScimRequestError && error.status === 404) return lostByTarget(operation, context);
      throw error;
    }
  }
  context.recorder.saveLink('user', { sourceId: operation.sourceId, targetId: operation.targetId, label: operation.label, state, attributes: operation.attributes });
  return { result, targetId: operation.targetId, status };
}

/**
 * The app deleted a user behind our back (404). A disable has nothing left to do; an update or
 * enable creates the user again — or links the one an admin re-created — under a new id.
 */
async function lostByTarget(operation: UpdateUser, context: ApplyContext): Promise<Dispatched> {
  context.log.warn({ sourceId: operation.sourceId, user: operation.label, targetId: operation.targetId }, 'the target no longer has this user');
  if (operation.kind === 'disable' || !operation.recreate) {
    context.recorder.saveLink('user', { sourceId: operation.sourceId, targetId: operation.targetId, label: operation.label, state: 'deleted', attributes: {} });
    return { result: 'disabled', targetId: operation.targetId, status: 404 };
  }
  const created = await createOrLink({ kind: 'create', sourceId: operation.sourceId, label: operation.label, ...operation.recreate }, context);
  return { ...created, result: created.result === 'linked' ? 'linked' : 'recreated' };
}

async function deleteUser(operation: DeleteUser, context: ApplyContext): Promise<Dispatched> {
  let status = 404;
  try {
    status = (await context.client.request('DELETE', `/Users/${encodeURIComponent(operation.targetId)}`)).status;
  } catch (error) {
    // Already gone is the outcome we wanted.
    if (!(error instanceof ScimRequestError && error.status === 404)) throw error;
  }
  context.recorder.saveLink('user', { sourceId: operation.sourceId, targetId: operation.targetId, label: operation.label, state: 'deleted', attributes: {} });
  return { result: 'deleted', targetId: operation.targetId, status };
}

function saveActive(operation: CreateUser, targetId: string, attributes: Readonly<Record<string, ScimValue>>, context: ApplyContext): void {
  context.recorder.saveLink('user', { sourceId: operation.sourceId, targetId, label: operation.label, state: 'active', attributes });
}

/** What the target held before this update: the new attribute set minus values it sends for the first time. */
function heldBefore(operation: UpdateUser): Record<string, ScimValue> {
  const held: Record<string, ScimValue> = { ...operation.attributes };
  for (const change of operation.changes) if (change.old === undefined) delete held[change.path];
  return held;
}
