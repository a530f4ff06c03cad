/**
 * Wires one job's reconcile: its source adapter and SCIM client around the engine's runReconcile.
 * Shared by `provisiond reconcile` and the daemon's scheduled reconciliation.
 */
import type { LoadedConfig, PreparedJob } from '../config/load.js';
import { runReconcile, type ReconcileOptions } from '../engine/reconcile/reconcile.js';
import type { ReconcileReport } from '../engine/reconcile/report.js';
import type { Logger } from '../log.js';
import { realEnvironment } from '../mapping/map.js';
import { createSource } from '../sources/index.js';
import type { StateStore } from '../state/store.js';
import { createTargetClient } from './runner.js';

export async function reconcileJob(loaded: LoadedConfig, job: PreparedJob, options: ReconcileOptions, log: Logger, store: StateStore): Promise<ReconcileReport> {
  const source = await createSource(job.config.source, loaded.config.sources[job.config.source]!);
  const client = createTargetClient(job, log);
  try {
    return await runReconcile({ job, source, store, client, log, env: realEnvironment, fullSyncEvery: loaded.config.schedule.fullSyncEvery }, options);
  } finally {
    await client.close();
  }
}
