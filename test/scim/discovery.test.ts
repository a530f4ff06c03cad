import { describe, expect, it } from 'vitest';
import { compileMappings } from '../../src/mapping/map.js';
import { describeSupport, missingFeatures, schemasAnswerSchema, serviceProviderConfigSchema, undeclaredTargets } from '../../src/scim/discovery.js';

const m = (target: string) => ({ target, source: 'x', apply: 'always' as const, required: false });

const schemas = schemasAnswerSchema.parse({
  Resources: [
    {
      id: 'urn:ietf:params:scim:schemas:core:2.0:User',
      attributes: [
        { name: 'userName' },
        { name: 'name', subAttributes: [{ name: 'givenName' }, { name: 'familyName' }] },
        { name: 'emails', subAttributes: [{ name: 'value' }, { name: 'type' }] },
        { name: 'title' },
      ],
    },
    { id: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', attributes: [{ name: 'department' }] },
  ],
});

describe('what the app declares', () => {
  it('finds mapped attributes, sub-attributes and extension attributes the schemas do not declare', () => {
    const set = compileMappings([
      m('userName'),
      m('externalId'),
      m('name.givenName'),
      m('name.nickName'),
      m('emails[type eq "work"].value'),
      m('Title'),
      m('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department'),
      m('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter'),
      m('urn:ietf:params:scim:schemas:extension:acme:2.0:User:team'),
    ]);
    expect(undeclaredTargets(set, 'user', schemas)).toEqual([
      { path: 'name.nickName', mapping: 3 },
      { path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter', mapping: 7 },
      { path: 'urn:ietf:params:scim:schemas:extension:acme:2.0:User:team', mapping: 8 },
    ]);
  });

  it('reads a bare array of schemas as a ListResponse, and refuses a schema without attributes', () => {
    expect(schemasAnswerSchema.parse([{ id: 'urn:x', attributes: [] }])).toEqual([{ id: 'urn:x', attributes: [] }]);
    expect(schemasAnswerSchema.safeParse({ Resources: [{ id: 'urn:x' }] }).success).toBe(false);
  });
});

describe('what the app supports', () => {
  it('summarises the ServiceProviderConfig, page size included', () => {
    const config = serviceProviderConfigSchema.parse({
      patch: { supported: true },
      bulk: { supported: false, maxOperations: 0 },
      filter: { supported: true, maxResults: 100 },
      sort: { supported: false },
      etag: { supported: true },
      pagination: { cursor: true, defaultPageSize: 50, maxPageSize: 500 },
    });
    expect(describeSupport(config)).toBe('filter yes (up to 100 results), PATCH yes, bulk no, sort no, ETag yes; page size 50 by default, up to 500');
    expect(missingFeatures(config)).toEqual([]);
  });

  it('says what the app lacks that provisiond needs, and what it does not state', () => {
    const config = serviceProviderConfigSchema.parse({ patch: { supported: false }, filter: { supported: false } });
    expect(describeSupport(config)).toBe('filter no, PATCH no, bulk not stated, sort not stated, ETag not stated; page size not stated');
    expect(missingFeatures(config)).toEqual([expect.stringContaining('PATCH'), expect.stringContaining('filters')]);
  });

  it('refuses a capability that is not what RFC 7643 says', () => {
    expect(serviceProviderConfigSchema.safeParse({ patch: { supported: 'yes' } }).success).toBe(false);
  });
});
