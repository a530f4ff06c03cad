/**
 * Coercion of mapped values to the target attribute's SCIM type, as Entra does it: expressions
 * produce "True"/"False" strings, and SCIM wants a JSON boolean for `active`.
 */
import type { ScimValue, TargetPath } from './paths.js';

export type ScimType = 'string' | 'boolean' | 'integer' | 'decimal' | 'as-is';

/** Core attributes whose SCIM type is not string (RFC 7643 §4.1); everything else passes through unchanged. */
const CORE_TYPES: Record<string, ScimType> = { active: 'boolean' };
const SUB_ATTRIBUTE_TYPES: Record<string, ScimType> = { primary: 'boolean' };

export function defaultTypeOf(path: TargetPath): ScimType {
  if (path.subAttribute !== undefined) return SUB_ATTRIBUTE_TYPES[path.subAttribute] ?? 'as-is';
  if (path.schema) return 'as-is';
  return CORE_TYPES[path.attribute] ?? 'as-is';
}

export type Coerced = { ok: true; value: ScimValue } | { ok: false; error: string };

export function coerceValue(value: ScimValue, type: ScimType): Coerced {
  if (Array.isArray(value)) {
    const out: ScimValue[] = [];
    for (const item of value) {
      const c = coerceValue(item as ScimValue, type);
      if (!c.ok) return c;
      out.push(c.value);
    }
    return { ok: true, value: out };
  }
  switch (type) {
    case 'as-is':
      return { ok: true, value };
    case 'string':
      return typeof value === 'object' && value !== null
        ? { ok: false, error: 'expected a string, got an object' }
        : { ok: true, value: typeof value === 'boolean' ? (value ? 'True' : 'False') : String(value) };
    case 'boolean': {
      if (typeof value === 'boolean') return { ok: true, value };
      const text = String(value).trim().toLowerCase();
      if (text === 'true' || text === '1') return { ok: true, value: true };
      if (text === 'false' || text === '0') return { ok: true, value: false };
      return { ok: false, error: `expected a boolean ("True" or "False"), got ${JSON.stringify(value)}` };
    }
    case 'integer':
    case 'decimal': {
      const number = typeof value === 'number' ? value : Number(String(value).trim());
      if (typeof value === 'object' || String(value).trim() === '' || !Number.isFinite(number) || (type === 'integer' && !Number.isInteger(number))) {
        return { ok: false, error: `expected ${type === 'integer' ? 'an integer' : 'a number'}, got ${JSON.stringify(value)}` };
      }
      return { ok: true, value: number };
    }
  }
}
