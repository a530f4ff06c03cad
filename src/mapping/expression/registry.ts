/** How a library function declares its parameters and turns its compiled arguments into one evaluator. */
import type { ArgumentNode } from './ast.js';
import type { EvaluationScope } from './scope.js';
import type { RuntimeValue } from './values.js';

export type Evaluator = (scope: EvaluationScope) => RuntimeValue;

export interface CompiledArgument {
  readonly node: ArgumentNode;
  readonly evaluate: Evaluator;
  /** Left empty between commas, or not written at all. */
  readonly omitted: boolean;
  /** Set when the argument is a literal, so functions can precompile regexes, formats and lookup tables. */
  readonly constant: { readonly value: RuntimeValue } | undefined;
}

export interface ParameterSpec {
  readonly name: string;
  /** May be left empty (", ,") or, at the end, not written. */
  readonly optional?: boolean;
  /** Bare words accepted here, e.g. vbTextCompare. */
  readonly enumWords?: readonly string[];
}

export interface CompileContext {
  /** Throws an ExpressionError at the given column (defaults to the function name). */
  fail(reason: string, column?: number): never;
}

export interface FunctionSpec {
  readonly name: string;
  readonly params: readonly ParameterSpec[];
  /** Variadic functions repeat their last parameter ('last') or their last two ('pairs', Switch's key/value). */
  readonly repeat?: 'last' | 'pairs';
  readonly minArgs: number;
  readonly maxArgs: number;
  /** Must be the whole expression (SelectUniqueValue). */
  readonly topLevelOnly?: boolean;
  compile(args: readonly CompiledArgument[], context: CompileContext): Evaluator;
}

export function parameterAt(spec: FunctionSpec, index: number): ParameterSpec | undefined {
  const { params } = spec;
  if (index < params.length) return params[index];
  if (spec.repeat === 'last') return params[params.length - 1];
  if (spec.repeat === 'pairs') return params[params.length - 2 + ((index - params.length) % 2)];
  return undefined;
}

export function signature(spec: FunctionSpec): string {
  const names = spec.params.map((p) => (p.optional ? `[${p.name}]` : p.name));
  if (spec.repeat) names.push('...');
  return `${spec.name}(${names.join(', ')})`;
}

/** Plain functions: every argument evaluated, left to right, before the body runs. */
export function eager(body: (values: RuntimeValue[], scope: EvaluationScope) => RuntimeValue): FunctionSpec['compile'] {
  return (args) => {
    const evaluators = args.map((a) => a.evaluate);
    // Fixed small arities avoid a loop per call; these cover nearly every real mapping.
    switch (evaluators.length) {
      case 0:
        return (scope) => body([], scope);
      case 1: {
        const [a] = evaluators as [Evaluator];
        return (scope) => body([a(scope)], scope);
      }
      case 2: {
        const [a, b] = evaluators as [Evaluator, Evaluator];
        return (scope) => body([a(scope), b(scope)], scope);
      }
      case 3: {
        const [a, b, c] = evaluators as [Evaluator, Evaluator, Evaluator];
        return (scope) => body([a(scope), b(scope), c(scope)], scope);
      }
      default:
        return (scope) => body(evaluators.map((e) => e(scope)), scope);
    }
  };
}

/** Value of argument `index`, or null when it was not written. */
export function argValue(values: readonly RuntimeValue[], index: number): RuntimeValue {
  return index < values.length ? (values[index] as RuntimeValue) : null;
}

export function constantText(arg: CompiledArgument | undefined): string | undefined {
  const value = arg?.constant?.value;
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}
