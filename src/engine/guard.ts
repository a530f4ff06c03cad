/**
 * The guard stage: safety gates between a plan and the target. Deprovisioning is held back —
 * creates and updates still go — when the read cannot be trusted or the plan deletes too much.
 */
import type { CountOrPercent } from '../config/schema.js';

/** Anything the guard can hold: user and group operations alike. */
export interface GuardedOperation {
  readonly kind: string;
}

export interface GuardInput<T extends GuardedOperation> {
  readonly operations: readonly T[];
  /** False when a page of the source read failed. */
  readonly readComplete: boolean;
  /** Objects the read returned this cycle and in the previous full read (undefined on the first). */
  readonly readCount: number;
  readonly previousReadCount?: number;
  /** Linked objects that are not deleted: the base of a percentage threshold. */
  readonly linkedCount: number;
  readonly maxDeletes: CountOrPercent;
  readonly maxSourceDrop: CountOrPercent;
  /** `--allow-deletes`: the admin has looked at the plan and lets the deprovisioning through once. */
  readonly allowDeletes: boolean;
}

export type GuardVerdict = 'pass' | 'partial' | 'guarded';

export interface GuardResult<T extends GuardedOperation = GuardedOperation> {
  readonly verdict: GuardVerdict;
  readonly allowed: readonly T[];
  readonly held: readonly T[];
  readonly reason?: string;
}

/** Disables and deletes of users and groups: what the deletion guard counts (as Entra's does). */
export function isDeprovisioning(op: GuardedOperation): boolean {
  return op.kind === 'disable' || op.kind === 'delete' || op.kind === 'delete-group';
}

export function guardOperations<T extends GuardedOperation>(input: GuardInput<T>): GuardResult<T> {
  const deprovisioning = input.operations.filter(isDeprovisioning);
  const hold = (verdict: GuardVerdict, reason: string): GuardResult<T> => ({
    verdict,
    allowed: input.operations.filter((op) => !isDeprovisioning(op)),
    held: deprovisioning,
    reason,
  });

  // A broken read looks exactly like users leaving; no flag lets that through.
  if (!input.readComplete) {
    return hold('partial', 'the source read did not complete, so no user is disabled or deleted this cycle');
  }
  if (input.previousReadCount !== undefined && input.previousReadCount > 0) {
    const drop = input.previousReadCount - input.readCount;
    const limit = threshold(input.maxSourceDrop, input.previousReadCount);
    if (drop > limit) {
      return hold(
        'partial',
        `the source returned ${input.readCount} users, ${drop} fewer than the previous read (${input.previousReadCount}); above safety.maxSourceDrop (${String(input.maxSourceDrop)}), so no user is disabled or deleted this cycle`,
      );
    }
  }
  const limit = threshold(input.maxDeletes, input.linkedCount);
  if (deprovisioning.length > limit && !input.allowDeletes) {
    return hold(
      'guarded',
      `${deprovisioning.length} disables/deletes planned, above safety.maxDeletes (${String(input.maxDeletes)} = ${limit} of ${input.linkedCount} linked); none sent. Review with \`provisiond plan\`, then run \`provisiond --sync-now --allow-deletes\` or raise the threshold`,
    );
  }
  return { verdict: 'pass', allowed: input.operations, held: [] };
}

/**
 * A percentage never allows fewer than this many: a pilot's ordinary week (a few leavers among 30
 * users) must not need `--allow-deletes`, while a pilot that loses its whole scope is still held.
 */
export const PERCENT_FLOOR = 10;

/**
 * "5%" of 1,000 → 50, of 100,000 → 5,000, of 35 → 10 (the floor). A plain number is a count, taken
 * as written: an admin who wants a small tenant guarded more tightly sets one.
 */
export function threshold(limit: CountOrPercent, base: number): number {
  if (typeof limit === 'number') return limit;
  return Math.max(PERCENT_FLOOR, Math.ceil((Number(limit.slice(0, -1)) / 100) * base));
}
