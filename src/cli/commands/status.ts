import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { currentProcessOwner } from '../../daemon/lock.js';
import { collectStatus, formatStatus } from '../../daemon/status.js';
import { StateStore } from '../../state/store.js';
import { EXIT } from '../exit.js';
import { loadOrExit, type GlobalOptions } from '../load.js';
import { selectJobs, UsageError } from '../runner.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description("each job's last runs, next run and pending failures, from the state database (works beside a running daemon)")
    .option('--job <name>', 'only this job')
    .option('--runs <n>', 'runs to show per job', '5')
    .option('--json', 'print JSON instead of text')
    .action((options: { job?: string; runs: string; json?: boolean }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
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
      const store = StateStore.open(path);
      try {
        const report = collectStatus(store, path, jobs, currentProcessOwner(), runs);
        process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report));
      } finally {
        store.close();
      }
    });
}
