/**
 * Contract of the expression language (Entra's attribute-mapping expressions). Compile once when the
 * configuration loads; evaluate per object. Pure: the clock and randomness come in through the scope.
 */
import { compileTree } from './compiler.js';
import { ExpressionEvaluationError } from './errors.js';
import { FUNCTIONS, IGNORE_FLOW_SIGNAL } from './functions/index.js';
import type { ArgumentNode } from './ast.js';
import { parseExpression } from './parser.js';
import type { EvaluationScope } from './scope.js';
import { toExpressionValue, type ExpressionValue } from './values.js';

export type { ExpressionValue } from './values.js';
export type { EvaluationScope } from './scope.js';
export { ExpressionError, ExpressionEvaluationError } from './errors.js';

/** Returned by evaluate when IgnoreFlowIfNullOrEmpty says the target attribute must be dropped. */
export const IGNORE_FLOW: unique symbol = Symbol('IGNORE_FLOW');

export type EvaluationResult = ExpressionValue | typeof IGNORE_FLOW;

export interface CompiledExpression {
  readonly text: string;
  /** Attribute names referenced with [name], as written (deduplicated case-insensitively) — used to build Graph $select. */
  readonly attributes: readonly string[];
  evaluate(scope: EvaluationScope): EvaluationResult;
}

/**
 * Parses and checks once (at config load). Throws ExpressionError on a syntax error, an unknown
 * function (names are case-sensitive, with a did-you-mean) or a wrong argument count.
 */
export function compileExpression(text: string): CompiledExpression {
  const tree = compileTree(parseExpression(text), text);
  const root = tree.evaluate;
  return Object.freeze({
    text,
    attributes: Object.freeze(tree.attributes),
    evaluate(scope: EvaluationScope): EvaluationResult {
      try {
        return toExpressionValue(root(scope));
      } catch (error) {
        if (error === IGNORE_FLOW_SIGNAL) return IGNORE_FLOW;
        if (error instanceof ExpressionEvaluationError) throw error;
        // A host error (e.g. a RangeError from a pathological value) still belongs to this object only.
        throw new ExpressionEvaluationError(`${text}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
    },
  });
}

/** Sorted list of supported function names (for docs/CLI help). */
export const FUNCTION_NAMES: readonly string[] = Object.freeze(
  [...FUNCTIONS.keys()].sort((a, b) => {
    const x = a.toLowerCase();
    const y = b.toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
  }),
);

/**
 * The functions an expression calls: `root` is the outermost one when the whole expression is a
 * call, `nested` every call inside it. The mapping stage uses it for functions whose result shapes
 * the request (the app role sets), which are only meaningful as the whole expression.
 */
export function calledFunctions(text: string): { readonly root?: string; readonly nested: readonly string[] } {
  const tree = parseExpression(text);
  const nested: string[] = [];
  const visit = (node: ArgumentNode): void => {
    if (node.kind === 'call') {
      nested.push(node.name);
      node.args.forEach(visit);
    } else if (node.kind === 'comparison') {
      visit(node.left);
      visit(node.right);
    }
  };
  if (tree.kind !== 'call') {
    visit(tree);
    return { nested };
  }
  tree.args.forEach(visit);
  return { root: tree.name, nested };
}
