/** `provisiond reconcile`, loaded only when the command runs (the engine and the SDKs are heavy). */
import { ConfigError } from '../config/errors.js';
import { loadConfigFile } from '../config/load.js';
import { hasDrift, type ReconcileReport } from '../engine/reconcile/report.js';
import { currentProcessOwner, describeHolder, jobLeaseName, Leases } from '../daemon/lock.js';
import { createLogger } from '../log.js';
import { StateStore } from '../state/store.js';
import { RECONCILE_EXIT, type ReconcileCommandOptions } from './commands/reconcile.js';
import { formatReconcile, redactReport } from './format-reconcile.js';
import { selectJobs, UsageError } from './jobs.js';
import { reconcileJob } from './reconcile-runner.js';

export async function runReconcileCommand(configFile: string, options: ReconcileCommandOptions): Promise<number> {
  let loaded;
  let job;
  try {
    loaded = loadConfigFile(configFile);
    if (options.job === undefined && loaded.jobs.length > 1) {
      throw new UsageError(`reconcile needs --job: ${loaded.file} has several jobs (${loaded.jobs.map((j) => j.config.name).join(', ')})`);
    }
    job = selectJobs(loaded, options.job)[0]!;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nprovisiond will not start until the config is fixed.\n`);
      return RECONCILE_EXIT.error;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n`);
      return RECONCILE_EXIT.error;
    }
    throw error;
  }
  const writes = options.repair === true || options.adopt === true;
  // Logs go to stderr, so stdout is the report alone (and, with --json, exactly one JSON document).
  const configured = loaded.config.log.level;
  const log = createLogger(!writes && configured === 'info' ? 'warn' : configured, process.stderr);
  const store = StateStore.open(loaded.config.state.path);
  const leases = new Leases(store, currentProcessOwner(), log);
  let report: ReconcileReport;
  try {
    const name = job.config.name;
    // A repair writes the app and the snapshot: one writer per job, as a cycle.
    if (writes) {
      await leases.acquire(jobLeaseName(name), {
        onWait: (holder) => log.info({ job: name, holder: describeHolder(holder) }, 'waiting for the cycle another process is running of this job to end'),
      });
    }
    report = await reconcileJob(loaded, job, { repair: options.repair === true, adopt: options.adopt === true, allowDeletes: options.allowDeletes === true }, log, store);
  } finally {
    leases.releaseAll();
    store.close();
  }
  const shown = redactReport(report, job.users.sensitivePaths);
  process.stdout.write(options.json ? `${JSON.stringify(shown, null, 2)}\n` : formatReconcile(shown));
  if (report.outcome === 'failed') return RECONCILE_EXIT.error;
  if (options.detailedExitcode && hasDrift(report)) return RECONCILE_EXIT.drift;
  return RECONCILE_EXIT.ok;
}
