/**
 * What `POST /sync` takes and answers: shared by the daemon's HTTP endpoint and the `--sync-now`
 * that hands its cycle to a running daemon, so both report the same outcome.
 */
import { z } from 'zod';
import type { CycleOutcome, CycleReport } from '../engine/cycle.js';
import type { OnDemandReport } from '../engine/on-demand.js';

export interface CycleRequest {
  /** One job, or every job when undefined. */
  readonly jobName?: string;
  /** Let deprovisioning above `safety.maxDeletes` through, for this cycle only. */
  readonly allowDeletes: boolean;
  /** Force a full read where the cycle would read only changes. */
  readonly full: boolean;
  /** Provision this one user of the job (source id or sign-in name) instead of running a cycle. */
  readonly user?: string;
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
  /** For a request with a user: its steps, as `--sync-now --user` prints them. */
  readonly user?: OnDemandReport;
}

/** A one-user request's outcome as a cycle summary, so status-minded callers read both alike. */
export function summarizeOnDemand(report: OnDemandReport): CycleSummary {
  const failed = report.steps.find((s) => s.outcome === 'failed');
  return { job: report.job, outcome: report.outcome, ...(failed ? { message: failed.detail } : {}), counts: {}, durationMs: report.durationMs };
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

/** The request body as JSON (`{"job"?, "allowDeletes"?, "full"?, "user"?}`), or what is wrong with it. */
export function parseSyncRequest(body: unknown): CycleRequest | { error: string } {
  if (body === undefined) return { allowDeletes: false, full: false };
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { error: 'expected a JSON object' };
  const { job, allowDeletes, full, user, ...rest } = body as Record<string, unknown>;
  const unknownKeys = Object.keys(rest);
  if (unknownKeys.length > 0) return { error: `unknown key(s) ${unknownKeys.map((k) => `"${k}"`).join(', ')}; allowed: job, allowDeletes, full, user` };
  if (job !== undefined && (typeof job !== 'string' || job === '')) return { error: '"job" must be a job name' };
  if (allowDeletes !== undefined && typeof allowDeletes !== 'boolean') return { error: '"allowDeletes" must be true or false' };
  if (full !== undefined && typeof full !== 'boolean') return { error: '"full" must be true or false' };
  if (user !== undefined) {
    if (typeof user !== 'string' || user === '') return { error: '"user" must be a source id or sign-in name' };
    if (job === undefined) return { error: '"user" needs "job": a user is provisioned by one job' };
    if (allowDeletes === true || full === true) return { error: '"user" provisions one user: "allowDeletes" and "full" do not apply' };
  }
  return { ...(job === undefined ? {} : { jobName: job }), allowDeletes: allowDeletes ?? false, full: full ?? false, ...(user === undefined ? {} : { user }) };
}

export function toRequestBody(request: CycleRequest): Record<string, unknown> {
  return {
    ...(request.jobName === undefined ? {} : { job: request.jobName }),
    allowDeletes: request.allowDeletes,
    full: request.full,
    ...(request.user === undefined ? {} : { user: request.user }),
  };
}

/** A daemon's one-user answer: its steps are printed and its outcome is the exit code, so it is checked first. */
const onDemandReportSchema = z.object({
  job: z.string(),
  user: z.string(),
  sourceId: z.string().optional(),
  targetId: z.string().optional(),
  outcome: z.enum(['success', 'failed']),
  steps: z.array(z.object({ step: z.number().int(), title: z.string(), outcome: z.enum(['ok', 'skipped', 'failed']), detail: z.string() })),
  durationMs: z.number(),
});

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
  if (!valid) return undefined;
  const user = (body as { user?: unknown }).user;
  if (user === undefined) return { reports: reports as CycleSummary[] };
  const parsed = onDemandReportSchema.safeParse(user);
  return parsed.success ? { reports: reports as CycleSummary[], user: parsed.data } : undefined;
}
