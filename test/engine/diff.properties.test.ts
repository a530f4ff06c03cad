/** The diff stage (properties): the changes it finds are exactly what turns the snapshot into the desired state. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffAttributes, sameValue } from '../../src/engine/diff.js';
import { matchKey } from '../../src/engine/first-contact.js';
import { hashAttributes } from '../../src/state/store.js';
import type { ScimValue } from '../../src/mapping/paths.js';

const scalar = fc.oneof(fc.string({ maxLength: 8 }), fc.integer({ min: -5, max: 5 }), fc.boolean(), fc.constant(null));
const value: fc.Arbitrary<ScimValue> = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.dictionary(fc.constantFrom('value', 'type', 'primary'), scalar, { maxKeys: 3 }));
const attributes = fc.dictionary(fc.constantFrom('userName', 'title', 'active', 'emails[type eq "work"].value', 'name.givenName', 'displayName'), value, { maxKeys: 6 });

describe('diff (properties)', () => {
  it('finds no change between a record and itself, or a deep copy of it', () => {
    fc.assert(
      fc.property(attributes, (a) => {
        expect(diffAttributes(a, structuredClone(a))).toEqual([]);
      }),
    );
  });

  it('applying the changes to the snapshot gives every desired value, and nothing else changes', () => {
    fc.assert(
      fc.property(attributes, attributes, (desired, recorded) => {
        const applied: Record<string, ScimValue> = { ...recorded };
        const changes = diffAttributes(desired, recorded);
        for (const change of changes) {
          expect(sameValue(change.old, change.new)).toBe(false);
          applied[change.path] = change.new as ScimValue;
        }
        for (const [path, v] of Object.entries(desired)) expect(sameValue(applied[path], v)).toBe(true);
        // A path absent from desired is never blanked (as in Entra).
        for (const path of Object.keys(recorded)) if (!(path in desired)) expect(applied[path]).toEqual(recorded[path]);
        expect(diffAttributes(desired, applied)).toEqual([]);
      }),
    );
  });

  it('hashes records the same whatever the order of their keys, so an unchanged user costs no snapshot read', () => {
    fc.assert(
      fc.property(attributes, (a) => {
        const reversed = Object.fromEntries(Object.entries(a).reverse());
        expect(hashAttributes(reversed)).toBe(hashAttributes(a));
      }),
    );
  });

  it('match keys fold case except for externalId, as SCIM compares them', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (v) => {
        expect(matchKey('userName', v.toUpperCase())).toBe(matchKey('USERNAME', v.toLowerCase().toUpperCase()));
        expect(matchKey('externalId', v)).toBe(matchKey('externalid', v));
      }),
    );
  });
});
