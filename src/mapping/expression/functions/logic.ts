/** Conditions and choices: CBool, Coalesce, IgnoreFlowIfNullOrEmpty, IIF, Is*, Not, Redact, SelectUniqueValue, Switch. */
import { eager, type CompiledArgument, type Evaluator, type FunctionSpec } from '../registry.js';
import { booleanText, FALSE, isList, isNullOrEmpty, isTrue, scalar, toText, TRUE, type RuntimeValue } from '../values.js';

/**
 * Thrown (not an Error, so no stack is captured) when IgnoreFlowIfNullOrEmpty sees nothing: the whole
 * target attribute is dropped, however deep the call is nested. compileExpression turns it into IGNORE_FLOW.
 */
export const IGNORE_FLOW_SIGNAL: { readonly ignoreFlow: true } = Object.freeze({ ignoreFlow: true });

function predicate(name: string, test: (value: RuntimeValue) => boolean): FunctionSpec {
  return {
    name,
    params: [{ name: 'expression' }],
    minArgs: 1,
    maxArgs: 1,
    compile([arg]) {
      const evaluate = (arg as CompiledArgument).evaluate;
      return (scope) => (test(evaluate(scope)) ? TRUE : FALSE);
    },
  };
}

const isAbsent = (value: RuntimeValue): boolean => value === null || (isList(value) && value.length === 0);

const cbool: FunctionSpec = {
  name: 'CBool',
  params: [{ name: 'expression' }],
  minArgs: 1,
  maxArgs: 1,
  compile: eager(([value]) => booleanText(isTrue(value as RuntimeValue, 'CBool expression'))),
};

/** Not("True") is "False"; anything else — "False", null, "yes" — is "True", as the reference says. */
const not: FunctionSpec = predicate('Not', (value) => {
  const single = scalar(value);
  return !(single === true || (typeof single === 'string' && single.trim().toLowerCase() === 'true'));
});

const iif: FunctionSpec = {
  name: 'IIF',
  params: [{ name: 'condition' }, { name: 'valueIfTrue' }, { name: 'valueIfFalse' }],
  minArgs: 3,
  maxArgs: 3,
  compile(args) {
    const [condition, whenTrue, whenFalse] = args.map((a) => a.evaluate) as [Evaluator, Evaluator, Evaluator];
    // Only the chosen branch runs, so IIF can guard a CDate against a value it cannot parse.
    return (scope) => (isTrue(condition(scope), 'IIF condition') ? whenTrue(scope) : whenFalse(scope));
  },
};

/** The first value that is not null ("" counts as a value); the trailing defaultValue is simply the last candidate. */
const coalesce: FunctionSpec = {
  name: 'Coalesce',
  params: [{ name: 'source', optional: true }],
  repeat: 'last',
  minArgs: 1,
  maxArgs: Infinity,
  compile(args) {
    const sources = args.map((a) => a.evaluate);
    return (scope) => {
      for (const source of sources) {
        const value = source(scope);
        if (!isAbsent(value)) return value;
      }
      return null;
    };
  },
};

const ignoreFlow: FunctionSpec = {
  name: 'IgnoreFlowIfNullOrEmpty',
  params: [{ name: 'expression' }],
  minArgs: 1,
  maxArgs: 1,
  compile([arg]) {
    const evaluate = (arg as CompiledArgument).evaluate;
    return (scope) => {
      const value = evaluate(scope);
      if (isNullOrEmpty(value)) throw IGNORE_FLOW_SIGNAL;
      return value;
    };
  },
};

/** Marks a value for the provisioning log; the value itself flows unchanged. */
const redact: FunctionSpec = {
  name: 'Redact',
  params: [{ name: 'value' }],
  minArgs: 1,
  maxArgs: 1,
  compile: ([arg]) => (arg as CompiledArgument).evaluate,
};

/**
 * Without a way to look into the target, uniqueness cannot be checked: the first rule with a value
 * wins. Entra itself supports this function only towards on-premises AD.
 */
const selectUniqueValue: FunctionSpec = {
  name: 'SelectUniqueValue',
  params: [{ name: 'uniqueValueRule' }],
  repeat: 'last',
  minArgs: 2,
  maxArgs: Infinity,
  topLevelOnly: true,
  compile(args) {
    const rules = args.map((a) => a.evaluate);
    return (scope) => {
      for (const rule of rules) {
        const value = rule(scope);
        if (!isNullOrEmpty(value)) return value;
      }
      return null;
    };
  },
};

/**
 * Switch(source, defaultValue, key1, value1, ...): case-sensitive text match; an absent source matches
 * the "" key. With literal keys (the usual case) the lookup is one Map access.
 */
const switchFunction: FunctionSpec = {
  name: 'Switch',
  params: [{ name: 'source' }, { name: 'defaultValue', optional: true }, { name: 'key' }, { name: 'value' }],
  repeat: 'pairs',
  minArgs: 4,
  maxArgs: Infinity,
  compile(args, context) {
    if (args.length % 2 !== 0) {
      context.fail(`Switch needs key/value pairs after source and defaultValue; the last key (argument ${args.length}) has no value`);
    }
    const [sourceArg, defaultArg, ...pairArgs] = args as [CompiledArgument, CompiledArgument, ...CompiledArgument[]];
    const source = sourceArg.evaluate;
    const fallback = defaultArg.evaluate;
    const keys = pairArgs.filter((_, i) => i % 2 === 0);
    const values = pairArgs.filter((_, i) => i % 2 === 1).map((a) => a.evaluate);

    if (keys.every((k) => k.constant !== undefined)) {
      const table = new Map<string, Evaluator>();
      keys.forEach((key, i) => {
        const text = toText((key.constant as { value: RuntimeValue }).value) ?? '';
        if (!table.has(text)) table.set(text, values[i] as Evaluator);
      });
      return (scope) => {
        const chosen = table.get(toText(source(scope)) ?? '');
        return chosen ? chosen(scope) : fallback(scope);
      };
    }
    const keyEvaluators = keys.map((k) => k.evaluate);
    return (scope) => {
      const text = toText(source(scope)) ?? '';
      for (let i = 0; i < keyEvaluators.length; i++) {
        if ((toText((keyEvaluators[i] as Evaluator)(scope)) ?? '') === text) return (values[i] as Evaluator)(scope);
      }
      return fallback(scope);
    };
  },
};

export const LOGIC_FUNCTIONS: readonly FunctionSpec[] = [
  cbool,
  coalesce,
  ignoreFlow,
  iif,
  predicate('IsNull', isAbsent),
  predicate('IsNullOrEmpty', isNullOrEmpty),
  predicate('IsPresent', (value) => !isNullOrEmpty(value)),
  predicate('IsString', (value) => typeof scalar(value) === 'string'),
  not,
  redact,
  selectUniqueValue,
  switchFunction,
];
