/** Text functions: Append, CStr, InStr, Join, Left, Mid, StripSpaces, ToLower, ToUpper, Word. */
import { ExpressionEvaluationError } from '../errors.js';
import { argValue, constantText, eager, type CompiledArgument, type Evaluator, type FunctionSpec } from '../registry.js';
import { isList, perValue, toInteger, toText, type RuntimeValue } from '../values.js';

const append: FunctionSpec = {
  name: 'Append',
  params: [{ name: 'source' }, { name: 'suffix' }],
  minArgs: 2,
  maxArgs: 2,
  // Plain concatenation, so an absent source yields just the suffix (like Join("", source, suffix)).
  compile: eager(([source, suffix]) => {
    const tail = toText(suffix as RuntimeValue) ?? '';
    return perValue(source as RuntimeValue, (text) => text + tail, tail === '' ? null : tail);
  }),
};

const cstr: FunctionSpec = {
  name: 'CStr',
  params: [{ name: 'value' }],
  minArgs: 1,
  maxArgs: 1,
  compile: eager(([value]) => perValue(value as RuntimeValue, (text) => text)),
};

const join: FunctionSpec = {
  name: 'Join',
  params: [{ name: 'separator' }, { name: 'source' }],
  repeat: 'last',
  minArgs: 2,
  maxArgs: Infinity,
  compile(args) {
    const [separatorArg, ...sourceArgs] = args;
    const fixedSeparator = separatorArg?.constant ? (toText(separatorArg.constant.value) ?? '') : undefined;
    const separatorOf: Evaluator = separatorArg?.evaluate ?? (() => '');
    const sources = sourceArgs.map((a) => a.evaluate);
    return (scope) => {
      const separator = fixedSeparator ?? toText(separatorOf(scope)) ?? '';
      let out = '';
      let empty = true;
      // Null and "" values add nothing, not even a separator: Join(", ", "", [sn], [givenName]) is "Doe, John".
      const add = (value: RuntimeValue): void => {
        if (isList(value)) {
          for (const item of value) add(item);
          return;
        }
        const text = typeof value === 'string' ? value : toText(value);
        if (text === null || text === '') return;
        out = empty ? text : out + separator + text;
        empty = false;
      };
      for (const source of sources) add(source(scope));
      return out;
    };
  },
};

const left: FunctionSpec = {
  name: 'Left',
  params: [{ name: 'string' }, { name: 'numChars' }],
  minArgs: 2,
  maxArgs: 2,
  compile: eager(([source, numChars]) => {
    const count = requireInteger(numChars as RuntimeValue, 'Left numChars');
    // Reference: 0 → "", negative → whole input, null string → "".
    return perValue(source as RuntimeValue, (text) => (count < 0 ? text : text.slice(0, count)), '');
  }),
};

const mid: FunctionSpec = {
  name: 'Mid',
  params: [{ name: 'source' }, { name: 'start' }, { name: 'length' }],
  minArgs: 3,
  maxArgs: 3,
  compile: eager(([source, start, length]) => {
    // 1-based; a start before the first character counts from the first one, a negative length gives "".
    const from = Math.max(1, requireInteger(start as RuntimeValue, 'Mid start')) - 1;
    const count = requireInteger(length as RuntimeValue, 'Mid length');
    return perValue(source as RuntimeValue, (text) => (count <= 0 ? '' : text.slice(from, from + count)));
  }),
};

const stripSpaces: FunctionSpec = {
  name: 'StripSpaces',
  params: [{ name: 'source' }],
  minArgs: 1,
  maxArgs: 1,
  compile: eager(([source]) => perValue(source as RuntimeValue, (text) => (text.includes(' ') ? text.replaceAll(' ', '') : text))),
};

function caseFunction(name: 'ToLower' | 'ToUpper'): FunctionSpec {
  const invariant = name === 'ToLower' ? (t: string) => t.toLowerCase() : (t: string) => t.toUpperCase();
  const withCulture =
    name === 'ToLower' ? (t: string, c: string) => t.toLocaleLowerCase(c) : (t: string, c: string) => t.toLocaleUpperCase(c);
  return {
    name,
    params: [{ name: 'source' }, { name: 'culture', optional: true }],
    minArgs: 1,
    maxArgs: 2,
    compile(args, context) {
      const [sourceArg, cultureArg] = args as [CompiledArgument, CompiledArgument | undefined];
      const source = sourceArg.evaluate;
      if (!cultureArg || cultureArg.omitted) return (scope) => perValue(source(scope), invariant);
      const fixed = constantText(cultureArg);
      if (fixed !== undefined) {
        if (!isCulture(fixed)) context.fail(`${name}: "${fixed}" is not a culture name such as "en-US"`, cultureArg.node.column);
        return (scope) => perValue(source(scope), (text) => withCulture(text, fixed));
      }
      const culture = cultureArg.evaluate;
      return (scope) => {
        const tag = toText(culture(scope));
        if (tag === null || tag === '') return perValue(source(scope), invariant);
        if (!isCulture(tag)) throw new ExpressionEvaluationError(`${name}: "${tag}" is not a culture name such as "en-US"`);
        return perValue(source(scope), (text) => withCulture(text, tag));
      };
    },
  };
}

function isCulture(tag: string): boolean {
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}

const word: FunctionSpec = {
  name: 'Word',
  params: [{ name: 'string' }, { name: 'wordNumber' }, { name: 'delimiters' }],
  minArgs: 3,
  maxArgs: 3,
  compile(args) {
    const [sourceArg, numberArg, delimitersArg] = args as [CompiledArgument, CompiledArgument, CompiledArgument];
    const fixedDelimiters = delimitersArg.constant ? delimiterSet(toText(delimitersArg.constant.value)) : undefined;
    return (scope) => {
      const wordNumber = toInteger(numberArg.evaluate(scope), 'Word wordNumber');
      const delimiters = fixedDelimiters ?? delimiterSet(toText(delimitersArg.evaluate(scope)));
      // Reference: a number below 1, a null string or too few words all give "".
      return perValue(sourceArg.evaluate(scope), (text) => (wordNumber === null || wordNumber < 1 ? '' : nthWord(text, wordNumber, delimiters)), '');
    };
  },
};

function delimiterSet(text: string | null): ReadonlySet<string> {
  return new Set(text ?? '');
}

function nthWord(text: string, wordNumber: number, delimiters: ReadonlySet<string>): string {
  let index = 0;
  let start = -1;
  let position = 0;
  // Runs of delimiters separate one pair of words: empty words are not counted.
  for (const ch of text) {
    if (delimiters.has(ch)) {
      if (start >= 0) {
        index++;
        if (index === wordNumber) return text.slice(start, position);
        start = -1;
      }
    } else if (start < 0) {
      start = position;
    }
    position += ch.length;
  }
  if (start >= 0 && index + 1 === wordNumber) return text.slice(start);
  return '';
}

const COMPARE_TYPES = ['vbBinaryCompare', 'vbTextCompare'] as const;

const inStr: FunctionSpec = {
  name: 'InStr',
  params: [{ name: 'value1' }, { name: 'value2' }, { name: 'start', optional: true }, { name: 'compareType', optional: true, enumWords: COMPARE_TYPES }],
  minArgs: 2,
  maxArgs: 4,
  compile: eager((values) => {
    const haystack = toText(argValue(values, 0));
    const needle = toText(argValue(values, 1));
    const start = Math.max(1, toInteger(argValue(values, 2), 'InStr start') ?? 1);
    const ignoreCase = isTextCompare(argValue(values, 3));
    // VB gives Null for a Null string; 0 ("not found") keeps comparisons like InStr(...) > 0 simple.
    if (haystack === null || needle === null) return 0;
    if (start > haystack.length + 1) return 0;
    const found = ignoreCase
      ? haystack.toLowerCase().indexOf(needle.toLowerCase(), start - 1)
      : haystack.indexOf(needle, start - 1);
    return found + 1;
  }),
};

function isTextCompare(value: RuntimeValue): boolean {
  const text = toText(value);
  if (text === null || text === '' || text === 'vbBinaryCompare' || text === '0') return false;
  if (text === 'vbTextCompare' || text === '1') return true;
  throw new ExpressionEvaluationError(`InStr compareType must be vbBinaryCompare or vbTextCompare, got "${text}"`);
}

function requireInteger(value: RuntimeValue, what: string): number {
  const number = toInteger(value, what);
  if (number === null) throw new ExpressionEvaluationError(`${what} is missing`);
  return number;
}

export const STRING_FUNCTIONS: readonly FunctionSpec[] = [append, cstr, inStr, join, left, mid, stripSpaces, caseFunction('ToLower'), caseFunction('ToUpper'), word];
