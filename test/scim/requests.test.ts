import { describe, expect, it } from 'vitest';
import type { MappingConfig } from '../../src/config/schema.js';
import { compileMappings, mapObject } from '../../src/mapping/map.js';
import { buildCreateUser, buildPatch, equalityFilter } from '../../src/scim/requests.js';

const m = (mapping: Partial<MappingConfig> & { target: string }): MappingConfig => ({ apply: 'always', required: false, ...mapping }) as MappingConfig;
const env = { now: () => new Date(0), random: () => 0 };

describe('buildCreateUser', () => {
  it('writes a create the way Entra does, with extension URNs in schemas', () => {
    const set = compileMappings([
      m({ target: 'userName', source: 'upn' }),
      m({ target: 'name.givenName', source: 'given' }),
      m({ target: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', source: 'dept' }),
    ]);
    const mapped = mapObject({ id: '1', attributes: { upn: 'ada@x', given: 'Ada', dept: 'R&D' } }, false, set, env);
    expect(mapped.ok && buildCreateUser(mapped.value, set)).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
      userName: 'ada@x',
      name: { givenName: 'Ada' },
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'R&D' },
      active: true,
    });
  });

  it('with customJson, carries custom attributes in the JSON string instead of the complex extension', () => {
    const custom = 'urn:ietf:params:scim:schemas:extension:flip:custom:2.0:User:attributes[technicalName eq "custom_team"].value';
    const json = 'urn:ietf:params:scim:schemas:extension:flip:customJson:2.0:User:value';
    const set = compileMappings([m({ target: 'userName', source: 'upn' }), m({ target: custom, source: 'dept' })], { customJson: json });
    const mapped = mapObject({ id: '1', attributes: { upn: 'a', dept: 'Eng' } }, false, set, env);
    const body = mapped.ok ? buildCreateUser(mapped.value, set) : {};
    expect(body).not.toHaveProperty('urn:ietf:params:scim:schemas:extension:flip:custom:2.0:User');
    expect(body['urn:ietf:params:scim:schemas:extension:flip:customJson:2.0:User']).toEqual({
      value: '{"attributes":[{"technicalName":"custom_team","value":"Eng"}]}',
    });
  });
});

describe('buildPatch', () => {
  const changes = [
    { path: 'title', old: 'Dev', new: 'CTO' },
    { path: 'nickName', old: undefined, new: 'Babs' },
    { path: 'active', old: true, new: false },
  ];

  it('scim: lowercase ops and JSON booleans (Entra with aadOptscim062020)', () => {
    expect(buildPatch(changes, 'scim')).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        { op: 'replace', path: 'title', value: 'CTO' },
        { op: 'replace', path: 'nickName', value: 'Babs' },
        { op: 'replace', path: 'active', value: false },
      ],
    });
  });

  it('entra-legacy: Add for a first value, Replace otherwise, booleans as "True"/"False"', () => {
    expect(buildPatch(changes, 'entra-legacy').Operations).toEqual([
      { op: 'Replace', path: 'title', value: 'CTO' },
      { op: 'Add', path: 'nickName', value: 'Babs' },
      { op: 'Replace', path: 'active', value: 'False' },
    ]);
  });

  it('quotes filter values safely', () => {
    expect(equalityFilter('userName', 'o"brien@x')).toBe('userName eq "o\\"brien@x"');
  });
});

describe('buildPatch for filtered multi-valued paths', () => {
  it('adds a new element instead of replacing one that does not exist (RFC 7644 noTarget)', () => {
    const patch = buildPatch(
      [
        { path: 'addresses[type eq "work"].locality', old: undefined, new: 'Berlin' },
        { path: 'addresses[type eq "work"].country', old: undefined, new: 'DE' },
        { path: 'phoneNumbers[type eq "mobile"].value', old: '+1', new: '+2' },
      ],
      'scim',
      { 'phoneNumbers[type eq "mobile"].value': '+1' },
    );
    expect(patch.Operations).toEqual([
      { op: 'add', path: 'addresses', value: [{ type: 'work', locality: 'Berlin', country: 'DE' }] },
      { op: 'replace', path: 'phoneNumbers[type eq "mobile"].value', value: '+2' },
    ]);
  });

  it('replaces a new sub-attribute of an element the target already holds', () => {
    const patch = buildPatch([{ path: 'addresses[type eq "work"].postalCode', old: undefined, new: '10115' }], 'scim', { 'addresses[type eq "work"].locality': 'Berlin' });
    expect(patch.Operations).toEqual([{ op: 'replace', path: 'addresses[type eq "work"].postalCode', value: '10115' }]);
  });
});
