import type { CycleOutcome } from '../../engine/cycle.js';
import { createLogger, flushLogs, resolveLogFormat } from '../../log.js';
import { StateStore } from '../../state/store.js';
import { EXIT } from '../exit.js';
import { loadOrExit, type GlobalOptions } from '../load.js';
import { selectJobs, UsageError } from '../jobs.js';
import type { LoadedConfig, PreparedJob } from '../../config/load.js';

export interface RootOptions extends GlobalOptions {
  full?: boolean;
  user?: string;
}

export interface Invocation {
  /** The command as the user typed it, up to the options we add: `provisiond` or `provisiond --config x.yaml`. */
  readonly command: string;
}

/**
 * The root command: `--sync-now` runs one cycle of each job (or hands it to the running daemon)
 * and exits with its outcome; otherwise provisiond runs as a daemon until SIGTERM/SIGINT.
 */
export async function runRoot(options: RootOptions, invocation: Invocation = { command: 'provisiond' }): Promise<void> {
  if (!options.syncNow) {
    // A daemon that deleted past the guard on every cycle, or ran one job only, would surprise everyone.
    if (options.user !== undefined) throw new UsageError('--user goes with --sync-now --job NAME (provision on demand) or with preview');
    const misplaced = [options.allowDeletes && '--allow-deletes', options.full && '--full', options.job !== undefined && '--job'].filter(Boolean);
    if (misplaced.length > 0) throw new UsageError(`${misplaced.join(', ')} only go with --sync-now (or plan)`);
  }
  if (options.user !== undefined && (options.full || options.allowDeletes)) {
    throw new UsageError('--user provisions one user: --full and --allow-deletes do not apply to it');
  }
  const loaded = loadOrExit(options.config);
  if (options.syncNow && options.user !== undefined) {
    await provisionOne(loaded, options.job, options.user, options.logFormat);
    return;
  }
  const format = resolveLogFormat(options.logFormat, process.stdout);
  const log = createLogger(loaded.config.log.level, undefined, format);
  if (options.syncNow) {
    // The daemon's modules (HTTP server, metrics, scheduler) load only for the daemon, and the reverse.
    const { syncNow } = await import('../../daemon/sync-now.js');
    const store = StateStore.open(loaded.config.state.path);
    try {
      const reports = await syncNow(loaded, { jobName: options.job, allowDeletes: options.allowDeletes ?? false, full: options.full ?? false }, store, log);
      const exitCode = exitCodeFor(reports);
      const { buildSyncSummary, formatSyncSummary, syncSummaryRecord } = await import('../sync-summary.js');
      const summary = buildSyncSummary(reports, { command: invocation.command, exitCode });
      // Last on stdout, after every log line, in the logs' format: a block for a person, one JSON record for a log store.
      const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
      flushLogs();
      process.stdout.write(format === 'pretty' ? formatSyncSummary(summary, { color }) : `${syncSummaryRecord(summary)}\n`);
      process.exitCode = exitCode;
    } finally {
      store.close();
    }
    return;
  }
  const { runDaemon } = await import('../../daemon/daemon.js');
  await runDaemon({ configFile: options.config, loaded, log });
}

/** `--sync-now --user`: the steps on stdout (logs on stderr, as for plan), exit 0 or 1. */
async function provisionOne(loaded: LoadedConfig, jobName: string | undefined, user: string, logFormat: RootOptions['logFormat']): Promise<void> {
  if (jobName === undefined && loaded.jobs.length !== 1) {
    throw new UsageError(`--user needs --job: ${loaded.file} has ${loaded.jobs.length} jobs (${loaded.jobs.map((j) => j.config.name).join(', ')})`);
  }
  const job = selectJobs(loaded, jobName ?? loaded.jobs[0]?.config.name)[0] as PreparedJob;
  const log = createLogger(loaded.config.log.level, process.stderr, resolveLogFormat(logFormat, process.stderr));
  const [{ provisionUserNow }, { formatOnDemand }] = await Promise.all([import('../../daemon/sync-now.js'), import('../format-on-demand.js')]);
  const store = StateStore.open(loaded.config.state.path);
  try {
    const report = await provisionUserNow(loaded, job.config.name, user, store, log);
    process.stdout.write(formatOnDemand(report));
    const failed = report.steps.find((s) => s.outcome === 'failed');
    if (failed) process.stderr.write(`provision on demand failed at step ${failed.step} (${failed.title}): ${failed.detail}\n`);
    process.exitCode = report.outcome === 'success' ? EXIT.ok : EXIT.failed;
  } finally {
    store.close();
  }
}

export function exitCodeFor(reports: readonly { readonly outcome: CycleOutcome }[]): number {
  if (reports.some((r) => r.outcome === 'failed' || r.outcome === 'quarantined')) return EXIT.failed;
  if (reports.some((r) => r.outcome === 'guarded' || r.outcome === 'partial')) return EXIT.held;
  return EXIT.ok;
}
