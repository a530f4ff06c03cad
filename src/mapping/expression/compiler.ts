/** Turns a syntax tree into nested closures with the function implementations resolved once. */
import type { ArgumentNode, CallNode, OperandNode } from './ast.js';
import { compare } from './comparison.js';
import { ExpressionError } from './errors.js';
import { FUNCTIONS } from './functions/index.js';
import { parameterAt, signature, type CompiledArgument, type Evaluator, type FunctionSpec, type ParameterSpec } from './registry.js';
import { closestName } from './suggest.js';
import { FALSE, TRUE, type RuntimeValue } from './values.js';

const ENUM_WORDS = ['vbBinaryCompare', 'vbTextCompare'];

export interface CompiledTree {
  readonly evaluate: Evaluator;
  /** [attribute] names in order of appearance, first spelling of each (case-insensitive). */
  readonly attributes: readonly string[];
}

export function compileTree(root: OperandNode, text: string): CompiledTree {
  const attributes = new Map<string, string>();
  const fail = (reason: string, column: number): never => {
    throw new ExpressionError(reason, column, text);
  };

  const compileArgument = (node: ArgumentNode, parameter: ParameterSpec | undefined, owner: FunctionSpec | undefined): CompiledArgument => {
    switch (node.kind) {
      case 'string':
      case 'number':
        return constant(node, node.value);
      case 'omitted':
        return { node, evaluate: () => null, omitted: true, constant: { value: null } };
      case 'attribute': {
        const { name } = node;
        const key = name.toLowerCase();
        if (!attributes.has(key)) attributes.set(key, name);
        return {
          node,
          evaluate: (scope) => {
            const value = scope.attribute(name);
            return value === undefined ? null : value;
          },
          omitted: false,
          constant: undefined,
        };
      }
      case 'enum':
        return constant(node, checkEnumWord(node.name, node.column, parameter, owner));
      case 'comparison': {
        const left = compileArgument(node.left, undefined, undefined).evaluate;
        const right = compileArgument(node.right, undefined, undefined).evaluate;
        const { operator } = node;
        return { node, evaluate: (scope) => (compare(operator, left(scope), right(scope)) ? TRUE : FALSE), omitted: false, constant: undefined };
      }
      case 'call':
        return { node, evaluate: compileCall(node, false), omitted: false, constant: undefined };
    }
  };

  const checkEnumWord = (word: string, column: number, parameter: ParameterSpec | undefined, owner: FunctionSpec | undefined): string => {
    if (parameter?.enumWords?.includes(word)) return word;
    if (FUNCTIONS.has(word)) return fail(`Function "${word}" must be called with parentheses: ${word}(...)`, column);
    const known = ENUM_WORDS.find((w) => w === word);
    if (known) {
      return fail(`"${word}" is not valid here${owner ? ` (argument of ${owner.name})` : ''}; it is InStr's compareType`, column);
    }
    const suggestion = closestName(word, [...ENUM_WORDS, ...FUNCTIONS.keys()]);
    const hint = suggestion ? ` — did you mean "${suggestion}"?` : '; attribute names go in brackets ([name]) and text in double quotes';
    return fail(`Unknown word "${word}"${hint}`, column);
  };

  const compileCall = (node: CallNode, isRoot: boolean): Evaluator => {
    const spec = FUNCTIONS.get(node.name);
    if (!spec) {
      const suggestion = closestName(node.name, FUNCTIONS.keys());
      return fail(`Unknown function "${node.name}"${suggestion ? ` — did you mean "${suggestion}"?` : ''}`, node.column);
    }
    const count = node.args.length;
    if (count < spec.minArgs || count > spec.maxArgs) {
      return fail(`${spec.name} takes ${describeArity(spec)} but was given ${count}: ${signature(spec)}`, node.column);
    }
    if (spec.topLevelOnly && !isRoot) return fail(`${spec.name} must be the whole expression, not nested inside another function`, node.column);
    const args = node.args.map((arg, index) => {
      const parameter = parameterAt(spec, index);
      if (arg.kind === 'omitted' && !parameter?.optional) {
        fail(`Argument ${index + 1} (${parameter?.name ?? 'value'}) of ${spec.name} is required and cannot be left empty`, arg.column);
      }
      return compileArgument(arg, parameter, spec);
    });
    return spec.compile(args, { fail: (reason, column = node.column) => fail(reason, column) });
  };

  let evaluate: Evaluator;
  if (root.kind === 'call') {
    evaluate = compileCall(root, true);
  } else {
    evaluate = compileArgument(root, undefined, undefined).evaluate;
  }
  return { evaluate, attributes: [...attributes.values()] };
}

function constant(node: ArgumentNode, value: RuntimeValue): CompiledArgument {
  return { node, evaluate: () => value, omitted: false, constant: { value } };
}

function describeArity(spec: FunctionSpec): string {
  const plural = (n: number): string => `${n} argument${n === 1 ? '' : 's'}`;
  if (spec.maxArgs === Infinity) return `at least ${plural(spec.minArgs)}`;
  if (spec.minArgs === spec.maxArgs) return spec.minArgs === 0 ? 'no arguments' : `exactly ${plural(spec.minArgs)}`;
  return `${spec.minArgs} to ${plural(spec.maxArgs)}`;
}
