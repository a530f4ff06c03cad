/**
 * Wires a loaded config to the engine: one source adapter per configured source, one SCIM
 * client per job, one state store for all. The imperative shell around `runCycle`.
 */
import type { LoadedConfig, PreparedJob } from '../config/load.js';
import type { Logger } from '../log.js';
import { realEnvironment } from '../mapping/map.js';
import { ScimClient } from '../scim/client.js';
import { createSource } from '../sources/index.js';
import type { Source } from '../sources/source.js';
import { StateStore } from '../state/store.js';
import { runCycle, type CycleReport } from '../engine/cycle.js';
import { failedOnDemand, provisionOnDemand, type OnDemandReport } from '../engine/on-demand.js';
import { selectJobs } from './jobs.js';

// Re-exported for the callers that import them from here; they live in jobs.ts so light commands need not load the engine.
export { selectJobs, UsageError } from './jobs.js';

export interface RunOptions {
  readonly jobName?: string;
  readonly dryRun: boolean;
  readonly allowDeletes: boolean;
  /** An operator asked for this run (--sync-now, POST /sync): quarantine does not hold it back. */
  readonly force?: boolean;
  /** Read the whole directory, even where an incremental read would do. */
  readonly full?: boolean;
}

/**
 * One cycle of each selected job, one after the other. A job whose cycle throws (its source cannot
 * be set up, a bug, a dependency that broke) is reported as failed with the error, and the jobs
 * after it still run: one broken job never takes the others down with it.
 */
export async function runJobs(loaded: LoadedConfig, options: RunOptions, log: Logger, store?: StateStore): Promise<CycleReport[]> {
  const jobs = selectJobs(loaded, options.jobName);
  const ownStore = store ?? StateStore.open(loaded.config.state.path);
  const sources = new Map<string, Source>();
  const reports: CycleReport[] = [];
  try {
    for (const job of jobs) {
      const started = Date.now();
      try {
        reports.push(await runJob(loaded, job, sources, ownStore, log, options));
      } catch (error) {
        reports.push(crashed(job.config.name, error, Date.now() - started, ownStore, log, options));
      }
    }
  } finally {
    if (!store) ownStore.close();
  }
  return reports;
}

async function runJob(loaded: LoadedConfig, job: PreparedJob, sources: Map<string, Source>, store: StateStore, log: Logger, options: RunOptions): Promise<CycleReport> {
  const sourceName = job.config.source;
  let source = sources.get(sourceName);
  if (!source) {
    source = await createSource(sourceName, loaded.config.sources[sourceName]!);
    sources.set(sourceName, source);
  }
  const client = createTargetClient(job, log);
  try {
    return await runCycle({ job, source, store, client, log, env: realEnvironment, fullSyncEvery: loaded.config.schedule.fullSyncEvery }, options);
  } finally {
    // The client owns a keep-alive connection pool; a daemon runs a cycle every few minutes.
    await client.close();
  }
}

/** The job's SCIM client: one keep-alive pool as wide as the job's concurrency; the caller closes it. */
export function createTargetClient(job: PreparedJob, log: Logger): ScimClient {
  const target = job.config.target;
  const jobLog = log.child({ job: job.config.name });
  return new ScimClient({
    baseUrl: target.url,
    token: target.token,
    concurrency: target.concurrency,
    timeoutMs: target.timeout,
    maxRetries: target.maxRetries,
    onRetry: (e) => jobLog.warn({ method: e.method, path: e.path, status: e.status, waitMs: e.waitMs, attempt: e.attempt }, 'retrying SCIM request'),
  });
}


/**
 * Provision on demand: one user of one job, now (the caller holds the job's lease). A source that
 * cannot be set up fails the request's first step; nothing throws for what the IdP or app answer.
 */
export async function provisionUser(loaded: LoadedConfig, jobName: string, user: string, log: Logger, store: StateStore): Promise<OnDemandReport> {
  const [job] = selectJobs(loaded, jobName) as [PreparedJob];
  const sourceName = job.config.source;
  let source: Source;
  try {
    source = await createSource(sourceName, loaded.config.sources[sourceName]!);
  } catch (error) {
    return failedOnDemand(jobName, user, sourceName, `the source could not be set up: ${error instanceof Error ? error.message : String(error)}`);
  }
  const client = createTargetClient(job, log);
  try {
    return await provisionOnDemand({ job, source, store, client, log, env: realEnvironment }, user);
  } finally {
    await client.close();
  }
}

/**
 * The report of a cycle that threw. Outside a dry run its run is recorded as failed with the error
 * (the caller holds the job's lease, so a run left 'running' is this cycle's), so `status` and the
 * metrics see the failure too.
 */
function crashed(job: string, error: unknown, durationMs: number, store: StateStore, log: Logger, options: RunOptions): CycleReport {
  const message = `cycle crashed: ${error instanceof Error ? error.message : String(error)}`;
  let runId: number | undefined;
  if (!options.dryRun) {
    try {
      if (store.interruptRunningRuns(job, message) > 0) {
        runId = store.latestRun(job)?.id;
      } else {
        runId = store.startRun(job, 'full');
        store.finishRun(runId, 'failed', {}, message);
      }
    } catch {
      // The store may be what broke; the report and the log still say what happened.
    }
  }
  log.error({ job, ...(runId === undefined ? {} : { runId }), outcome: 'failed', reason: message }, 'cycle failed');
  return {
    job,
    ...(runId === undefined ? {} : { runId }),
    outcome: 'failed',
    message,
    plan: { operations: [], skipped: [] },
    guard: { verdict: 'pass', allowed: [], held: [] },
    counts: {},
    durationMs,
  };
}
