import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { EXIT } from '../exit.js';
import { selectJobs, UsageError } from '../jobs.js';
import type { GlobalOptions } from '../load.js';

interface ResetOptions {
  job?: string;
  links?: boolean;
  cursors?: boolean;
  escrow?: boolean;
  quarantine?: boolean;
  all?: boolean;
  yes?: boolean;
}

/** Entra's "restart provisioning": forget links, read cursors, escrow or quarantine of one job. */
export function registerReset(program: Command): void {
  program
    .command('reset')
    .description('forget what provisiond knows about a job: links, read cursors, escrow, quarantine (explains what it would do unless --yes)')
    .option('--job <name>', 'the job to reset (required)')
    .option('--links', 'forget every user and group link and recorded membership; the next cycle re-matches existing accounts (implies --cursors)')
    .option('--cursors', 'the next cycle reads users and groups in full')
    .option('--escrow', 'clear the failed operations waiting in escrow')
    .option('--quarantine', 'lift the quarantine')
    .option('--all', 'all of the above')
    .option('--yes', 'do it (without it, only explain what it would do)')
    .action(async (options: ResetOptions, command: Command) => {
      // --job is also a root option (for --sync-now), and commander gives it to whichever parses it first.
      const globals = command.optsWithGlobals<GlobalOptions>();
      const jobName = options.job ?? globals.job;
      if (!jobName) throw new UsageError("reset: --job <name> is required: a reset applies to one job");
      const all = options.all ?? false;
      const flags = {
        links: all || (options.links ?? false),
        cursors: all || (options.cursors ?? false),
        escrow: all || (options.escrow ?? false),
        quarantine: all || (options.quarantine ?? false),
      };
      if (!Object.values(flags).some(Boolean)) throw new UsageError('reset: say what to forget: --links, --cursors, --escrow, --quarantine or --all');
      const { loadOrExit } = await import('../load.js'); // the config schema (zod, yaml) loads only when a command reads a config
      const loaded = loadOrExit(globals.config);
      const [job] = selectJobs(loaded, jobName);
      if (!job) return;
      const name = job.config.name;
      const path = loaded.config.state.path;
      if (path !== ':memory:' && !existsSync(path)) {
        process.stdout.write(`state: ${path} does not exist yet: no cycle has run with this config, so there is nothing to reset\n`);
        process.exitCode = EXIT.ok;
        return;
      }
      // Loaded here, not at the top: --help and the other commands must not pay for SQLite and the engine.
      const [{ StateStore }, { planReset, formatReset }, { readQuarantine }, { createLogger }, { currentProcessOwner, describeHolder, jobLeaseName, Leases }] = await Promise.all([
        import('../../state/store.js'),
        import('../../engine/reset.js'),
        import('../../engine/cycle.js'),
        import('../../log.js'),
        import('../../daemon/lock.js'),
      ]);
      const store = StateStore.open(path);
      const leases = new Leases(store, currentProcessOwner(), createLogger(loaded.config.log.level, process.stderr));
      try {
        const explain = () => planReset(flags, store.jobState(name), readQuarantine(store, name));
        if (!options.yes) {
          process.stdout.write(formatReset(name, explain(), false));
          process.exitCode = EXIT.ok;
          return;
        }
        // Never under a running cycle: it would write links and cursors back over the reset.
        const lease = leases.tryAcquire(jobLeaseName(name));
        if (!lease.acquired) {
          process.stderr.write(`reset refused: a cycle of job "${name}" is running (${describeHolder(lease.current)}); nothing was changed. Run it again when the cycle has ended.\n`);
          process.exitCode = EXIT.failed;
          return;
        }
        const plan = explain();
        store.resetJob(name, plan.parts);
        process.stdout.write(formatReset(name, plan, true));
        process.exitCode = EXIT.ok;
      } finally {
        leases.releaseAll();
        store.close();
      }
    });
}
