import type { AttributeValue } from '../../../src/sources/source.js';
import { compileExpression, ExpressionError, type EvaluationResult, type EvaluationScope } from '../../../src/mapping/expression/index.js';

export const FIXED_NOW = new Date('2021-07-02T15:33:38Z');

/** A scope over plain attributes, case-insensitive like the engine's; clock and randomness are fixed. */
export function scopeOf(attributes: Record<string, AttributeValue> = {}, options: { now?: Date; random?: () => number } = {}): EvaluationScope {
  const byLowerName = new Map(Object.entries(attributes).map(([name, value]) => [name.toLowerCase(), value]));
  return {
    attribute: (name) => byLowerName.get(name.toLowerCase()),
    now: () => options.now ?? FIXED_NOW,
    random: options.random ?? sequence(0.5),
  };
}

/** A repeatable "random" source cycling through the given values. */
export function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length] as number;
}

export function run(text: string, attributes: Record<string, AttributeValue> = {}, options: { now?: Date; random?: () => number } = {}): EvaluationResult {
  return compileExpression(text).evaluate(scopeOf(attributes, options));
}

/** The ExpressionError compileExpression throws, for asserting reason and column together. */
export function compileError(text: string): { reason: string; column: number } {
  try {
    compileExpression(text);
  } catch (error) {
    if (error instanceof ExpressionError) return { reason: error.reason, column: error.column };
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(text)} not to compile`);
}
