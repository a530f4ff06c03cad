/**
 * ${ENV_VAR} and ${file:/path} substitution. It runs on string values after YAML parsing, so a
 * secret that contains YAML syntax cannot change the document's structure.
 */
import { readFileSync } from 'node:fs';
import type { ConfigIssue } from './errors.js';

const REFERENCE = /\$\{([^}]*)\}/g;

export interface SubstitutionContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readFile(path: string): string;
}

export const processContext: SubstitutionContext = {
  env: process.env,
  readFile: (path) => readFileSync(path, 'utf8'),
};

/** Returns a copy of `value` with every reference replaced, and the issues for those that could not be. */
export function substituteReferences(
  value: unknown,
  context: SubstitutionContext,
  path: PropertyKey[] = [],
  issues: ConfigIssue[] = [],
): { value: unknown; issues: ConfigIssue[] } {
  if (typeof value === 'string') {
    return { value: substituteString(value, context, path, issues), issues };
  }
  if (Array.isArray(value)) {
    return { value: value.map((v, i) => substituteReferences(v, context, [...path, i], issues).value), issues };
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substituteReferences(v, context, [...path, k], issues).value;
    return { value: out, issues };
  }
  return { value, issues };
}

function substituteString(text: string, context: SubstitutionContext, path: PropertyKey[], issues: ConfigIssue[]): string {
  return text.replace(REFERENCE, (whole, inner: string) => {
    const reference = inner.trim();
    if (reference.startsWith('file:')) {
      const file = reference.slice('file:'.length);
      try {
        // Secret files conventionally end with a newline that is not part of the secret.
        return context.readFile(file).replace(/\r?\n$/, '');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
        issues.push({ path, message: `cannot read secret file ${file} (${code}); mount it or fix the path` });
        return '';
      }
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(reference)) {
      issues.push({ path, message: `"${whole}" is not a valid reference; use \${ENV_VAR} or \${file:/path/to/secret}` });
      return '';
    }
    const fromEnv = context.env[reference];
    if (fromEnv === undefined || fromEnv === '') {
      issues.push({ path, message: `environment variable ${reference} is not set; export it or use \${file:/path}` });
      return '';
    }
    return fromEnv;
  });
}
