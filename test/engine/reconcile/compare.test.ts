/** Reconcile's comparison: values compared the way SCIM defines them (RFC 7643), not byte for byte. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { driftOf, ignoreSet, isCaseExact, scimEqual } from '../../../src/engine/reconcile/compare.js';
import type { ScimObject, ScimValue } from '../../../src/mapping/paths.js';

const scalar = fc.oneof(fc.string({ maxLength: 8 }), fc.integer({ min: -5, max: 5 }), fc.boolean());
const value: fc.Arbitrary<ScimValue> = fc.oneof(scalar, fc.array(scalar, { minLength: 1, maxLength: 4 }), fc.dictionary(fc.constantFrom('value', 'type', 'primary'), scalar, { minKeys: 1, maxKeys: 3 }));

describe('scimEqual (properties)', () => {
  it('is reflexive and symmetric', () => {
    fc.assert(
      fc.property(value, value, fc.boolean(), (a, b, caseExact) => {
        expect(scimEqual(a, structuredClone(a), caseExact)).toBe(true);
        expect(scimEqual(a, b, caseExact)).toBe(scimEqual(b, a, caseExact));
      }),
    );
  });

  it('compares multi-valued attributes as sets: order and repeats do not matter', () => {
    fc.assert(
      fc.property(fc.array(scalar, { minLength: 1, maxLength: 5 }), fc.integer({ min: 0, max: 4 }), (list, rotate) => {
        const shuffled = [...list.slice(rotate % list.length), ...list.slice(0, rotate % list.length), list[0]!];
        expect(scimEqual(list, shuffled, true)).toBe(true);
      }),
    );
  });

  it('ignores case unless the attribute is caseExact', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 10 }), (text) => {
        expect(scimEqual(text.toUpperCase(), text.toLowerCase(), false)).toBe(true);
        expect(scimEqual(text.toUpperCase(), text.toLowerCase(), true)).toBe(text.toUpperCase() === text.toLowerCase());
      }),
    );
  });

  it('a value the app lacks is drift, whatever the desired value', () => {
    fc.assert(
      fc.property(value, (desired) => {
        expect(driftOf({ id: '1' }, { title: desired }, new Set())).toEqual([{ path: 'title', app: null, desired }]);
      }),
    );
  });
});

describe('scimEqual', () => {
  it('reads booleans and numbers the app answers as strings', () => {
    expect(scimEqual('True', true, false)).toBe(true);
    expect(scimEqual('false', true, false)).toBe(false);
    expect(scimEqual('42', 42, false)).toBe(true);
    expect(scimEqual('', 0, false)).toBe(false);
  });

  it('knows which attributes RFC 7643 makes caseExact', () => {
    expect(isCaseExact('externalId')).toBe(true);
    expect(isCaseExact('userName')).toBe(false);
    expect(isCaseExact('emails[type eq "work"].value')).toBe(false);
    expect(isCaseExact('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department')).toBe(false);
  });

  it('compares complex values by sub-attribute, names case-insensitive, sub-attribute caseExact as the RFC says', () => {
    expect(scimEqual({ Value: 'A@X', Type: 'work' }, { value: 'a@x', type: 'WORK' }, false)).toBe(true);
    expect(scimEqual({ value: 'ab', $ref: 'https://x/Users/A' }, { value: 'ab', $ref: 'https://x/Users/a' }, false)).toBe(false);
  });
});

describe('driftOf', () => {
  const account: ScimObject = {
    id: '7',
    userName: 'Ada@Example.com',
    externalId: 'abc',
    title: 'Engineer',
    active: true,
    emails: [{ type: 'home', value: 'ada@home.example' }, { type: 'work', value: 'ADA@example.com', primary: true }],
    name: { givenName: 'Ada' },
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'R&D' },
  };

  it('finds nothing when the app holds the desired state up to case where RFC 7643 allows it', () => {
    const desired = {
      userName: 'ada@example.com',
      externalId: 'abc',
      title: 'Engineer',
      active: true,
      'emails[type eq "work"].value': 'ada@example.com',
      'name.givenName': 'Ada',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department': 'r&d',
      password: 'never returned',
    };
    expect(driftOf(account, desired, new Set())).toEqual([]);
  });

  it('reports each differing attribute with the app value and the desired one; externalId is case-exact', () => {
    expect(driftOf(account, { externalId: 'ABC', title: 'Boss', 'name.familyName': 'Lovelace' }, new Set())).toEqual([
      { path: 'externalId', app: 'abc', desired: 'ABC' },
      { path: 'title', app: 'Engineer', desired: 'Boss' },
      { path: 'name.familyName', app: null, desired: 'Lovelace' },
    ]);
  });

  it('does not compare ignored paths (written any way, any case)', () => {
    expect(driftOf(account, { title: 'Boss', 'emails[type eq "work"].value': 'other@x' }, ignoreSet(['Title', 'emails[type  eq "work"].value']))).toEqual([]);
  });
});
