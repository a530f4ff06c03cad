/**
 * Wires a loaded config to the engine: one source adapter per configured source, one SCIM
 * client per job, one state store for all. The imperative shell around `runCycle`.
 */
import type { LoadedConfig } from '../config/load.js';
import type { Logger } from '../log.js';
import { realEnvironment } from '../mapping/map.js';
import { ScimClient } from '../scim/client.js';
import { createSource } from '../sources/index.js';
import type { Source } from '../sources/source.js';
import { StateStore } from '../state/store.js';
import { runCycle, type CycleReport } from '../engine/cycle.js';
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

export async function runJobs(loaded: LoadedConfig, options: RunOptions, log: Logger, store?: StateStore): Promise<CycleReport[]> {
  const jobs = selectJobs(loaded, options.jobName);
  const ownStore = store ?? StateStore.open(loaded.config.state.path);
  const sources = new Map<string, Source>();
  const reports: CycleReport[] = [];
  try {
    for (const job of jobs) {
      const sourceName = job.config.source;
      let source = sources.get(sourceName);
      if (!source) {
        source = await createSource(sourceName, loaded.config.sources[sourceName]!);
        sources.set(sourceName, source);
      }
      const target = job.config.target;
      const jobLog = log.child({ job: job.config.name });
      const client = new ScimClient({
        baseUrl: target.url,
        token: target.token,
        concurrency: target.concurrency,
        timeoutMs: target.timeout,
        maxRetries: target.maxRetries,
        onRetry: (e) => jobLog.warn({ method: e.method, path: e.path, status: e.status, waitMs: e.waitMs, attempt: e.attempt }, 'retrying SCIM request'),
      });
      reports.push(
        await runCycle({ job, source, store: ownStore, client, log, env: realEnvironment, fullSyncEvery: loaded.config.schedule.fullSyncEvery }, options),
      );
    }
  } finally {
    if (!store) ownStore.close();
  }
  return reports;
}
