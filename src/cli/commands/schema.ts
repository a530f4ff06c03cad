import type { Command } from 'commander';

export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of the config file, for editor completion and validation')
    .action(async () => {
      const { configJsonSchema } = await import('../../config/json-schema.js'); // zod loads only for this command
      process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    });
}
