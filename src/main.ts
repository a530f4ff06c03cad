#!/usr/bin/env node
/**
 * The provisiond command line: one module per command under cli/commands/.
 * Exit codes are in cli/exit.ts and the README.
 *
 * Start-up time matters (`validate`, `status` and `--help` run in CI and by hand), so this module
 * and the command registrations import only what parsing needs; each command loads its engine,
 * the IdP SDKs and the daemon when it runs (test/e2e/lazy-loading.test.ts keeps it so).
 */
import { Command, Option } from 'commander';
import { registerExpr } from './cli/commands/expr.js';
import { registerPlan } from './cli/commands/plan.js';
import { registerPreview } from './cli/commands/preview.js';
import { registerReconcile } from './cli/commands/reconcile.js';
import type { RootOptions } from './cli/commands/run.js';
import { registerSchema } from './cli/commands/schema.js';
import { registerStatus } from './cli/commands/status.js';
import { registerValidate } from './cli/commands/validate.js';
import { EXIT } from './cli/exit.js';
import { UsageError } from './cli/jobs.js';

const program = new Command()
  .name('provisiond')
  .description('Provision users, groups and memberships from Microsoft Entra ID or Okta to SCIM 2.0 apps. Without a command, runs as a daemon.')
  .addOption(new Option('-c, --config <path>', 'config file').env('PROVISIOND_CONFIG').default('config/provisiond.yaml'))
  .option('--sync-now', 'run one cycle of every job (or --job) now, then exit: 0 on success, non-zero otherwise; beside a running daemon, the daemon runs it')
  .option('--job <name>', 'limit --sync-now or plan to one job')
  .option('--allow-deletes', 'with --sync-now: let disables and deletes above safety.maxDeletes through, once')
  .option('--full', 'with --sync-now: read the whole directory, where the cycle would read only changes')
  .showHelpAfterError()
  .action(async (options: RootOptions) => {
    const { runRoot } = await import('./cli/commands/run.js');
    await runRoot(options);
  });

registerValidate(program);
registerPlan(program);
registerPreview(program);
registerReconcile(program);
registerExpr(program);
registerSchema(program);
registerStatus(program);

// The container's ENTRYPOINT is provisiond, so `docker run IMAGE provisiond --sync-now` arrives with a leading "provisiond".
const args = process.argv.slice(2);
if (args[0] === 'provisiond') args.shift();

program.parseAsync(args, { from: 'user' }).catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(EXIT.config);
  }
  process.stderr.write(`provisiond: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(EXIT.failed);
});
