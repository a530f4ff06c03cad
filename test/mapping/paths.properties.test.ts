/** Target paths (properties): what a mapping writes is what the diff and first contact read back. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTargetPath, readPath, writePath, type ScimObject } from '../../src/mapping/paths.js';

const name = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9]{0,10}$/);
const filterValue = fc.stringMatching(/^[a-zA-Z0-9 _.-]{1,12}$/);
const urn = fc.constantFrom('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', 'urn:ietf:params:scim:schemas:extension:flip:custom:2.0:User');
const pathText = fc.oneof(
  name,
  fc.tuple(name, name).map(([a, b]) => `${a}.${b}`),
  fc
    .tuple(name, name, filterValue, name)
    .filter(([, f, , s]) => f.toLowerCase() !== s.toLowerCase())
    .map(([a, f, v, s]) => `${a}[${f} eq "${v}"].${s}`),
  fc.tuple(urn, name).map(([u, a]) => `${u}:${a}`),
  fc.tuple(urn, name, filterValue, name).map(([u, a, v, s]) => `${u}:${a}[technicalName eq "${v}"].${s}`),
);
const value = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean());

describe('target paths (properties)', () => {
  it('reads back what it wrote, for every kind of path', () => {
    fc.assert(
      fc.property(pathText, value, (text, v) => {
        const path = parseTargetPath(text);
        const resource: ScimObject = {};
        writePath(resource, path, v);
        expect(readPath(resource, path)).toEqual(v);
      }),
      { numRuns: 1_000 },
    );
  });

  it('writing one path leaves the value at another, different path alone', () => {
    fc.assert(
      fc.property(pathText, pathText, value, value, (a, b, va, vb) => {
        fc.pre(a.toLowerCase() !== b.toLowerCase());
        const pa = parseTargetPath(a);
        const pb = parseTargetPath(b);
        const resource: ScimObject = {};
        writePath(resource, pa, va);
        const before = readPath(resource, pa);
        try {
          writePath(resource, pb, vb);
        } catch {
          return; // b cannot live beside a (a simple attribute where b needs a complex one): refused, not clobbered silently
        }
        // Only when b does not address a's place (or a parent of it) must a survive.
        if (!a.toLowerCase().startsWith(`${b.toLowerCase()}.`) && !a.toLowerCase().startsWith(`${b.toLowerCase()}[`) && !b.toLowerCase().startsWith(`${a.toLowerCase()}.`)) {
          expect(readPath(resource, pa)).toEqual(before);
        }
      }),
      { numRuns: 1_000 },
    );
  });
});
