import type { Command } from 'commander';
import { createLogger } from '../../log.js';
import { EXIT } from '../exit.js';
import { formatPlan, readIncomplete } from '../format-plan.js';
import { loadOrExit, type GlobalOptions } from '../load.js';
import { runJobs } from '../runner.js';

export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('dry run: print what a cycle would send, grouped by kind, without sending or recording anything (reads only); exits 1 when a source could not be read in full')
    .option('--job <name>', 'only this job')
    .action(async (options: { job?: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const loaded = loadOrExit(globals.config);
      // Logs go to stderr so the plan on stdout can be piped or diffed.
      const log = createLogger(loaded.config.log.level === 'info' ? 'warn' : loaded.config.log.level, process.stderr);
      const reports = await runJobs(loaded, { jobName: options.job ?? globals.job, dryRun: true, allowDeletes: false }, log);
      const jobOf = (name: string) => loaded.jobs.find((j) => j.config.name === name);
      const text = reports.map((report) => formatPlan(report, { sensitive: jobOf(report.job)?.users.sensitivePaths, source: jobOf(report.job)?.config.source }));
      process.stdout.write(`${text.join('\n\n')}\n`);
      // A plan from an incomplete read is no answer: scripts must not read it as "nothing to do".
      process.exitCode = reports.some(readIncomplete) ? EXIT.failed : EXIT.ok;
    });
}
