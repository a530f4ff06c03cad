import type { Command } from 'commander';
import { EXIT } from '../exit.js';
import type { GlobalOptions } from '../load.js';

interface PlanOptions {
  job?: string;
  json?: boolean;
  all?: boolean;
  detailedExitcode?: boolean;
}

/** Objects listed per kind on a terminal; a pipe or a file gets them all. */
const TERMINAL_LIST = 10;

/** `plan --detailed-exitcode`, as Terraform's: 0 nothing to do, 2 changes pending, 1 any error. */
export const PLAN_EXIT = { noChanges: 0, error: 1, changes: 2 } as const;

export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('dry run: print what a cycle would send, grouped by kind, without sending or recording anything (reads only); exits 1 when a source could not be read in full')
    .option('--job <name>', 'only this job')
    .option('--json', 'print the plan as one JSON document on stdout (every operation, with old → new values); logs stay on stderr')
    .option('--all', 'list every object on a terminal too (by default a terminal shows the first 10 of each kind)')
    .option('--detailed-exitcode', 'exit 0 when there is nothing to do, 2 when changes are pending, 1 on any error (config included)')
    .action(async (options: PlanOptions, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const detailed = options.detailedExitcode === true;
      const { loadOrExit } = await import('../load.js'); // the config schema (zod, yaml) loads only when a command reads a config
      const loaded = loadOrExit(globals.config, undefined, detailed ? PLAN_EXIT.error : EXIT.config);
      // Loaded here, not at the top: --help and the other commands must not pay for the engine and the SDKs.
      const [{ createLogger, resolveLogFormat }, format, { runJobs }] = await Promise.all([import('../../log.js'), import('../format-plan.js'), import('../runner.js')]);
      // Logs go to stderr so the plan on stdout can be piped, diffed or parsed.
      const log = createLogger(loaded.config.log.level === 'info' ? 'warn' : loaded.config.log.level, process.stderr, resolveLogFormat(globals.logFormat, process.stderr));
      const reports = await runJobs(loaded, { jobName: options.job ?? globals.job, dryRun: true, allowDeletes: false }, log);
      const jobOf = (name: string) => loaded.jobs.find((j) => j.config.name === name);
      const optionsOf = (name: string) => ({ sensitive: jobOf(name)?.users.sensitivePaths, source: jobOf(name)?.config.source });
      const incomplete = reports.some(format.readIncomplete);
      const changes = format.hasChanges(format.addPlanCounts(reports.map(format.planCounts)));
      if (options.json) {
        process.stdout.write(`${JSON.stringify(format.planJson(reports, optionsOf), null, 2)}\n`);
      } else {
        const limit = process.stdout.isTTY === true && !options.all ? TERMINAL_LIST : undefined;
        const text = reports.map((report) => format.formatPlan(report, { ...optionsOf(report.job), limit }));
        process.stdout.write(`${text.join('\n\n')}\n\n${format.formatPlanSummary(reports)}\n`);
      }
      // A plan from an incomplete read is no answer: scripts must not read it as "nothing to do".
      if (detailed) process.exitCode = incomplete ? PLAN_EXIT.error : changes ? PLAN_EXIT.changes : PLAN_EXIT.noChanges;
      else process.exitCode = incomplete ? EXIT.failed : EXIT.ok;
    });
}
