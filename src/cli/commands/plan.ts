import type { Command } from 'commander';
import { createLogger } from '../../log.js';
import { EXIT } from '../exit.js';
import { formatPlan } from '../format-plan.js';
import { loadOrExit, type GlobalOptions } from '../load.js';
import { runJobs } from '../runner.js';

export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('dry run: print what a cycle would send, grouped by kind, without sending or recording anything (reads only)')
    .option('--job <name>', 'only this job')
    .action(async (options: { job?: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const loaded = loadOrExit(globals.config);
      // Logs go to stderr so the plan on stdout can be piped or diffed.
      const log = createLogger(loaded.config.log.level === 'info' ? 'warn' : loaded.config.log.level, process.stderr);
      const reports = await runJobs(loaded, { jobName: options.job ?? globals.job, dryRun: true, allowDeletes: false }, log);
      const sensitiveOf = (job: string) => loaded.jobs.find((j) => j.config.name === job)?.users.sensitivePaths;
      process.stdout.write(`${reports.map((report) => formatPlan(report, sensitiveOf(report.job))).join('\n\n')}\n`);
      process.exitCode = reports.some((r) => r.outcome === 'failed') ? EXIT.failed : EXIT.ok;
    });
}
