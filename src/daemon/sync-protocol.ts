/**
 * What `POST /sync` takes and answers: shared by the daemon's HTTP endpoint and the `--sync-now`
 * that hands its cycle to a running daemon, so both report the same outcome.
 */
import type { CycleOutcome, CycleReport } from '../engine/cycle.js';

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
}

export interface SyncResponseBody {
  readonly reports: readonly CycleSummary[];
}

export interface SyncErrorBody {
  readonly error: string;
}

export function summarize(report: CycleReport): CycleSummary {
  return {
    job: report.job,
    ...(report.runId === undefined ? {} : { runId: report.runId }),
    outcome: report.outcome,
    ...(report.message ? { message: report.message } : {}),
    counts: report.counts,
    durationMs: report.durationMs,
  };
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
      report.counts !== null
    );
  });
  return valid ? { reports: reports as CycleSummary[] } : undefined;
}
