/** The diff stage: desired attributes against the snapshot, attribute by attribute. */
import type { ScimValue } from '../mapping/paths.js';
import { sameSet, setUnion, type ValueSetMode } from '../mapping/roles.js';

export interface AttributeChange {
  readonly path: string;
  /** What the snapshot says the target holds; undefined when provisiond never sent it. */
  readonly old: ScimValue | undefined;
  /** Undefined: the attribute is removed in the app (onEmpty: clear, a manager who is gone). */
  readonly new: ScimValue | undefined;
  /**
   * For a set of values (app roles): `new` is the whole set the app holds once the change is made;
   * `add` sends the values `old` lacks, `replace` sends `new` in place of `old`.
   */
  readonly valueSet?: ValueSetMode;
}

/**
 * Attributes absent from `desired` are not changes: like Entra, a value that became null is not
 * sent, so by default provisiond never blanks an attribute in the app. Only the `cleared` paths
 * (onEmpty: clear, references) are removed, and only when the snapshot says the app holds them.
 */
export interface DiffOptions {
  /** Attributes that hold a set of values (app roles), and how the app keeps it. */
  readonly valueSets?: Readonly<Record<string, ValueSetMode>>;
  /** onEmpty: clear paths (and a manager who is not provisioned): removed when the snapshot holds them. */
  readonly cleared?: readonly string[];
}

export function diffAttributes(
  desired: Readonly<Record<string, ScimValue>>,
  recorded: Readonly<Record<string, ScimValue | undefined>>,
  options: DiffOptions = {},
): AttributeChange[] {
  const { valueSets = {}, cleared = [] } = options;
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
  for (const path of cleared) {
    const old = recorded[path];
    if (old !== undefined && !(path in desired)) changes.push({ path, old, new: undefined });
  }
  return changes;
}

/** The snapshot after `changes` are confirmed: removed paths are gone, so they are not sent again. */
export function applyChanges(recorded: Readonly<Record<string, ScimValue>>, desired: Readonly<Record<string, ScimValue>>, cleared: readonly string[] = []): Record<string, ScimValue> {
  const next: Record<string, ScimValue> = { ...recorded, ...desired };
  for (const path of cleared) if (!(path in desired)) delete next[path];
  return next;
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
