import { describe, expect, it } from 'vitest';
import { run } from './helpers.js';

describe('Count', () => {
  it('counts the values of a multi-valued attribute', () => {
    expect(run('Count([proxyAddresses])', { proxyAddresses: ['a', 'b', 'c'] })).toBe(3);
    expect(run('Count([proxyAddresses])', { proxyAddresses: [] })).toBe(0);
  });
  it('counts an absent attribute as 0 and a single value as 1', () => {
    expect(run('Count([proxyAddresses])')).toBe(0);
    expect(run('Count([mail])', { mail: 'a@x' })).toBe(1);
  });
  it('counts the values Split produces', () => {
    expect(run('Count(Split("a,b,c,d", ","))')).toBe(4);
  });
});

describe('Item', () => {
  const proxyAddresses = ['SMTP:ana@contoso.com', 'smtp:ana@fabrikam.com'];
  it('returns the 1-based item (reference example)', () => {
    expect(run('Item([proxyAddresses], 1)', { proxyAddresses })).toBe('SMTP:ana@contoso.com');
    expect(run('Item([proxyAddresses], 2)', { proxyAddresses })).toBe('smtp:ana@fabrikam.com');
  });
  it('gives null for an index past the end, an absent attribute, or a computed index below 1', () => {
    expect(run('Item([proxyAddresses], 3)', { proxyAddresses })).toBeNull();
    expect(run('Item([proxyAddresses], 1)')).toBeNull();
    expect(run('Item([proxyAddresses], [i])', { proxyAddresses, i: 0 })).toBeNull();
  });
  it('treats a single value as a one-item list', () => {
    expect(run('Item([mail], 1)', { mail: 'a@x' })).toBe('a@x');
    expect(run('Item([mail], 2)', { mail: 'a@x' })).toBeNull();
  });
  it('fails the object for a non-numeric index', () => {
    expect(() => run('Item([v], [i])', { v: ['a'], i: 'first' })).toThrow('Item index must be a number, got "first"');
  });
});

describe('RemoveDuplicates', () => {
  it('removes repeated values, keeping the first of each, case-sensitively', () => {
    expect(run('RemoveDuplicates([proxyAddresses])', { proxyAddresses: ['a@x', 'b@x', 'a@x', 'A@x', 'b@x'] })).toEqual(['a@x', 'b@x', 'A@x']);
  });
  it('passes single and absent values through', () => {
    expect(run('RemoveDuplicates([mail])', { mail: 'a@x' })).toBe('a@x');
    expect(run('RemoveDuplicates([mail])')).toBeNull();
  });
  it('treats 1 and "1" as the same value', () => {
    expect(run('RemoveDuplicates([v])', { v: [1, '1', 2] })).toEqual([1, 2]);
  });
});

describe('Split', () => {
  it('splits into a multi-valued result (reference example)', () => {
    expect(run('Split([extensionAttribute5], ",")', { extensionAttribute5: 'PermissionSetOne,PermissionSetTwo' })).toEqual([
      'PermissionSetOne',
      'PermissionSetTwo',
    ]);
  });
  it('keeps white space around values and empty values between delimiters', () => {
    expect(run('Split("a, b,,c", ",")')).toEqual(['a', ' b', '', 'c']);
  });
  it('uses the whole delimiter text', () => {
    expect(run('Split("a::b:c", "::")')).toEqual(['a', 'b:c']);
  });
  it('gives null for null, no values for "", the whole text for an empty delimiter', () => {
    expect(run('Split([missing], ",")')).toBeNull();
    expect(run('Split("", ",")')).toEqual([]);
    expect(run('Split("a,b", "")')).toEqual(['a,b']);
  });
  it('splits every value of a multi-valued source', () => {
    expect(run('Split([v], ";")', { v: ['a;b', 'c'] })).toEqual(['a', 'b', 'c']);
  });
});

describe('app role assignments', () => {
  const appRoleAssignments = [
    { id: 'r1', value: 'Admin', displayName: 'Administrator' },
    { id: 'r2', value: 'User', displayName: 'User' },
  ];

  it('AppRoleAssignmentsComplex makes one SCIM role (as JSON text) per assignment', () => {
    expect(run('AppRoleAssignmentsComplex([appRoleAssignments])', { appRoleAssignments })).toEqual([
      '{"primary":false,"type":"WindowsAzureActiveDirectoryRole","display":"Administrator","value":"Admin"}',
      '{"primary":false,"type":"WindowsAzureActiveDirectoryRole","display":"User","value":"User"}',
    ]);
  });
  it('AppRoleAssignmentsComplex falls back to displayName or id for the value, accepts role names, and drops duplicates', () => {
    expect(
      run('AppRoleAssignmentsComplex([appRoleAssignments])', {
        appRoleAssignments: [{ displayName: 'Reader' }, { id: 'r9' }, 'Writer', 'Writer', { value: '' }],
      }),
    ).toEqual([
      '{"primary":false,"type":"WindowsAzureActiveDirectoryRole","display":"Reader","value":"Reader"}',
      '{"primary":false,"type":"WindowsAzureActiveDirectoryRole","display":"r9","value":"r9"}',
      '{"primary":false,"type":"WindowsAzureActiveDirectoryRole","display":"Writer","value":"Writer"}',
    ]);
  });
  it('AssertiveAppRoleAssignmentsComplex gives the same roles (the mapping stage sends them in a replace)', () => {
    expect(run('AssertiveAppRoleAssignmentsComplex([appRoleAssignments])', { appRoleAssignments })).toEqual(
      run('AppRoleAssignmentsComplex([appRoleAssignments])', { appRoleAssignments }),
    );
    expect(run('AssertiveAppRoleAssignmentsComplex([appRoleAssignments])', { appRoleAssignments: [] })).toBeNull();
  });
  it('AppRoleAssignmentsComplex gives null without assignments', () => {
    expect(run('AppRoleAssignmentsComplex([appRoleAssignments])')).toBeNull();
    expect(run('AppRoleAssignmentsComplex([appRoleAssignments])', { appRoleAssignments: [] })).toBeNull();
  });
  it('SingleAppRoleAssignment returns the role value of the (first) assignment', () => {
    expect(run('SingleAppRoleAssignment([appRoleAssignments])', { appRoleAssignments: [appRoleAssignments[0]!] })).toBe('Admin');
    expect(run('SingleAppRoleAssignment([appRoleAssignments])', { appRoleAssignments })).toBe('Admin');
    expect(run('SingleAppRoleAssignment([appRoleAssignments])', { appRoleAssignments: { value: 'Solo' } })).toBe('Solo');
    expect(run('SingleAppRoleAssignment([appRoleAssignments])')).toBeNull();
  });
});
