/** The diff stage: desired attributes against the snapshot, attribute by attribute. */
import type { ScimValue } from '../mapping/paths.js';
import { sameSet, setUnion, type ValueSetMode } from '../mapping/roles.js';

export interface AttributeChange {
  readonly path: string;
  /** What the snapshot says the target holds; undefined when provisiond never sent it. */
  readonly old: ScimValue | undefined;
  readonly new: ScimValue;
  /**
   * For a set of values (app roles): `new` is the whole set the app holds once the change is made;
   * `add` sends the values `old` lacks, `replace` sends `new` in place of `old`.
   */
  readonly valueSet?: ValueSetMode;
}

/**
 * Attributes absent from `desired` are not changes: like Entra, a value that became null is not
 * sent, so provisiond never blanks an attribute in the app.
 */
export function diffAttributes(
  desired: Readonly<Record<string, ScimValue>>,
  recorded: Readonly<Record<string, ScimValue | undefined>>,
  valueSets: Readonly<Record<string, ValueSetMode>> = {},
): AttributeChange[] {
  const changes: AttributeChange[] = [];
  for (const [path, value] of Object.entries(desired)) {
    const old = recorded[path];
    const mode = Object.hasOwn(valueSets, path) ? valueSets[path] : undefined;
    if (mode !== undefined) {
      // Sets compare without order, and a set never sent is an empty one; an add never takes a value away.
      const next = mode === 'add' ? setUnion(old, value) : value;
      if (!sameSet(old, next)) changes.push({ path, old, new: next, valueSet: mode });
      continue;
    }
    if (!sameValue(old, value)) changes.push({ path, old, new: value });
  }
  return changes;
}

export function sameValue(a: ScimValue | undefined, b: ScimValue | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as readonly ScimValue[];
    return a.length === other.length && a.every((v, i) => sameValue(v, other[i]));
  }
  const ka = Object.keys(a);
  const objectB = b as Record<string, ScimValue>;
  return ka.length === Object.keys(objectB).length && ka.every((k) => sameValue((a as Record<string, ScimValue>)[k], objectB[k]));
}
