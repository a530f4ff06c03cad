/**
 * Escrow: an operation the target refused stays pending and is retried on later cycles with
 * backoff; after `maxAttempts` it is parked — reported, not retried — until its source object
 * changes. Pure: the store keeps the pending rows, this decides what each cycle sends.
 */
import { createHash } from 'node:crypto';
import type { PendingEntry } from '../state/store.js';
import type { UserOperation } from './plan.js';


export interface EscrowDecision {
  readonly due: readonly UserOperation[];
  /** Waiting out their backoff; retried on a later cycle. */
  readonly deferred: readonly UserOperation[];
  /** Out of attempts for this version of the object. */
  readonly parked: readonly { readonly operation: UserOperation; readonly lastError: string; readonly attempts: number }[];
}

/** The first retries come on the next cycles; then the wait doubles, up to half a day. */
const FIRST_BACKOFF_MS = 5 * 60_000;
const MAX_BACKOFF_MS = 12 * 3_600_000;

export function nextAttemptAt(attempts: number, now: Date): Date {
  const wait = attempts <= 1 ? 0 : Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (attempts - 2));
  return new Date(now.getTime() + wait);
}

/**
 * What the operation would do to the object: if the source changes, the fingerprint changes and
 * a parked or backed-off object is tried again at once — the change may be the fix.
 */
export function fingerprintOf(operation: UserOperation): string {
  const content =
    operation.kind === 'create'
      ? { kind: operation.kind, attributes: operation.mapped.attributes, createOnly: operation.mapped.createOnly }
      : operation.kind === 'delete'
        ? { kind: operation.kind, targetId: operation.targetId }
        : { kind: operation.kind, targetId: operation.targetId, changes: operation.changes.map((c) => [c.path, c.new]) };
  return createHash('sha256').update(JSON.stringify(content)).digest('base64url').slice(0, 22);
}

export type EscrowVerdict = 'due' | 'deferred' | 'parked';

/** What escrow does with one operation this cycle. */
export function escrowVerdict(operation: UserOperation, pending: ReadonlyMap<string, PendingEntry>, options: { readonly now: Date; readonly maxAttempts: number }): EscrowVerdict {
  const entry = pending.get(operation.sourceId);
  if (!entry || entry.fingerprint !== fingerprintOf(operation)) return 'due';
  if (entry.attempts >= options.maxAttempts) return 'parked';
  if (entry.nextAttemptAt !== null && Date.parse(entry.nextAttemptAt) > options.now.getTime()) return 'deferred';
  return 'due';
}

export function applyEscrow(
  operations: readonly UserOperation[],
  pending: ReadonlyMap<string, PendingEntry>,
  options: { readonly now: Date; readonly maxAttempts: number },
): EscrowDecision {
  const due: UserOperation[] = [];
  const deferred: UserOperation[] = [];
  const parked: { operation: UserOperation; lastError: string; attempts: number }[] = [];
  for (const operation of operations) {
    const verdict = escrowVerdict(operation, pending, options);
    if (verdict === 'due') due.push(operation);
    else if (verdict === 'deferred') deferred.push(operation);
    else {
      const entry = pending.get(operation.sourceId) as PendingEntry;
      parked.push({ operation, lastError: entry.lastError, attempts: entry.attempts });
    }
  }
  return { due, deferred, parked };
}
