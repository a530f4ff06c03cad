/**
 * zod's issues as an admin reads them: a wrong type names the type and the value seen, an unknown
 * key is reported at its own path with a did-you-mean, and a typo'd key is not also reported as
 * the required key it was meant to be.
 */
import type { z } from 'zod';
import { closestName } from '../mapping/expression/suggest.js';
import type { ConfigIssue } from './errors.js';
import { allowedKeysAt } from './schema-paths.js';

type ZodIssue = z.core.$ZodIssue;

/** Keys whose values are never repeated back, whatever their type. */
const SECRET_KEY = /token|secret|password|key$/i;

/** @param data the config as parsed from YAML (after substitution), to find the keys allowed at each path */
export function describeZodIssues(issues: readonly ZodIssue[], data: unknown): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const typos = new Set<string>();
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const parent = issue.path as PropertyKey[];
    const allowed = allowedKeysAt(parent, data);
    for (const key of issue.keys) {
      const suggestion = closestName(key, allowed);
      if (suggestion) typos.add(pathKey([...parent, suggestion]));
      out.push({
        path: [...parent, key],
        message: suggestion
          ? `unknown key "${key}"; did you mean "${suggestion}"?`
          : `unknown key "${key}"; the keys allowed here are ${allowed.map((k) => `"${k}"`).join(', ')}`,
      });
    }
  }
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') continue;
    // "mapings" was reported with "did you mean mappings?": "mappings is missing" would only say it again.
    if (issue.code === 'invalid_type' && issue.input === undefined && typos.has(pathKey(issue.path as PropertyKey[]))) continue;
    out.push(...describeIssue(issue, issue.path as PropertyKey[]));
  }
  return out;
}

function describeIssue(issue: ZodIssue, path: PropertyKey[]): ConfigIssue[] {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return [{ path, message: `required key is missing (expected ${article(issue.expected)})` }];
      return [{ path, message: `expected ${article(issue.expected)}, got ${describeValue(issue.input, path)}` }];
    case 'invalid_value':
      return [{ path, message: `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}${seen(issue.input, path)}` }];
    case 'invalid_union':
      return describeUnion(issue, path);
    case 'too_small':
    case 'too_big':
      return [{ path, message: `${boundMessage(issue)}${seen(issue.input, path)}` }];
    case 'invalid_format':
      return [{ path, message: `${issue.message}${seen(issue.input, path)}` }];
    default:
      return [{ path, message: issue.message }];
  }
}

/**
 * A value no branch of a union accepts. A branch that got past the type check (a mapping with a
 * wrong key inside, a string of the wrong format) says what is wrong; otherwise the admin needs the
 * types the key takes.
 */
function describeUnion(issue: z.core.$ZodIssueInvalidUnion, path: PropertyKey[]): ConfigIssue[] {
  if (issue.discriminator) {
    const options = 'options' in issue && issue.options ? issue.options : [];
    // zod puts the discriminator at the end of the path itself.
    const discriminatorPath = path.at(-1) === issue.discriminator ? path : [...path, issue.discriminator];
    const actual = asRecord(issue.input)[issue.discriminator];
    return [
      {
        path: discriminatorPath,
        message: `expected ${options.map((o) => JSON.stringify(o)).join(' or ') || `a known "${issue.discriminator}"`}${actual === undefined ? '' : `, got ${describeValue(actual, discriminatorPath)}`}`,
      },
    ];
  }
  const branches = issue.errors;
  const typeOnly = (branch: readonly ZodIssue[]) =>
    branch.length === 1 && branch[0]!.path.length === 0 && (branch[0]!.code === 'invalid_type' || branch[0]!.code === 'invalid_value');
  const closer = branches.find((branch) => branch.length > 0 && !typeOnly(branch));
  if (closer) return closer.flatMap((inner) => describeIssue(inner, [...path, ...(inner.path as PropertyKey[])]));
  const expected = branches.flatMap((branch) => {
    const inner = branch[0];
    if (inner?.code === 'invalid_type') return [article(inner.expected)];
    if (inner?.code === 'invalid_value') return inner.values.map((v) => JSON.stringify(v));
    return [];
  });
  if (expected.length === 0) return [{ path, message: issue.message }];
  return [{ path, message: `expected ${[...new Set(expected)].join(' or ')}${seen(issue.input, path)}` }];
}

/** zod's own wording ("Too small: expected number to be >=0") in the config's words; a message the schema sets stays. */
function boundMessage(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  if (!/^Too (small|big)/.test(issue.message)) return issue.message;
  const small = issue.code === 'too_small';
  const bound = small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum;
  const inclusive = issue.inclusive !== false;
  const word = small ? (inclusive ? 'at least' : 'more than') : inclusive ? 'at most' : 'less than';
  switch (issue.origin) {
    case 'array':
      return `expected ${word} ${bound} item${bound === 1 ? '' : 's'}`;
    case 'string':
      return `expected ${word} ${bound} character${bound === 1 ? '' : 's'}`;
    default:
      return `expected a number ${word} ${bound}`;
  }
}

function article(expected: string): string {
  switch (expected) {
    case 'object':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'int':
      return 'a whole number';
    case 'integer':
      return 'an integer';
    default:
      return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
  }
}

function seen(input: unknown, path: readonly PropertyKey[]): string {
  return input === undefined ? '' : `, got ${describeValue(input, path)}`;
}

/** The value as the admin wrote it, short; a secret's value is never repeated. */
export function describeValue(input: unknown, path: readonly PropertyKey[]): string {
  if (input === null) return 'an empty value (null)';
  if (Array.isArray(input)) return 'a list';
  const key = path.at(-1);
  const secret = typeof key === 'string' && SECRET_KEY.test(key);
  switch (typeof input) {
    case 'string':
      if (secret) return 'a string';
      return `the string ${JSON.stringify(input.length > 60 ? `${input.slice(0, 57)}...` : input)}`;
    case 'number':
      return secret ? 'a number' : `the number ${input}`;
    case 'boolean':
      return secret ? 'a boolean' : String(input);
    case 'object':
      return 'a mapping';
    default:
      return typeof input;
  }
}

function asRecord(value: unknown): Record<PropertyKey, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<PropertyKey, unknown>) : {};
}

function pathKey(path: readonly PropertyKey[]): string {
  return JSON.stringify(path.map((p) => (typeof p === 'number' ? p : String(p))));
}
