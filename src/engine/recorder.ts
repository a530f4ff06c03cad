/**
 * The record stage: confirmed outcomes reach the snapshot in batches (every 200 ms or 1,000
 * outcomes) rather than a transaction each: a WAL commit costs about the same whether it carries 20
 * links or 1,000. A crash can then lose only confirmations the next cycle finds again by its match
 * rules — never create a duplicate. The recorder is also where "one app account, one source object" is enforced: a
 * target object is claimed by a source object before its link is saved, and a claim by another
 * source object is refused.
 */
import { failureAttempts, serializeLink, type FailureRecord, type Link, type ObjectKind, type PendingEntry, type StateStore, type StateWrite } from '../state/store.js';

export interface RecorderOptions {
  readonly maxBatch?: number;
  readonly maxDelayMs?: number;
}

export interface Owner {
  readonly sourceId: string;
  readonly label: string;
}

export class OutcomeRecorder {
  private queue: StateWrite[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** A write that failed on the timer (database locked, read-only, full): thrown to the next caller. */
  private failure: unknown;
  /** Target objects claimed this cycle, per kind; a deleted link releases its claim. */
  private readonly claims: Record<ObjectKind, Map<string, Owner | null>> = { user: new Map(), group: new Map() };
  /** Objects refused this cycle: a later success of theirs must clear the pending failure. */
  private readonly failed: Record<ObjectKind, Set<string>> = { user: new Set(), group: new Set() };
  private readonly maxBatch: number;
  private readonly maxDelayMs: number;

  constructor(
    private readonly store: StateStore,
    private readonly job: string,
    private readonly pending: Record<ObjectKind, ReadonlyMap<string, PendingEntry>>,
    options: RecorderOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 200;
  }

  /** A recorder for a job, with its objects pending in escrow as the state database holds them now. */
  static forJob(store: StateStore, job: string, options: RecorderOptions = {}): OutcomeRecorder {
    return new OutcomeRecorder(store, job, { user: store.pendingEntries(job, 'user'), group: store.pendingEntries(job, 'group') }, options);
  }

  /**
   * Claims a target object for a source object before it is linked. Refused — with the owner —
   * when another source object of the job holds it, in the snapshot or earlier this cycle.
   */
  claim(kind: ObjectKind, targetId: string, claimant: Owner): { ok: true } | { ok: false; owner: Owner } {
    const owner = this.ownerOf(kind, targetId);
    if (owner && owner.sourceId !== claimant.sourceId) return { ok: false, owner };
    this.claims[kind].set(targetId, claimant);
    return { ok: true };
  }

  /** A claim whose link never came (the operation failed): the object is free again. */
  release(kind: ObjectKind, targetId: string, claimant: Owner): void {
    if (this.claims[kind].get(targetId)?.sourceId === claimant.sourceId) this.claims[kind].delete(targetId);
  }

  saveLink(kind: ObjectKind, link: Link): void {
    this.claims[kind].set(link.targetId, link.state === 'deleted' ? null : { sourceId: link.sourceId, label: link.label });
    const clearsPending = this.pending[kind].has(link.sourceId) || this.failed[kind].has(link.sourceId);
    this.push({ type: 'link', kind, link: serializeLink(link), clearsPending });
  }

  /** @returns the attempt count the failure will be recorded with (escrow counts per object version) */
  recordFailure(kind: ObjectKind, failure: FailureRecord): number {
    const attempts = failureAttempts(this.pending[kind].get(failure.sourceId), failure);
    this.failed[kind].add(failure.sourceId);
    this.push({ type: 'failure', kind, failure });
    return attempts;
  }

  /** Writes everything queued, in one transaction. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.throwIfFailed();
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.store.writeBatch(this.job, batch);
    // Written links answer for their target objects from the snapshot now; memory keeps only claims still in flight.
    for (const write of batch) {
      if (write.type !== 'link') continue;
      const claimed = this.claims[write.kind].get(write.link.targetId);
      if (claimed === null || claimed?.sourceId === write.link.sourceId) this.claims[write.kind].delete(write.link.targetId);
    }
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private ownerOf(kind: ObjectKind, targetId: string): Owner | undefined {
    const claimed = this.claims[kind].get(targetId);
    if (claimed !== undefined) return claimed ?? undefined;
    return this.store.linkedSourceOf(this.job, kind, targetId);
  }

  private push(write: StateWrite): void {
    this.throwIfFailed();
    this.queue.push(write);
    if (this.queue.length >= this.maxBatch) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        try {
          this.flush();
        } catch (error) {
          this.failure = error;
        }
      }, this.maxDelayMs);
      this.timer.unref();
    }
  }
}
