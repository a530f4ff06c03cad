/**
 * Replace(source, oldValue, regexPattern, regexGroupName, replacementValue, replacementAttributeName, template).
 * Which arguments are written picks the mode, so the mode is fixed at compile time.
 */
import { ExpressionEvaluationError } from '../errors.js';
import type { CompiledArgument, Evaluator, FunctionSpec } from '../registry.js';
import { isNullOrEmpty, perValue, toText, type RuntimeValue } from '../values.js';
import { compileReplacement, expandReplacement, RegexTranslationError, translateDotNetRegex, type ReplacementPart } from './dotnet-regex.js';

const PARAMETERS = ['source', 'oldValue', 'regexPattern', 'regexGroupName', 'replacementValue', 'replacementAttributeName', 'template'] as const;

const MODES =
  'oldValue+replacementValue, oldValue+template, regexPattern+replacementValue, regexPattern+regexGroupName+replacementValue or regexPattern+regexGroupName+replacementAttributeName';

const replace: FunctionSpec = {
  name: 'Replace',
  params: PARAMETERS.map((name, index) => ({ name, optional: index > 0 })),
  minArgs: 2,
  maxArgs: 7,
  compile(args, context) {
    const given = (index: number): CompiledArgument | undefined => {
      const arg = args[index];
      return arg && !arg.omitted ? arg : undefined;
    };
    const source = (args[0] as CompiledArgument).evaluate;
    const [oldValue, pattern, groupName, replacement, replacementAttribute, template] = [1, 2, 3, 4, 5, 6].map(given);
    const written = PARAMETERS.filter((_, index) => index > 0 && given(index) !== undefined);

    if (oldValue && pattern) context.fail('Replace takes either oldValue or regexPattern, not both', pattern.node.column);
    if (oldValue) {
      if (replacement && !template && !groupName && !replacementAttribute) return literalReplace(source, oldValue.evaluate, replacement.evaluate);
      if (template && !replacement && !groupName && !replacementAttribute) return templateReplace(source, oldValue.evaluate, template.evaluate);
    } else if (pattern && !template) {
      if (replacement && !groupName && !replacementAttribute) return regexReplace(source, regexProvider(pattern, false, context.fail), replacement);
      if (groupName) checkGroupName(pattern, groupName, context.fail);
      if (replacement && groupName && !replacementAttribute) {
        return groupReplace(source, regexProvider(pattern, true, context.fail), groupName.evaluate, replacement.evaluate);
      }
      if (replacementAttribute && groupName && !replacement) {
        return extractFallback(source, regexProvider(pattern, false, context.fail), groupName.evaluate, replacementAttribute.evaluate);
      }
    }
    return context.fail(`Replace was given ${written.join('+') || 'only a source'}; supported combinations are ${MODES}`);
  },
};

function literalReplace(source: Evaluator, oldValueOf: Evaluator, replacementOf: Evaluator): Evaluator {
  return (scope) => {
    const oldValue = toText(oldValueOf(scope));
    const replacement = toText(replacementOf(scope)) ?? '';
    return perValue(source(scope), (text) => (oldValue ? text.replaceAll(oldValue, replacement) : text));
  };
}

/** The source value is inserted into the template wherever oldValue appears. */
function templateReplace(source: Evaluator, oldValueOf: Evaluator, templateOf: Evaluator): Evaluator {
  return (scope) => {
    const oldValue = toText(oldValueOf(scope));
    const template = toText(templateOf(scope));
    if (template === null) return null;
    return perValue(source(scope), (text) => (oldValue ? template.replaceAll(oldValue, () => text) : template));
  };
}

function regexReplace(source: Evaluator, regexOf: (scope: Parameters<Evaluator>[0]) => RegExp, replacementArg: CompiledArgument): Evaluator {
  const fixed = replacementArg.constant ? compileReplacement(toText(replacementArg.constant.value) ?? '') : undefined;
  return (scope) => {
    const regex = regexOf(scope);
    const parts = fixed ?? compileReplacement(toText(replacementArg.evaluate(scope)) ?? '');
    return perValue(source(scope), (text) => replaceMatches(regex, text, parts));
  };
}

function replaceMatches(regex: RegExp, text: string, parts: readonly ReplacementPart[]): string {
  let out = '';
  let last = 0;
  regex.lastIndex = 0;
  for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
    out += text.slice(last, match.index) + expandReplacement(parts, match, text);
    last = match.index + match[0].length;
    if (match[0] === '') regex.lastIndex = advance(text, regex.lastIndex, regex.unicode);
  }
  return out + text.slice(last);
}

/** Only the text captured by the named group is replaced, in every match. */
function groupReplace(source: Evaluator, regexOf: (scope: Parameters<Evaluator>[0]) => RegExp, groupOf: Evaluator, replacementOf: Evaluator): Evaluator {
  return (scope) => {
    const regex = regexOf(scope);
    const group = toText(groupOf(scope)) ?? '';
    const replacement = toText(replacementOf(scope)) ?? '';
    return perValue(source(scope), (text) => {
      let out = '';
      let last = 0;
      regex.lastIndex = 0;
      for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
        const span = groupSpan(match, group);
        if (span && span[0] >= last) {
          out += text.slice(last, span[0]) + replacement;
          last = span[1];
        }
        if (match[0] === '') regex.lastIndex = advance(text, regex.lastIndex, regex.unicode);
      }
      return out + text.slice(last);
    });
  };
}

/** The source if it has a value; otherwise the named group extracted from the replacement attribute. */
function extractFallback(source: Evaluator, regexOf: (scope: Parameters<Evaluator>[0]) => RegExp, groupOf: Evaluator, attributeOf: Evaluator): Evaluator {
  return (scope) => {
    const value = source(scope);
    if (!isNullOrEmpty(value)) return value;
    const other = toText(attributeOf(scope));
    if (other === null) return value;
    const regex = regexOf(scope);
    regex.lastIndex = 0;
    const match = regex.exec(other);
    const group = toText(groupOf(scope)) ?? '';
    const extracted = match ? (/^\d+$/.test(group) ? match[Number(group)] : match.groups?.[group]) : undefined;
    return extracted ?? value;
  };
}

/** A literal group name must name a group of a literal pattern: a typo would otherwise never replace anything. */
function checkGroupName(patternArg: CompiledArgument, groupArg: CompiledArgument, fail: (reason: string, column?: number) => never): void {
  const pattern = patternArg.constant ? toText(patternArg.constant.value) : null;
  const group = groupArg.constant ? toText(groupArg.constant.value) : null;
  if (pattern === null || group === null || /^\d+$/.test(group)) return;
  if (!pattern.includes(`(?<${group}>`) && !pattern.includes(`(?'${group}'`)) {
    fail(`Replace: regexPattern has no group named "${group}"`, groupArg.node.column);
  }
}

function groupSpan(match: RegExpExecArray, group: string): [number, number] | undefined {
  const indices = match.indices;
  if (!indices) return undefined;
  return /^\d+$/.test(group) ? indices[Number(group)] : indices.groups?.[group];
}

function advance(text: string, index: number, unicode: boolean): number {
  if (unicode && index < text.length) {
    const code = text.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdbff) return index + 2;
  }
  return index + 1;
}

const regexCache = new Map<string, RegExp>();
const REGEX_CACHE_LIMIT = 256;

function buildRegex(pattern: string, withIndices: boolean): RegExp {
  const translated = translateDotNetRegex(pattern);
  // g for repeated exec; d (group positions) only where the group-replace mode needs it, as it costs per match.
  return new RegExp(translated.source, `${translated.flags}g${withIndices ? 'd' : ''}`);
}

/** A literal pattern compiles once here; one computed per object goes through a small cache. */
function regexProvider(
  patternArg: CompiledArgument,
  withIndices: boolean,
  fail: (reason: string, column?: number) => never,
): (scope: Parameters<Evaluator>[0]) => RegExp {
  if (patternArg.constant) {
    const pattern = toText(patternArg.constant.value) ?? '';
    let regex: RegExp;
    try {
      regex = buildRegex(pattern, withIndices);
    } catch (error) {
      return fail(`Replace: invalid regexPattern ${JSON.stringify(pattern)}: ${describeRegexError(error)}`, patternArg.node.column);
    }
    return () => regex;
  }
  return (scope) => {
    const value: RuntimeValue = patternArg.evaluate(scope);
    const pattern = toText(value) ?? '';
    const key = `${withIndices ? 'd' : '-'}${pattern}`;
    let regex = regexCache.get(key);
    if (!regex) {
      try {
        regex = buildRegex(pattern, withIndices);
      } catch (error) {
        throw new ExpressionEvaluationError(`Replace: invalid regexPattern ${JSON.stringify(pattern)}: ${describeRegexError(error)}`);
      }
      if (regexCache.size >= REGEX_CACHE_LIMIT) regexCache.clear();
      regexCache.set(key, regex);
    }
    return regex;
  };
}

function describeRegexError(error: unknown): string {
  if (error instanceof RegexTranslationError) return error.message;
  if (error instanceof SyntaxError) return error.message.replace(/^Invalid regular expression: /, '');
  throw error;
}

export const REPLACE_FUNCTIONS: readonly FunctionSpec[] = [replace];
