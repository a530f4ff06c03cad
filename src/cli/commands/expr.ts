import type { Command } from 'commander';
import type { AttributeValue } from '../../sources/source.js';
import { EXIT } from '../exit.js';

interface ExprOptions {
  attrs: string;
  softDeleted?: boolean;
}

/** Try an Entra expression without a directory: the admin's scratchpad for mappings. */
export function registerExpr(program: Command): void {
  program
    .command('expr')
    .description('evaluate an Entra mapping expression against attributes you give, and print the result or the error with its column')
    .argument('<expression>', 'e.g. \'Join(" ", [givenName], [surname])\'')
    .option('--attrs <json>', 'source attributes as a JSON object', '{}')
    .option('--soft-deleted', 'evaluate with IsSoftDeleted = True')
    .action(async (text: string, options: ExprOptions) => {
      // The expression engine loads only for this command, so --help and the others start fast.
      const { compileExpression, ExpressionError, ExpressionEvaluationError, IGNORE_FLOW } = await import('../../mapping/expression/index.js');
      let attributes: Record<string, AttributeValue>;
      try {
        const parsed: unknown = JSON.parse(options.attrs);
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
        attributes = parsed as Record<string, AttributeValue>;
      } catch {
        process.stderr.write(`--attrs must be a JSON object, e.g. '{"givenName":"Ada","surname":"Lovelace"}'\n`);
        process.exitCode = EXIT.config;
        return;
      }
      try {
        const compiled = compileExpression(text);
        const lower = new Map(Object.entries(attributes).map(([k, v]) => [k.toLowerCase(), v]));
        const result = compiled.evaluate({
          attribute: (name) => (name.toLowerCase() === 'issoftdeleted' ? (options.softDeleted ? 'True' : 'False') : lower.get(name.toLowerCase())),
          now: () => new Date(),
          random: Math.random,
        });
        if (result === IGNORE_FLOW) process.stdout.write('(attribute not sent: IgnoreFlowIfNullOrEmpty)\n');
        else if (result === null) process.stdout.write('(null: attribute not sent)\n');
        else process.stdout.write(`${typeof result === 'string' ? result : JSON.stringify(result)}\n`);
      } catch (error) {
        if (error instanceof ExpressionError) {
          // A caret under the column helps on one line; a multi-line expression gets the line and column in words.
          process.stderr.write(text.includes('\n') ? `${error.message}\n` : `${text}\n${' '.repeat(Math.max(0, error.column - 1))}^\ncolumn ${error.column}: ${error.reason}\n`);
          process.exitCode = EXIT.config;
          return;
        }
        if (error instanceof ExpressionEvaluationError) {
          process.stderr.write(`evaluation failed: ${error.message}\n`);
          process.exitCode = EXIT.failed;
          return;
        }
        throw error;
      }
    });
}
