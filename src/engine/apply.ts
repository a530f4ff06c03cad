/**
 * The apply and record stages: send each planned operation to the target and write its outcome
 * to the snapshot as soon as the target confirms it, so a crash loses at most in-flight requests.
 */
import type { Logger } from '../log.js';
import type { MappingSet } from '../mapping/map.js';
import type { ScimObject, ScimValue } from '../mapping/paths.js';
import type { ScimClient } from '../scim/client.js';
import { ScimRequestError } from '../scim/errors.js';
import { buildCreateUser, buildPatch, type Compat } from '../scim/requests.js';
import type { StateStore } from '../state/store.js';
import { fingerprintOf, nextAttemptAt } from './escrow.js';
import { changesAgainstHeld, findByMatchRules, idOf } from './first-contact.js';
import type { CreateUser, DeleteUser, UpdateUser, UserOperation } from './plan.js';

export interface ApplyContext {
  readonly job: string;
  readonly client: ScimClient;
  readonly store: StateStore;
  readonly compat: Compat;
  readonly mappings: MappingSet;
  readonly log: Logger;
}

export type OperationResult = 'created' | 'recreated' | 'linked' | 'updated' | 'enabled' | 'disabled' | 'deleted' | 'failed';

export interface ApplySummary {
  readonly counts: Record<OperationResult, number>;
  /** HTTP status of each failed operation (0 = no response): what quarantine judges the target by. */
  readonly failureStatuses: number[];
  /** Results by operation kind, as cycle counts `op.<kind>.<result>` (for metrics by kind and outcome). */
  readonly byKind: Record<string, number>;
}

/** Sends the operations concurrently (bounded by the client); the cycle decides their order in phases. */
export async function applyUserOperations(operations: readonly UserOperation[], context: ApplyContext): Promise<ApplySummary> {
  const counts: Record<OperationResult, number> = { created: 0, recreated: 0, linked: 0, updated: 0, enabled: 0, disabled: 0, deleted: 0, failed: 0 };
  const failureStatuses: number[] = [];
  const byKind: Record<string, number> = {};
  await Promise.all(
    operations.map(async (operation) => {
      const result = await applyOne(operation, context);
      counts[result.result]++;
      countByKind(byKind, operation.kind, result.result);
      if (result.result === 'failed') failureStatuses.push(result.status ?? 0);
    }),
  );
  return { counts, failureStatuses, byKind };
}

export function countByKind(byKind: Record<string, number>, kind: string, result: string): void {
  const key = `op.${kind}.${result}`;
  byKind[key] = (byKind[key] ?? 0) + 1;
}

async function applyOne(operation: UserOperation, context: ApplyContext): Promise<{ result: OperationResult; status?: number }> {
  const record = { job: context.job, op: operation.kind, sourceId: operation.sourceId, user: operation.label };
  try {
    const { result, targetId, status } = await dispatch(operation, context);
    context.log.info({ ...record, targetId, outcome: result, status }, `${result} ${operation.label}`);
    return { result, status };
  } catch (error) {
    const status = error instanceof ScimRequestError ? error.status : undefined;
    const message = error instanceof Error ? error.message : String(error);
    const attempts = context.store.recordFailure(context.job, 'user', {
      sourceId: operation.sourceId,
      operation: operation.kind,
      label: operation.label,
      lastStatus: status ?? null,
      lastError: message,
      fingerprint: fingerprintOf(operation),
      retryAt: (n) => nextAttemptAt(n, new Date()),
    });
    context.log.warn(
      { ...record, outcome: 'failed', status, attempts, scimType: error instanceof ScimRequestError ? error.scimType : undefined, error: message },
      `${operation.kind} ${operation.label} failed`,
    );
    return { result: 'failed', status: status ?? 0 };
  }
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
  const existing = await findExisting(operation, context);
  if (existing) return linkExisting(operation, existing, context);
  try {
    const response = await context.client.request('POST', '/Users', buildCreateUser(operation.mapped, context.mappings));
    const targetId = idOf(response.body);
    if (!targetId) throw new Error('the target answered the create without an "id"');
    saveActive(operation, targetId, operation.mapped.attributes, context);
    return { result: 'created', targetId, status: response.status };
  } catch (error) {
    // A 409 means the user exists after all (created meanwhile, or our earlier create's answer was lost): link to it.
    if (error instanceof ScimRequestError && error.status === 409) {
      const found = await findExisting(operation, context);
      if (found) return linkExisting(operation, found, context);
    }
    throw error;
  }
}

function findExisting(operation: CreateUser, context: ApplyContext): Promise<ScimObject | undefined> {
  return findByMatchRules(context.client, 'Users', operation.match, operation.label);
}

/** First contact with a user that already exists: adopt it, and send only what differs from what it holds. */
async function linkExisting(operation: CreateUser, existing: ScimObject, context: ApplyContext): Promise<Dispatched> {
  const targetId = idOf(existing);
  if (!targetId) throw new Error('a user found in the target has no "id"');
  const { changes, held } = changesAgainstHeld(existing, operation.mapped.attributes);
  let status: number | undefined;
  if (changes.length > 0) {
    status = (await context.client.request('PATCH', `/Users/${encodeURIComponent(targetId)}`, buildPatch(changes, context.compat, held))).status;
  }
  saveActive(operation, targetId, operation.mapped.attributes, context);
  return { result: 'linked', targetId, status };
}

async function patchUser(operation: UpdateUser, context: ApplyContext): Promise<Dispatched> {
  const state = operation.kind === 'disable' ? 'disabled' : 'active';
  const result: OperationResult = operation.kind === 'disable' ? 'disabled' : operation.kind === 'enable' ? 'enabled' : 'updated';
  let status: number | undefined;
  if (operation.changes.length > 0) {
    try {
      status = (
        await context.client.request('PATCH', `/Users/${encodeURIComponent(operation.targetId)}`, buildPatch(operation.changes, context.compat, heldBefore(operation)))
      ).status;
    } catch (error) {
      if (error instanceof ScimRequestError && error.status === 404) return lostByTarget(operation, context);
      throw error;
    }
  }
  context.store.saveLink(context.job, 'user', {
    sourceId: operation.sourceId,
    targetId: operation.targetId,
    label: operation.label,
    state,
    attributes: operation.attributes,
  });
  return { result, targetId: operation.targetId, status };
}

/**
 * The app deleted a user behind our back (404). A disable has nothing left to do; an update or
 * enable creates the user again — or links the one an admin re-created — under a new id.
 */
async function lostByTarget(operation: UpdateUser, context: ApplyContext): Promise<Dispatched> {
  context.log.warn({ job: context.job, sourceId: operation.sourceId, user: operation.label, targetId: operation.targetId }, 'the target no longer has this user');
  if (operation.kind === 'disable' || !operation.recreate) {
    context.store.saveLink(context.job, 'user', { ...toLinkFields(operation), state: 'deleted', attributes: {} });
    return { result: 'disabled', targetId: operation.targetId, status: 404 };
  }
  const created = await createOrLink({ kind: 'create', sourceId: operation.sourceId, label: operation.label, ...operation.recreate }, context);
  return { ...created, result: created.result === 'linked' ? 'linked' : 'recreated' };
}

function toLinkFields(operation: UpdateUser): { sourceId: string; targetId: string; label: string } {
  return { sourceId: operation.sourceId, targetId: operation.targetId, label: operation.label };
}

async function deleteUser(operation: DeleteUser, context: ApplyContext): Promise<Dispatched> {
  let status = 404;
  try {
    status = (await context.client.request('DELETE', `/Users/${encodeURIComponent(operation.targetId)}`)).status;
  } catch (error) {
    // Already gone is the outcome we wanted.
    if (!(error instanceof ScimRequestError && error.status === 404)) throw error;
  }
  context.store.saveLink(context.job, 'user', {
    sourceId: operation.sourceId,
    targetId: operation.targetId,
    label: operation.label,
    state: 'deleted',
    attributes: {},
  });
  return { result: 'deleted', targetId: operation.targetId, status };
}

function saveActive(operation: CreateUser, targetId: string, attributes: Readonly<Record<string, ScimValue>>, context: ApplyContext): void {
  context.store.saveLink(context.job, 'user', { sourceId: operation.sourceId, targetId, label: operation.label, state: 'active', attributes });
}

/** What the target held before this update: the new attribute set minus values it sends for the first time. */
function heldBefore(operation: UpdateUser): Record<string, ScimValue> {
  const held: Record<string, ScimValue> = { ...operation.attributes };
  for (const change of operation.changes) if (change.old === undefined) delete held[change.path];
  return held;
}
