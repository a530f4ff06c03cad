import type { LoadedConfig } from '../../config/load.js';
import type { CycleReport } from '../../engine/cycle.js';
import { createLogger, type Logger } from '../../log.js';
import { EXIT } from '../exit.js';
import { loadOrExit, type GlobalOptions } from '../load.js';
import { runJobs } from '../runner.js';

/** The root command: `--sync-now` runs one cycle and exits; otherwise provisiond runs as a daemon. */
export async function runRoot(options: GlobalOptions): Promise<void> {
  const loaded = loadOrExit(options.config);
  const log = createLogger(loaded.config.log.level);
  if (options.syncNow) {
    const reports = await runJobs(loaded, { jobName: options.job, dryRun: false, allowDeletes: options.allowDeletes ?? false }, log);
    process.exitCode = exitCodeFor(reports);
    return;
  }
  await runDaemon(loaded, log);
}

export function exitCodeFor(reports: readonly CycleReport[]): number {
  if (reports.some((r) => r.outcome === 'failed')) return EXIT.failed;
  if (reports.some((r) => r.outcome === 'guarded' || r.outcome === 'partial')) return EXIT.held;
  return EXIT.ok;
}

/** Runs every job, then waits `schedule.every`, until SIGTERM/SIGINT; a cycle in flight is let finish. */
async function runDaemon(loaded: LoadedConfig, log: Logger): Promise<void> {
  let stopping = false;
  let wake: (() => void) | undefined;
  const stop = (signal: string) => {
    if (stopping) process.exit(EXIT.failed);
    stopping = true;
    log.info({ signal }, 'stopping after the current cycle');
    wake?.();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  const every = loaded.config.schedule.every;
  log.info({ jobs: loaded.jobs.map((j) => j.config.name), everyMs: every }, 'provisiond started');
  while (!stopping) {
    try {
      await runJobs(loaded, { dryRun: false, allowDeletes: false }, log);
    } catch (error) {
      log.error({ error: error instanceof Error ? error.message : String(error) }, 'cycle crashed');
    }
    if (stopping) break;
    log.info({ nextRunAt: new Date(Date.now() + every).toISOString() }, 'next cycle scheduled');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, every);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
  log.info('provisiond stopped');
}
