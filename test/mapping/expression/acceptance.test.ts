import { describe, expect, it } from 'vitest';
import type { AttributeValue } from '../../../src/sources/source.js';
import { IGNORE_FLOW, type EvaluationResult } from '../../../src/mapping/expression/index.js';
import { run } from './helpers.js';

describe('acceptance: customer expressions', () => {
  it("Flosum's active mapping inverts IsSoftDeleted as strings", () => {
    const expression = 'Switch([IsSoftDeleted], , "False", "True", "True", "False")';
    expect(run(expression, { IsSoftDeleted: 'False' })).toBe('True');
    expect(run(expression, { IsSoftDeleted: 'True' })).toBe('False');
  });

  it("Flip's multi-line Join renders the customJson document", () => {
    const expression = [
      'Join(',
      '  "",',
      '  "{\\"attributes\\":[{\\"technicalName\\":\\"custom_team\\",\\"value\\":\\"",',
      '  [department],',
      '  "\\"},{\\"technicalName\\":\\"custom_location\\",\\"value\\":\\"",',
      '  [city],',
      '  "\\"}]}"',
      ')',
    ].join('\n');
    const rendered = run(expression, { department: 'Engineering', city: 'Berlin' });
    expect(rendered).toBe(
      '{"attributes":[{"technicalName":"custom_team","value":"Engineering"},{"technicalName":"custom_location","value":"Berlin"}]}',
    );
    expect(JSON.parse(rendered as string)).toEqual({
      attributes: [
        { technicalName: 'custom_team', value: 'Engineering' },
        { technicalName: 'custom_location', value: 'Berlin' },
      ],
    });
  });
});

/** Every example of the fact sheet (/work/shared/reference/entra-expressions.md), in its order. */
const FACT_SHEET: readonly [string, Record<string, AttributeValue>, EvaluationResult][] = [
  ['Append([userPrincipalName], ".test")', { userPrincipalName: 'ana@contoso.com' }, 'ana@contoso.com.test'],
  ['BitAnd(&HF, &HF7)', {}, 7],
  ['CBool([attr1] = [attr2])', { attr1: 'a', attr2: 'a' }, 'True'],
  ['CDate("2021-06-30+08:00")', {}, '6/29/2021 4:00:00 PM'],
  ['Coalesce([mail],[userPrincipalName])', { userPrincipalName: 'ana@contoso.com' }, 'ana@contoso.com'],
  ['ConvertToBase64("Hello world!")', {}, 'SABlAGwAbABvACAAdwBvAHIAbABkACEA'],
  ['ConvertToUTF8Hex("Hello world!")', {}, '48656C6C6F20776F726C6421'],
  ['Count([proxyAddresses])', { proxyAddresses: ['a', 'b', 'c'] }, 3],
  ['CStr([dn])', { dn: 'cn=Joe,dc=contoso,dc=com' }, 'cn=Joe,dc=contoso,dc=com'],
  ['DateAdd("d", 7, CDate([HireDate]))', { HireDate: '2012-03-16-07:00' }, '3/23/2012 7:00:00 AM'],
  ['DateDiff("d", CDate("2021-08-18+08:00"), CDate("2021-08-31+08:00"))', {}, 13],
  ['DateFromNum(129699324000000000)', {}, '1/1/2012 11:00:00 PM'],
  ['FormatDateTime([extensionAttribute1], , "yyyyMMddHHmmss.fZ", "yyyy-MM-dd")', { extensionAttribute1: '20150123105347.1Z' }, '2015-01-23'],
  ['IgnoreFlowIfNullOrEmpty(Switch([prefix], "", "3443", "Dr.", "3444", "Prof."))', { prefix: '1' }, IGNORE_FLOW],
  ['IIF([country]="USA",[country],[department])', { country: 'USA', department: 'Sales' }, 'USA'],
  ['IIF([country]="USA",[country],[department])', { country: 'FR', department: 'Sales' }, 'Sales'],
  ['InStr("The quick brown fox","quick")', {}, 5],
  ['InStr("repEated","e",3,vbBinaryCompare)', {}, 7],
  ['IsNull([displayName])', {}, 'True'],
  ['IsNullOrEmpty([displayName])', { displayName: '' }, 'True'],
  [
    'Switch(IsPresent([directManager]), [directManager], "True", [skiplevelManager])',
    { directManager: 'lead', skiplevelManager: 'boss' },
    'boss',
  ],
  ['IsString([displayName])', { displayName: 'Ana' }, 'True'],
  ['Item([proxyAddresses], 1)', { proxyAddresses: ['first@x', 'second@x'] }, 'first@x'],
  ['Join(", ", "", [surname], [givenName])', { surname: 'Doe', givenName: 'John' }, 'Doe, John'],
  ['Left("John Doe", 3)', {}, 'Joh'],
  ['Append(Mid([givenName], 1, 3), Mid([surname], 1, 5))', { givenName: 'John', surname: 'Doe' }, 'JohDoe'],
  ['NormalizeDiacritics([givenName])', { givenName: 'Zoë' }, 'Zoe'],
  ['Not([IsSoftDeleted])', { IsSoftDeleted: 'False' }, 'True'],
  ['Now()', {}, '7/2/2021 3:33:38 PM'],
  [
    'NumFromDate(Join("", FormatDateTime([ContractEndDate], , "yyyy-MM-ddzzz", "yyyy-MM-dd"), " 23:59:59-08:00"))',
    { ContractEndDate: '2020-12-31-08:00' },
    132539615990000000,
  ],
  ['PCase([lastName], " \'-")', { lastName: "PINTO-DE'SILVA" }, "Pinto-De'Silva"],
  ['Redact("secret")', {}, 'secret'],
  ['RemoveDuplicates([proxyAddresses])', { proxyAddresses: ['a', 'a', 'b'] }, ['a', 'b']],
  ['Replace([UserID], "<username>", , , , , "<username>@contoso.com")', { UserID: 'jsmith' }, 'jsmith@contoso.com'],
  ['Replace([mobile], , "[()\\\\s-]+", , "", , )', { mobile: '+1 (999) 888-7777' }, '+19998887777'],
  [
    'SelectUniqueValue(Join("@", Join(".", [givenName], [surname]), "contoso.com"), Join("@", Join(".", Mid([givenName], 1, 1), [surname]), "contoso.com"))',
    { givenName: 'John', surname: 'Smith' },
    'John.Smith@contoso.com',
  ],
  ['SingleAppRoleAssignment([appRoleAssignments])', { appRoleAssignments: [{ id: '1', value: 'Admin', displayName: 'Admin' }] }, 'Admin'],
  ['Split([extensionAttribute5], ",")', { extensionAttribute5: 'PermSetOne,PermSetTwo' }, ['PermSetOne', 'PermSetTwo']],
  ['StripSpaces("Mary Ann")', {}, 'MaryAnn'],
  [
    'Switch([state], "Australia/Sydney", "NSW", "Australia/Sydney", "QLD", "Australia/Brisbane", "SA", "Australia/Adelaide")',
    { state: 'QLD' },
    'Australia/Brisbane',
  ],
  [
    'ToLower(Join("@", NormalizeDiacritics(StripSpaces(Join(".", [PreferredFirstName], [PreferredLastName]))), "contoso.com"))',
    { PreferredFirstName: 'John', PreferredLastName: 'Smith' },
    'john.smith@contoso.com',
  ],
  ['ToUpper("abc")', {}, 'ABC'],
  ['Word("This,string!has&many separators", 3, ",!&#")', {}, 'has'],
  ['Switch([IsSoftDeleted], , "False", "True", "True", "False")', { IsSoftDeleted: 'True' }, 'False'],
];

describe('acceptance: fact sheet examples', () => {
  it.each(FACT_SHEET)('%s', (expression, attributes, expected) => {
    expect(run(expression, attributes)).toEqual(expected);
  });

  it('keeps diacritics out of generated addresses', () => {
    const expression = 'ToLower(Join("@", NormalizeDiacritics(StripSpaces(Join(".", [PreferredFirstName], [PreferredLastName]))), "contoso.com"))';
    expect(run(expression, { PreferredFirstName: 'Jéssica Ana', PreferredLastName: 'Müller Æbø' })).toBe('jessicaana.mulleraeboe@contoso.com');
  });
});
