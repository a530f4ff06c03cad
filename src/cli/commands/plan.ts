import type { Command } from 'commander';
import { EXIT } from '../exit.js';
import type { GlobalOptions } from '../load.js';

export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('dry run: print what a cycle would send, grouped by kind, without sending or recording anything (reads only)')
    .option('--job <name>', 'only this job')
    .action(async (options: { job?: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const { loadOrExit } = await import('../load.js'); // the config schema (zod, yaml) loads only when a command reads a config
      const loaded = loadOrExit(globals.config);
      // Loaded here, not at the top: --help and the other commands must not pay for the engine and the SDKs.
      const [{ createLogger }, { formatPlan }, { runJobs }] = await Promise.all([import('../../log.js'), import('../format-plan.js'), import('../runner.js')]);
      // Logs go to stderr so the plan on stdout can be piped or diffed.
      const log = createLogger(loaded.config.log.level === 'info' ? 'warn' : loaded.config.log.level, process.stderr);
      const reports = await runJobs(loaded, { jobName: options.job ?? globals.job, dryRun: true, allowDeletes: false }, log);
      const sensitiveOf = (job: string) => loaded.jobs.find((j) => j.config.name === job)?.users.sensitivePaths;
      process.stdout.write(`${reports.map((report) => formatPlan(report, sensitiveOf(report.job))).join('\n\n')}\n`);
      process.exitCode = reports.some((r) => r.outcome === 'failed') ? EXIT.failed : EXIT.ok;
    });
}
