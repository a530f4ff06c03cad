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
    .option('--attrs <json>', 'source attributes as a JSON object; IsSoftDeleted may be one of them (true or false)', '{}')
    .option('--soft-deleted', 'evaluate with IsSoftDeleted = True (the same as "IsSoftDeleted": true in --attrs)')
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
      const lower = new Map(Object.entries(attributes).map(([k, v]) => [k.toLowerCase(), v]));
      // IsSoftDeleted is not a directory attribute but the provisioning service's own flag, which
      // the engine passes as "True"/"False"; given in --attrs it counts, as the admin expects.
      const softDeleted = softDeletedFlag(lower.get('issoftdeleted'), lower.has('issoftdeleted'), options.softDeleted === true);
      if (typeof softDeleted === 'object') {
        process.stderr.write(`${softDeleted.error}
`);
        process.exitCode = EXIT.config;
        return;
      }
      try {
        const compiled = compileExpression(text);
        const result = compiled.evaluate({
          attribute: (name) => (name.toLowerCase() === 'issoftdeleted' ? softDeleted : lower.get(name.toLowerCase())),
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

/** IsSoftDeleted as the engine passes it ("True"/"False"), from --attrs or --soft-deleted, or why it cannot be. */
export function softDeletedFlag(given: unknown, present: boolean, flag: boolean): 'True' | 'False' | { error: string } {
  if (!present) return flag ? 'True' : 'False';
  const text = typeof given === 'boolean' ? String(given) : typeof given === 'string' ? given.toLowerCase() : undefined;
  if (text !== 'true' && text !== 'false') {
    return { error: `IsSoftDeleted in --attrs must be true or false (or leave it out and pass --soft-deleted), not ${JSON.stringify(given)}` };
  }
  if (flag && text === 'false') return { error: 'IsSoftDeleted is false in --attrs but --soft-deleted says true; give one of them' };
  return text === 'true' ? 'True' : 'False';
}
