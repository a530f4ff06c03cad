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

export interface RunOptions {
  readonly jobName?: string;
  readonly dryRun: boolean;
  readonly allowDeletes: boolean;
  /** An operator asked for this run (--sync-now, POST /sync): quarantine does not hold it back. */
  readonly force?: boolean;
  /** Read the whole directory, even where an incremental read would do. */
  readonly full?: boolean;
}

export function selectJobs(loaded: LoadedConfig, jobName?: string): readonly PreparedJob[] {
  if (jobName === undefined) return loaded.jobs;
  const job = loaded.jobs.find((j) => j.config.name === jobName);
  if (!job) {
    throw new UsageError(`no job named "${jobName}" in ${loaded.file} (jobs: ${loaded.jobs.map((j) => j.config.name).join(', ')})`);
  }
  return [job];
}

export class UsageError extends Error {
  override name = 'UsageError';
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
        source = createSource(sourceName, loaded.config.sources[sourceName]!);
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
      try {
        reports.push(
          await runCycle({ job, source, store: ownStore, client, log, env: realEnvironment, fullSyncEvery: loaded.config.schedule.fullSyncEvery }, options),
        );
      } finally {
        // The client owns a keep-alive connection pool; a daemon runs a cycle every few minutes.
        await client.close();
      }
    }
  } finally {
    if (!store) ownStore.close();
  }
  return reports;
}
