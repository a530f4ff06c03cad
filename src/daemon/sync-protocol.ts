/**
 * What `POST /sync` takes and answers: shared by the daemon's HTTP endpoint and the `--sync-now`
 * that hands its cycle to a running daemon, so both report the same outcome.
 */
import type { CycleOutcome, CycleReport } from '../engine/cycle.js';
import type { StateStore } from '../state/store.js';

export interface CycleRequest {
  /** One job, or every job when undefined. */
  readonly jobName?: string;
  /** Let deprovisioning above `safety.maxDeletes` through, for this cycle only. */
  readonly allowDeletes: boolean;
  /** Force a full read where the cycle would read only changes. */
  readonly full: boolean;
}

/** A cycle's result without its plan: what crosses the wire and what `--sync-now` prints. */
export interface CycleSummary {
  readonly job: string;
  readonly runId?: number;
  readonly outcome: CycleOutcome;
  readonly message?: string;
  readonly counts: Readonly<Record<string, number>>;
  readonly durationMs: number;
  /** Objects this cycle could not provision, with why (the first LISTED_OBJECTS; counts has the totals). */
  readonly failures?: readonly ObjectFailure[];
  /** What the safety guard held back, when it held anything. */
  readonly guard?: HeldBack;
}

export interface ObjectFailure {
  readonly kind: string;
  readonly sourceId: string;
  readonly label: string;
  /** The operation that failed (create, update, …), or "skipped" for an object that could not be mapped or read. */
  readonly operation: string;
  readonly status?: number;
  readonly error: string;
}

export interface HeldBack {
  /** guarded: above safety.maxDeletes, released by --allow-deletes; partial: the read was incomplete or dropped, nothing releases it. */
  readonly verdict: 'guarded' | 'partial';
  readonly reason?: string;
  /** How many operations were held; `objects` lists the first LISTED_OBJECTS. */
  readonly count: number;
  readonly objects: readonly { readonly kind: string; readonly sourceId: string; readonly label: string }[];
}

/** A summary names this many objects per list at most: it is read by a person, and crosses the wire. */
export const LISTED_OBJECTS = 50;

export interface SyncResponseBody {
  readonly reports: readonly CycleSummary[];
}

export interface SyncErrorBody {
  readonly error: string;
}

/**
 * The summary of a cycle. With the store, the operations the target refused during this run are
 * listed from escrow (where the recorder keeps them, with status and error), after the objects the
 * cycle skipped.
 */
export function summarize(report: CycleReport, store?: StateStore): CycleSummary {
  const failures: ObjectFailure[] = report.plan.skipped.map((s) => ({ kind: 'object', sourceId: s.sourceId, label: s.label, operation: 'skipped', error: s.error }));
  if (store && report.runId !== undefined) failures.push(...failedInRun(store, report.job, report.runId));
  const held = report.guard.held;
  const verdict = report.guard.verdict;
  return {
    job: report.job,
    ...(report.runId === undefined ? {} : { runId: report.runId }),
    outcome: report.outcome,
    ...(report.message ? { message: report.message } : {}),
    counts: report.counts,
    durationMs: report.durationMs,
    ...(failures.length > 0 ? { failures: failures.slice(0, LISTED_OBJECTS) } : {}),
    ...(verdict !== 'pass' && held.length > 0
      ? {
          guard: {
            verdict,
            ...(report.guard.reason ? { reason: report.guard.reason } : {}),
            count: held.length,
            objects: held.slice(0, LISTED_OBJECTS).map((op) => ({ kind: op.kind, sourceId: op.sourceId, label: op.label })),
          },
        }
      : {}),
  };
}

/** The job's escrow entries that failed during the run: a job's runs never overlap (its lease), so "since it started" is this run. */
function failedInRun(store: StateStore, job: string, runId: number): ObjectFailure[] {
  try {
    const run = store.latestRun(job);
    if (!run || run.id !== runId) return [];
    return store
      .pendingFailures(job)
      .filter((f) => f.lastFailedAt >= run.startedAt)
      .map((f) => ({ kind: f.kind, sourceId: f.sourceId, label: f.label, operation: f.operation, ...(f.lastStatus === null ? {} : { status: f.lastStatus }), error: f.lastError }));
  } catch {
    // The cycle is over and recorded; a store that fails now costs the summary its list, not the cycle its outcome.
    return [];
  }
}

/** The request body as JSON (`{"job"?, "allowDeletes"?, "full"?}`), or what is wrong with it. */
export function parseSyncRequest(body: unknown): CycleRequest | { error: string } {
  if (body === undefined) return { allowDeletes: false, full: false };
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { error: 'expected a JSON object' };
  const { job, allowDeletes, full, ...rest } = body as Record<string, unknown>;
  const unknownKeys = Object.keys(rest);
  if (unknownKeys.length > 0) return { error: `unknown key(s) ${unknownKeys.map((k) => `"${k}"`).join(', ')}; allowed: job, allowDeletes, full` };
  if (job !== undefined && (typeof job !== 'string' || job === '')) return { error: '"job" must be a job name' };
  if (allowDeletes !== undefined && typeof allowDeletes !== 'boolean') return { error: '"allowDeletes" must be true or false' };
  if (full !== undefined && typeof full !== 'boolean') return { error: '"full" must be true or false' };
  return { ...(job === undefined ? {} : { jobName: job }), allowDeletes: allowDeletes ?? false, full: full ?? false };
}

export function toRequestBody(request: CycleRequest): Record<string, unknown> {
  return { ...(request.jobName === undefined ? {} : { job: request.jobName }), allowDeletes: request.allowDeletes, full: request.full };
}

const OUTCOMES: ReadonlySet<string> = new Set<CycleOutcome>(['success', 'failed', 'partial', 'guarded', 'quarantined']);

/** Checks a daemon's answer before trusting it: its outcomes decide `--sync-now`'s exit code. */
export function parseSyncResponse(body: unknown): SyncResponseBody | undefined {
  const reports = (body as { reports?: unknown } | null)?.reports;
  if (!Array.isArray(reports)) return undefined;
  const valid = reports.every((r: unknown) => {
    const report = r as Partial<CycleSummary> | null;
    return (
      report !== null &&
      typeof report === 'object' &&
      typeof report.job === 'string' &&
      typeof report.outcome === 'string' &&
      OUTCOMES.has(report.outcome) &&
      typeof report.durationMs === 'number' &&
      typeof report.counts === 'object' &&
      report.counts !== null &&
      (report.failures === undefined || (Array.isArray(report.failures) && report.failures.every(isObjectFailure))) &&
      (report.guard === undefined || isHeldBack(report.guard))
    );
  });
  return valid ? { reports: reports as CycleSummary[] } : undefined;
}

function isObjectRef(value: unknown): value is { kind: string; sourceId: string; label: string } {
  const ref = value as Record<string, unknown> | null;
  return ref !== null && typeof ref === 'object' && typeof ref.kind === 'string' && typeof ref.sourceId === 'string' && typeof ref.label === 'string';
}

function isObjectFailure(value: unknown): value is ObjectFailure {
  const f = value as Record<string, unknown>;
  return isObjectRef(value) && typeof f.operation === 'string' && typeof f.error === 'string' && (f.status === undefined || typeof f.status === 'number');
}

function isHeldBack(value: unknown): value is HeldBack {
  const held = value as Record<string, unknown> | null;
  return (
    held !== null &&
    typeof held === 'object' &&
    (held.verdict === 'guarded' || held.verdict === 'partial') &&
    (held.reason === undefined || typeof held.reason === 'string') &&
    typeof held.count === 'number' &&
    Array.isArray(held.objects) &&
    held.objects.every(isObjectRef)
  );
}
