/** PCase and NormalizeDiacritics. */
import { constantText, type CompiledArgument, type FunctionSpec } from '../registry.js';
import { perValue, toText } from '../values.js';
import { normalizeDiacritics } from './diacritics.js';

const normalize: FunctionSpec = {
  name: 'NormalizeDiacritics',
  params: [{ name: 'source' }],
  minArgs: 1,
  maxArgs: 1,
  compile([source]) {
    const evaluate = (source as CompiledArgument).evaluate;
    return (scope) => perValue(evaluate(scope), normalizeDiacritics);
  },
};

// .NET ToTitleCase treats letters, marks and numbers as word characters; everything else separates words.
const WORD_CHARACTER = /[\p{L}\p{M}\p{N}]/u;

/**
 * Without wordSeparators, Entra calls .NET ToTitleCase on the lower-cased text. That keeps an
 * apostrophe inside a word ("O'neil"), which is why the reference passes " '-" for "Pinto-De'Silva".
 */
function titleCaseDotNet(text: string): string {
  let out = '';
  let inWord = false;
  for (const ch of text) {
    if (WORD_CHARACTER.test(ch) || (inWord && ch === "'")) {
      out += inWord ? ch.toLowerCase() : ch.toUpperCase();
      inWord = true;
    } else {
      out += ch;
      inWord = false;
    }
  }
  return out;
}

function titleCaseWithSeparators(text: string, separators: ReadonlySet<string>): string {
  let out = '';
  let inWord = false;
  for (const ch of text) {
    if (separators.has(ch)) {
      out += ch;
      inWord = false;
    } else {
      out += inWord ? ch.toLowerCase() : ch.toUpperCase();
      inWord = true;
    }
  }
  return out;
}

const pcase: FunctionSpec = {
  name: 'PCase',
  params: [{ name: 'source' }, { name: 'wordSeparators', optional: true }],
  minArgs: 1,
  maxArgs: 2,
  compile(args) {
    const [sourceArg, separatorsArg] = args as [CompiledArgument, CompiledArgument | undefined];
    const source = sourceArg.evaluate;
    if (!separatorsArg || separatorsArg.omitted) return (scope) => perValue(source(scope), titleCaseDotNet);
    const fixed = constantText(separatorsArg);
    if (fixed !== undefined) {
      const separators = new Set(fixed);
      return (scope) => perValue(source(scope), (text) => titleCaseWithSeparators(text, separators));
    }
    const separatorsOf = separatorsArg.evaluate;
    return (scope) => {
      const separators = toText(separatorsOf(scope));
      if (separators === null || separators === '') return perValue(source(scope), titleCaseDotNet);
      const set = new Set(separators);
      return perValue(source(scope), (text) => titleCaseWithSeparators(text, set));
    };
  },
};

export const TEXT_CASE_FUNCTIONS: readonly FunctionSpec[] = [normalize, pcase];
