import { describe, expect, it } from 'vitest';
import { parseTargetPath, readPath, writePath, type ScimObject } from '../../src/mapping/paths.js';

describe('parseTargetPath', () => {
  it('parses simple, dotted, filtered and extension paths', () => {
    expect(parseTargetPath('title')).toMatchObject({ attribute: 'title', schema: undefined, subAttribute: undefined });
    expect(parseTargetPath('name.givenName')).toMatchObject({ attribute: 'name', subAttribute: 'givenName' });
    expect(parseTargetPath('emails[type eq "work"].value')).toMatchObject({
      attribute: 'emails',
      filter: { attribute: 'type', value: 'work' },
      subAttribute: 'value',
      text: 'emails[type eq "work"].value',
    });
    expect(parseTargetPath('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department')).toMatchObject({
      schema: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
      attribute: 'department',
    });
    expect(
      parseTargetPath('urn:ietf:params:scim:schemas:extension:flip:custom:2.0:User:attributes[technicalName eq "soccer_team"].value'),
    ).toMatchObject({
      schema: 'urn:ietf:params:scim:schemas:extension:flip:custom:2.0:User',
      attribute: 'attributes',
      filter: { attribute: 'technicalName', value: 'soccer_team' },
      subAttribute: 'value',
    });
  });

  it('normalises whitespace so the same path is one snapshot key', () => {
    expect(parseTargetPath('  emails[ type   eq "work" ].value').text).toBe('emails[type eq "work"].value');
  });

  it('rejects malformed paths with the reason', () => {
    expect(() => parseTargetPath('emails[type = "work"].value')).toThrow(/value filter must look like/);
    expect(() => parseTargetPath('emails[type eq "work"]')).toThrow(/must name the sub-attribute/);
    expect(() => parseTargetPath('emails[type eq "work".value')).toThrow(/missing "]"/);
    expect(() => parseTargetPath('na me')).toThrow(/not an attribute name/);
    expect(() => parseTargetPath('emails[value eq "a@b.c"].value')).toThrow(/the filter selects by "value", so the path cannot set it/);
  });
});

describe('writePath / readPath', () => {
  it('builds a resource the way Entra sends it and reads it back case-insensitively', () => {
    const resource: ScimObject = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'] };
    writePath(resource, parseTargetPath('userName'), 'ada@contoso.com');
    writePath(resource, parseTargetPath('name.givenName'), 'Ada');
    writePath(resource, parseTargetPath('name.familyName'), 'Lovelace');
    writePath(resource, parseTargetPath('emails[type eq "work"].value'), 'ada@contoso.com');
    writePath(resource, parseTargetPath('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department'), 'R&D');
    expect(resource).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
      userName: 'ada@contoso.com',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      emails: [{ primary: true, type: 'work', value: 'ada@contoso.com' }],
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'R&D' },
    });
    const returned = { ...resource, Emails: [{ Type: 'Work', Value: 'ada@contoso.com' }] } as ScimObject;
    delete returned.emails;
    expect(readPath(returned, parseTargetPath('emails[type eq "work"].value'))).toBe('ada@contoso.com');
    expect(readPath(resource, parseTargetPath('name.givenName'))).toBe('Ada');
    expect(readPath(resource, parseTargetPath('phoneNumbers[type eq "mobile"].value'))).toBeUndefined();
  });

  it('keeps several filtered elements of one multi-valued attribute apart', () => {
    const resource: ScimObject = {};
    writePath(resource, parseTargetPath('phoneNumbers[type eq "work"].value'), '+1 555 0100');
    writePath(resource, parseTargetPath('phoneNumbers[type eq "mobile"].value'), '+1 555 0199');
    writePath(resource, parseTargetPath('addresses[type eq "work"].locality'), 'Berlin');
    writePath(resource, parseTargetPath('addresses[type eq "work"].country'), 'DE');
    expect(resource).toEqual({
      phoneNumbers: [
        { type: 'work', value: '+1 555 0100' },
        { type: 'mobile', value: '+1 555 0199' },
      ],
      addresses: [{ type: 'work', locality: 'Berlin', country: 'DE' }],
    });
  });
});

describe('writePath refuses to give one attribute two shapes', () => {
  it('names the path and the shape the attribute already has', () => {
    const resource: ScimObject = {};
    writePath(resource, parseTargetPath('emails[type eq "work"].value'), 'a@x');
    expect(() => writePath(resource, parseTargetPath('emails.value'), 'b@x')).toThrow(/"emails.value" cannot be written: "emails" already holds a list/);
    expect(resource).toEqual({ emails: [{ primary: true, type: 'work', value: 'a@x' }] });
    const other: ScimObject = { name: 'Ada' };
    expect(() => writePath(other, parseTargetPath('name.givenName'), 'Ada')).toThrow(/already holds a single value/);
  });
});

