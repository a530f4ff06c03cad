import type { CycleOutcome } from '../../engine/cycle.js';
import { createLogger, resolveLogFormat } from '../../log.js';
import { StateStore } from '../../state/store.js';
import { EXIT } from '../exit.js';
import { loadOrExit, type GlobalOptions } from '../load.js';
import { UsageError } from '../jobs.js';

export interface RootOptions extends GlobalOptions {
  full?: boolean;
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
    const misplaced = [options.allowDeletes && '--allow-deletes', options.full && '--full', options.job !== undefined && '--job'].filter(Boolean);
    if (misplaced.length > 0) throw new UsageError(`${misplaced.join(', ')} only go with --sync-now (or plan)`);
  }
  const loaded = loadOrExit(options.config);
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

export function exitCodeFor(reports: readonly { readonly outcome: CycleOutcome }[]): number {
  if (reports.some((r) => r.outcome === 'failed' || r.outcome === 'quarantined')) return EXIT.failed;
  if (reports.some((r) => r.outcome === 'guarded' || r.outcome === 'partial')) return EXIT.held;
  return EXIT.ok;
}
