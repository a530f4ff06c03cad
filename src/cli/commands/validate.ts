import type { Command } from 'commander';
import type { GlobalOptions } from '../load.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check the config file (schema, references, mappings and expressions) and exit: 0 valid, 2 invalid')
    .action(async (_options, command: Command) => {
      const { loadOrExit } = await import('../load.js'); // the config schema (zod, yaml) loads only when a command reads a config
      const loaded = loadOrExit(command.optsWithGlobals<GlobalOptions>().config);
      process.stdout.write(`${loaded.file}: valid (${loaded.jobs.length} job(s): ${loaded.jobs.map((j) => j.config.name).join(', ')})\n`);
      const { formatIssue } = await import('../../config/errors.js');
      for (const warning of loaded.warnings ?? []) process.stdout.write(`  warning: ${formatIssue(loaded.file, warning)}\n`);
    });
}
