import type { Command } from 'commander';
import type { GlobalOptions } from '../load.js';

export interface ReconcileCommandOptions {
  job?: string;
  json?: boolean;
  detailedExitcode?: boolean;
  repair?: boolean;
  adopt?: boolean;
  allowDeletes?: boolean;
}

/**
 * Exit codes, as plan's: 0 the report ran, 1 an error of any kind. With --detailed-exitcode: 0 in
 * sync, 2 drift or missing objects found (repaired or not), 1 an error — a bad config included,
 * which is why this command never exits with the config code 2.
 */
export const RECONCILE_EXIT = { ok: 0, error: 1, drift: 2 } as const;

export function registerReconcile(program: Command): void {
  program
    .command('reconcile')
    .description('compare what the app really holds with what the source says it should (drift, missing objects, unmanaged accounts, membership drift); --repair sends the difference')
    .option('--job <name>', 'the job to reconcile (required when the config has several)')
    .option('--json', 'print one JSON document on stdout (logs go to stderr)')
    .option('--detailed-exitcode', 'exit 0 when in sync, 2 when drift or missing objects were found, 1 on any error')
    .option('--repair', 'PATCH drifted attributes, re-create or re-link missing objects, fix provisioned groups’ members; never touches unmanaged accounts')
    .option('--adopt', 'link unmanaged accounts that an in-scope source user matches, then update them like any linked user')
    .option('--allow-deletes', 'with --repair: let disables above safety.maxDeletes through, once')
    .action(async (options: ReconcileCommandOptions, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions & ReconcileCommandOptions>();
      const { runReconcileCommand } = await import('../reconcile-command.js');
      process.exitCode = await runReconcileCommand(globals.config, { ...options, job: options.job ?? globals.job, allowDeletes: options.allowDeletes ?? globals.allowDeletes });
    });
}
