import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { EXIT } from '../exit.js';
import { selectJobs, UsageError } from '../jobs.js';
import type { GlobalOptions } from '../load.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description("each job's last runs, next run and pending failures, from the state database (works beside a running daemon)")
    .option('--job <name>', 'only this job')
    .option('--runs <n>', 'runs to show per job', '5')
    .option('--json', 'print JSON instead of text')
    .action(async (options: { job?: string; runs: string; json?: boolean }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const { loadOrExit } = await import('../load.js'); // the config schema (zod, yaml) loads only when a command reads a config
      const loaded = loadOrExit(globals.config);
      const runs = Number(options.runs);
      if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs takes a positive whole number, not "${options.runs}"`);
      const jobs = selectJobs(loaded, options.job ?? globals.job).map((j) => j.config.name);
      const path = loaded.config.state.path;
      if (path !== ':memory:' && !existsSync(path)) {
        process.stdout.write(`state: ${path} does not exist yet: no cycle has run with this config\n`);
        process.exitCode = EXIT.ok;
        return;
      }
      // Loaded here, not at the top: --help and the other commands must not pay for SQLite and the daemon's modules.
      const [{ currentProcessOwner }, { collectStatus, formatStatus }, { StateStore }] = await Promise.all([
        import('../../daemon/lock.js'),
        import('../../daemon/status.js'),
        import('../../state/store.js'),
      ]);
      const store = StateStore.open(path);
      try {
        const report = collectStatus(store, path, jobs, currentProcessOwner(), runs);
        process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report));
      } finally {
        store.close();
      }
    });
}
