#!/usr/bin/env node
/**
 * The provisiond command line: one module per command under cli/commands/.
 * Exit codes are in cli/exit.ts and the README: usage errors, commander's own included, exit 2;
 * under `plan --detailed-exitcode` every error exits 1, as Terraform's does.
 *
 * Start-up time matters (`validate`, `status` and `--help` run in CI and by hand), so this module
 * and the command registrations import only what parsing needs; each command loads its engine,
 * the IdP SDKs and the daemon when it runs (test/e2e/lazy-loading.test.ts keeps it so).
 */
import { Command, Option } from 'commander';
import { registerExpr } from './cli/commands/expr.js';
import { registerHealthcheck } from './cli/commands/healthcheck.js';
import { registerPlan } from './cli/commands/plan.js';
import { registerPreview } from './cli/commands/preview.js';
import { registerReconcile } from './cli/commands/reconcile.js';
import { registerReset } from './cli/commands/reset.js';
import type { RootOptions } from './cli/commands/run.js';
import { registerSchema } from './cli/commands/schema.js';
import { registerStatus } from './cli/commands/status.js';
import { registerValidate } from './cli/commands/validate.js';
import { EXIT } from './cli/exit.js';
import { UsageError } from './cli/jobs.js';
import { productVersion } from './version.js';

// The container's ENTRYPOINT is provisiond, so `docker run IMAGE provisiond --sync-now` arrives with a leading "provisiond".
const args = process.argv.slice(2);
if (args[0] === 'provisiond') args.shift();
// Read before parsing, because a parse error is one of the errors it renumbers.
const detailedExitCode = args.includes('plan') && args.includes('--detailed-exitcode');
const usageExit = detailedExitCode ? EXIT.failed : EXIT.config;

const program = new Command()
  .name('provisiond')
  .version(productVersion(), '-V, --version', 'print the version and exit')
  // Commander exits 1 on a usage error; scripts are promised 2. Set before the subcommands, which inherit it.
  .exitOverride((error) => process.exit(error.exitCode === 0 ? EXIT.ok : usageExit))
  .description('Provision users, groups and memberships from Microsoft Entra ID or Okta to SCIM 2.0 apps. Without a command, runs as a daemon.')
  .addOption(new Option('-c, --config <path>', 'config file').env('PROVISIOND_CONFIG').default('config/provisiond.yaml'))
  .option('--sync-now', 'run one cycle of every job (or --job) now, then exit: 0 on success, non-zero otherwise; beside a running daemon, the daemon runs it')
  .option('--job <name>', 'limit --sync-now or plan to one job')
  .option('--allow-deletes', 'with --sync-now: let disables and deletes above safety.maxDeletes through, once')
  .option('--full', 'with --sync-now: read the whole directory, where the cycle would read only changes')
  .option('--user <id or sign-in name>', 'with --sync-now and --job: provision this one user now (provision on demand), step by step; nothing else is sent')
  .addOption(new Option('--log-format <format>', 'log lines as pretty text or JSON (default: pretty on a terminal, JSON otherwise)').choices(['pretty', 'json']).env('PROVISIOND_LOG_FORMAT'))
  .showHelpAfterError()
  .action(async (options: RootOptions, command: Command) => {
    const { runRoot } = await import('./cli/commands/run.js');
    // Commands we suggest (the guard's release, a re-run) must work when pasted: they name the config file the user named.
    const config = command.getOptionValueSource('config') === 'cli' ? ` --config ${shellQuote(options.config)}` : '';
    await runRoot(options, { command: `provisiond${config}` });
  });

registerValidate(program);
registerPlan(program);
registerPreview(program);
registerReconcile(program);
registerExpr(program);
registerSchema(program);
registerStatus(program);
registerHealthcheck(program);
registerReset(program);

program.parseAsync(args, { from: 'user' }).catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(usageExit);
  }
  process.stderr.write(`provisiond: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(EXIT.failed);
});

function shellQuote(value: string): string {
  return /^[\w./:@%+=-]+$/.test(value) ? value : `'${value.replace(/'/g, "'\\''")}'`;
}
