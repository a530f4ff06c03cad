import type { Command } from 'commander';
import type { GlobalOptions } from '../load.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check the config file (schema, references, source attributes, mappings and expressions) and exit: 0 valid, 2 invalid')
    .option('--online', "also sign in to each source and read one page of users, and read each target's ServiceProviderConfig and Schemas (GET only; nothing is written); 1 when one cannot be read")
    .action(async (options: { online?: boolean }, command: Command) => {
      const { loadOrExit } = await import('../load.js'); // the config schema (zod, yaml) loads only when a command reads a config
      const file = command.optsWithGlobals<GlobalOptions>().config;
      const loaded = loadOrExit(file);
      const { formatIssue } = await import('../../config/errors.js');
      process.stdout.write(`${loaded.file}: valid (${loaded.jobs.length} job(s): ${loaded.jobs.map((j) => j.config.name).join(', ')})\n`);
      if (!options.online) {
        for (const warning of loaded.warnings ?? []) process.stdout.write(`warning: ${formatIssue(loaded.file, warning)}\n`);
        return;
      }
      const [{ checkOnline }, { EXIT }] = await Promise.all([import('../validate-online.js'), import('../exit.js')]);
      const report = await checkOnline(loaded);
      for (const line of report.lines) process.stdout.write(`${line}\n`);
      // Checked again with what the IdPs said (an Okta org's custom attributes): an attribute the org lacks is now an error.
      const rechecked = loadOrExit(file, { attributes: { oktaSchemas: report.oktaSchemas } });
      for (const warning of rechecked.warnings ?? []) process.stdout.write(`warning: ${formatIssue(loaded.file, warning)}\n`);
      process.stdout.write(report.failed ? 'online check FAILED (see above); nothing was written\n' : 'online check passed; nothing was written\n');
      process.exit(report.failed ? EXIT.failed : EXIT.ok);
    });
}
