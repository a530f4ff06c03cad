#!/usr/bin/env node
/**
 * The provisiond command line. Exit codes: 0 success; 1 a cycle failed (read failure or an
 * operation the target refused); 2 bad config or usage; 3 deprovisioning held back by a guard.
 */
import { Command, Option } from 'commander';
import { ConfigError } from './config/errors.js';
import { loadConfigFile, type LoadedConfig } from './config/load.js';
import { createLogger, type Logger } from './log.js';
import { formatPlan } from './cli/format-plan.js';
import { runJobs, UsageError } from './cli/runner.js';
import type { CycleReport } from './engine/cycle.js';

const EXIT = { ok: 0, failed: 1, config: 2, held: 3 } as const;

interface GlobalOptions {
  config: string;
  syncNow?: boolean;
  job?: string;
  allowDeletes?: boolean;
}

const program = new Command()
  .name('provisiond')
  .description('Provision users from Microsoft Entra ID to SCIM 2.0 apps. Without a command, runs as a daemon.')
  .addOption(
    new Option('-c, --config <path>', 'config file').env('PROVISIOND_CONFIG').default('config/provisiond.yaml'),
  )
  .option('--sync-now', 'run one cycle of every job (or --job) now, then exit: 0 on success, non-zero otherwise')
  .option('--job <name>', 'limit --sync-now or plan to one job')
  .option('--allow-deletes', 'with --sync-now: let disables and deletes above safety.maxDeletes through, once')
  .showHelpAfterError()
  .action(async (options: GlobalOptions) => {
    const loaded = loadOrExit(options.config);
    const log = createLogger(loaded.config.log.level);
    if (options.syncNow) {
      process.exitCode = exitCodeFor(await runJobs(loaded, { jobName: options.job, dryRun: false, allowDeletes: options.allowDeletes ?? false }, log));
      return;
    }
    await runDaemon(loaded, log);
  });

program
  .command('validate')
  .description('check the config file (schema, references, mappings and expressions) and exit')
  .action((_options, command: Command) => {
    const { config } = command.optsWithGlobals<GlobalOptions>();
    const loaded = loadOrExit(config);
    process.stdout.write(`${loaded.file}: valid (${loaded.jobs.length} job(s): ${loaded.jobs.map((j) => j.config.name).join(', ')})\n`);
  });

program
  .command('plan')
  .description('print what a cycle would send, without sending or recording anything (reads the source and snapshot only)')
  .option('--job <name>', 'only this job')
  .action(async (options: { job?: string }, command: Command) => {
    const globals = command.optsWithGlobals<GlobalOptions>();
    const loaded = loadOrExit(globals.config);
    // Logs go to stderr so the plan on stdout can be piped or diffed.
    const log = createLogger(loaded.config.log.level === 'info' ? 'warn' : loaded.config.log.level, process.stderr);
    const reports = await runJobs(loaded, { jobName: options.job ?? globals.job, dryRun: true, allowDeletes: false }, log);
    process.stdout.write(`${reports.map(formatPlan).join('\n\n')}\n`);
    process.exitCode = reports.some((r) => r.outcome === 'failed') ? EXIT.failed : EXIT.ok;
  });

function loadOrExit(file: string): LoadedConfig {
  try {
    return loadConfigFile(file);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nprovisiond will not start until the config is fixed.\n`);
      process.exit(EXIT.config);
    }
    throw error;
  }
}

function exitCodeFor(reports: readonly CycleReport[]): number {
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

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(EXIT.config);
  }
  process.stderr.write(`provisiond: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(EXIT.failed);
});
