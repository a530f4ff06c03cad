import type { Command } from 'commander';
import type { GlobalOptions } from '../load.js';

export function registerHealthcheck(program: Command): void {
  program
    .command('healthcheck')
    .description("probe the running daemon's GET /healthz on the config's server.port (the container's HEALTHCHECK): 0 healthy, 1 not")
    .action(async (_options, command: Command) => {
      const { runHealthcheck } = await import('../../daemon/healthcheck.js'); // yaml only: it runs every 30 s
      process.exitCode = await runHealthcheck(command.optsWithGlobals<GlobalOptions>().config);
    });
}
