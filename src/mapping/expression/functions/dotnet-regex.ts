/**
 * Entra patterns are .NET regular expressions. JavaScript shares the common syntax, named groups
 * included; this translates the few .NET spellings people use and rejects what JS cannot do.
 */

export class RegexTranslationError extends Error {}

export interface TranslatedRegex {
  readonly source: string;
  readonly flags: string;
}

export function translateDotNetRegex(pattern: string): TranslatedRegex {
  let source = pattern;
  let flags = '';
  // A leading inline option group is the only place .NET options can be mapped onto JS flags.
  const inline = /^\(\?([imsx]+)\)/.exec(source);
  if (inline) {
    for (const option of inline[1] as string) {
      if (option === 'x') throw new RegexTranslationError('the (?x) option is not supported');
      if (!flags.includes(option)) flags += option;
    }
    source = source.slice(inline[0].length);
  }
  if (/\(\?[imsxn-]+[:)]/.test(source)) throw new RegexTranslationError('inline options other than a leading (?i), (?m) or (?s) are not supported');
  if (source.includes('(?>')) throw new RegexTranslationError('atomic groups (?>...) are not supported');
  source = source
    .replace(/\(\?'([A-Za-z_][A-Za-z0-9_]*)'/g, '(?<$1>') // (?'name'...) → (?<name>...)
    .replace(/\\A/g, '^')
    .replace(/\\[zZ]/g, '$');
  // \p{..} classes need the u flag; without them stay in legacy mode, which accepts .NET's loose escapes like \@.
  if (/\\[pP]\{/.test(source)) flags += 'u';
  return { source, flags };
}

/**
 * A .NET pattern as a JavaScript RegExp, for every place an Entra pattern is used (Replace(), the
 * scope filter REGEX MATCH), so a pattern means the same wherever it is written. Throws
 * RegexTranslationError for .NET syntax JS cannot express and SyntaxError for an invalid pattern.
 */
export function dotNetRegExp(pattern: string, extraFlags = ''): RegExp {
  const translated = translateDotNetRegex(pattern);
  return new RegExp(translated.source, translated.flags + extraFlags);
}

/** Why a pattern does not compile, without the pattern repeated (the caller names it). */
export function describeRegexError(error: unknown): string {
  if (error instanceof RegexTranslationError) return error.message;
  if (error instanceof SyntaxError) return error.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, '');
  return String(error);
}

/** A .NET replacement string ("${name}", "$1", "$$", "$&"…) compiled once into literal and group parts. */
export type ReplacementPart = string | { readonly group: string | number } | { readonly special: '`' | "'" | '_' };

export function compileReplacement(replacement: string): readonly ReplacementPart[] {
  const parts: ReplacementPart[] = [];
  let literal = '';
  const flush = (): void => {
    if (literal !== '') parts.push(literal);
    literal = '';
  };
  let i = 0;
  while (i < replacement.length) {
    const ch = replacement[i] as string;
    if (ch !== '$' || i + 1 >= replacement.length) {
      literal += ch;
      i++;
      continue;
    }
    const next = replacement[i + 1] as string;
    const named = next === '{' ? /^\{([A-Za-z_][A-Za-z0-9_]*|\d+)\}/.exec(replacement.slice(i + 1)) : null;
    if (named) {
      flush();
      const name = named[1] as string;
      parts.push({ group: /^\d+$/.test(name) ? Number(name) : name });
      i += 1 + named[0].length;
    } else if (next >= '0' && next <= '9') {
      flush();
      const digits = /^\d+/.exec(replacement.slice(i + 1))?.[0] as string;
      parts.push({ group: Number(digits) });
      i += 1 + digits.length;
    } else if (next === '$') {
      literal += '$';
      i += 2;
    } else if (next === '&') {
      flush();
      parts.push({ group: 0 });
      i += 2;
    } else if (next === '`' || next === "'" || next === '_') {
      flush();
      parts.push({ special: next });
      i += 2;
    } else {
      literal += ch;
      i++;
    }
  }
  flush();
  return parts;
}

export function expandReplacement(parts: readonly ReplacementPart[], match: RegExpExecArray, input: string): string {
  let out = '';
  for (const part of parts) {
    if (typeof part === 'string') {
      out += part;
    } else if ('group' in part) {
      const value = typeof part.group === 'number' ? match[part.group] : match.groups?.[part.group];
      // .NET leaves a reference to a group that does not exist as written; a group that did not take part is "".
      if (value !== undefined) out += value;
      else if (!groupExists(match, part.group)) out += typeof part.group === 'number' ? `$${part.group}` : `\${${part.group}}`;
    } else if (part.special === '`') {
      out += input.slice(0, match.index);
    } else if (part.special === "'") {
      out += input.slice(match.index + match[0].length);
    } else {
      out += input;
    }
  }
  return out;
}

function groupExists(match: RegExpExecArray, group: string | number): boolean {
  return typeof group === 'number' ? group < match.length : match.groups !== undefined && group in match.groups;
}
