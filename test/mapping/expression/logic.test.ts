import { describe, expect, it } from 'vitest';
import { compileExpression, IGNORE_FLOW } from '../../../src/mapping/expression/index.js';
import { run, scopeOf } from './helpers.js';

describe('CBool', () => {
  it('is "True" when both attributes are equal (reference example)', () => {
    expect(run('CBool([attribute1] = [attribute2])', { attribute1: 'x', attribute2: 'x' })).toBe('True');
    expect(run('CBool([attribute1] = [attribute2])', { attribute1: 'x', attribute2: 'X' })).toBe('False');
  });
  it('is "True" for non-zero numbers and true values, "False" for zero, null and ""', () => {
    expect(run('CBool(5)')).toBe('True');
    expect(run('CBool(0)')).toBe('False');
    expect(run('CBool("-1")')).toBe('True');
    expect(run('CBool("true")')).toBe('True');
    expect(run('CBool([flag])', { flag: true })).toBe('True');
    expect(run('CBool([missing])')).toBe('False');
    expect(run('CBool("")')).toBe('False');
  });
  it('fails the object for text that is not a boolean', () => {
    expect(() => run('CBool("yes")')).toThrow('CBool expression must be "True", "False" or a number, got "yes"');
  });
});

describe('Coalesce', () => {
  it('returns the first non-null source (reference example)', () => {
    expect(run('Coalesce([mail], [userPrincipalName])', { userPrincipalName: 'John.Doe@contoso.com' })).toBe('John.Doe@contoso.com');
    expect(run('Coalesce([mail], [userPrincipalName])', { mail: 'm@x', userPrincipalName: 'u@x' })).toBe('m@x');
  });
  it('returns the trailing default when all sources are null, null without one', () => {
    expect(run('Coalesce([a], [b], "default")')).toBe('default');
    expect(run('Coalesce([a], [b])')).toBeNull();
  });
  it('treats "" as a value and an empty list as null', () => {
    expect(run('Coalesce([a], "x")', { a: '' })).toBe('');
    expect(run('Coalesce([a], "x")', { a: [] })).toBe('x');
  });
});

describe('IgnoreFlowIfNullOrEmpty', () => {
  it('drops the attribute when the value is null or empty (reference example 1)', () => {
    expect(run('IgnoreFlowIfNullOrEmpty([department])')).toBe(IGNORE_FLOW);
    expect(run('IgnoreFlowIfNullOrEmpty([department])', { department: '' })).toBe(IGNORE_FLOW);
    expect(run('IgnoreFlowIfNullOrEmpty([department])', { department: [] })).toBe(IGNORE_FLOW);
    expect(run('IgnoreFlowIfNullOrEmpty([department])', { department: 'Sales' })).toBe('Sales');
  });
  it('drops the attribute when Switch finds no key (reference example 2)', () => {
    const expression = 'IgnoreFlowIfNullOrEmpty(Switch([prefix], "", "3443", "Dr.", "3444", "Prof.", "3445", "Prof. Dr."))';
    expect(run(expression, { prefix: '3444' })).toBe('Prof.');
    expect(run(expression, { prefix: '9999' })).toBe(IGNORE_FLOW);
  });
  it('drops the whole attribute even when nested', () => {
    expect(run('ToUpper(IgnoreFlowIfNullOrEmpty([a]))')).toBe(IGNORE_FLOW);
    expect(run('ToUpper(IgnoreFlowIfNullOrEmpty([a]))', { a: 'x' })).toBe('X');
  });
  it('does not leak the drop into the next evaluation', () => {
    const compiled = compileExpression('IgnoreFlowIfNullOrEmpty([a])');
    expect(compiled.evaluate(scopeOf())).toBe(IGNORE_FLOW);
    expect(compiled.evaluate(scopeOf({ a: 'v' }))).toBe('v');
  });
});

describe('IIF', () => {
  const expression = 'IIF([country]="USA",[country],[department])';
  it('picks by condition (reference example)', () => {
    expect(run(expression, { country: 'USA', department: 'Sales' })).toBe('USA');
    expect(run(expression, { country: 'DE', department: 'Sales' })).toBe('Sales');
  });
  it('implements AND and OR by nesting (reference examples)', () => {
    const and = 'IIF([country]="USA",IIF([state]="CA","True","False"),"False")';
    const or = 'IIF([country]="USA","True",IIF([state]="CA","True","False"))';
    expect(run(and, { country: 'USA', state: 'CA' })).toBe('True');
    expect(run(and, { country: 'USA', state: 'NY' })).toBe('False');
    expect(run(or, { country: 'DE', state: 'CA' })).toBe('True');
    expect(run(or, { country: 'DE', state: 'NY' })).toBe('False');
  });
  it('compares case-sensitively', () => {
    expect(run(expression, { country: 'usa', department: 'Sales' })).toBe('Sales');
  });
  it('reads an absent attribute in a comparison as ""', () => {
    expect(run('IIF([country]="","Other",[country])')).toBe('Other');
    expect(run('IIF([country]<>"USA","intl","us")')).toBe('intl');
  });
  it('evaluates only the chosen branch', () => {
    // CDate("unknown") would fail the object if the false branch ran.
    expect(run('IIF([d] = "unknown", "n/a", CDate([d]))', { d: 'unknown' })).toBe('n/a');
    expect(run('IIF([d] = "unknown", "n/a", CDate([d]))', { d: '2021-01-01' })).toBe('1/1/2021 12:00:00 AM');
  });
  it('accepts "True"/"False" conditions from other functions', () => {
    expect(run('IIF(IsPresent([a]), "yes", "no")', { a: 'x' })).toBe('yes');
    expect(run('IIF(IsPresent([a]), "yes", "no")')).toBe('no');
    expect(run('IIF(IsPresent([d]), "has", CDate([d]))')).toBeNull();
  });
  it('compares numbers numerically, numeric text included', () => {
    expect(run('IIF([n] > 5, "big", "small")', { n: '10' })).toBe('big');
    expect(run('IIF([n] > 5, "big", "small")', { n: 10 })).toBe('big');
    expect(run('IIF("10" > "9", "numeric", "text")')).toBe('numeric');
    expect(run('IIF([n] = 7, "seven", "other")', { n: '7.0' })).toBe('seven');
  });
  it('orders non-numeric text by code unit and dates by instant', () => {
    expect(run('IIF("apple" < "banana", "y", "n")')).toBe('y');
    expect(run('IIF("Zebra" < "apple", "y", "n")')).toBe('y');
    expect(run('IIF(CDate("2021-01-02") > CDate("2021-01-01T23:00:00+02:00"), "later", "earlier")')).toBe('later');
    expect(run('IIF(Now() >= "2021-07-02T15:33:38Z", "y", "n")')).toBe('y');
  });
});

describe('IsNull / IsNullOrEmpty / IsPresent / IsString', () => {
  it('IsNull is "True" only for an absent value (reference example)', () => {
    expect(run('IsNull([displayName])')).toBe('True');
    expect(run('IsNull([displayName])', { displayName: '' })).toBe('False');
    expect(run('IsNull([displayName])', { displayName: 'Ana' })).toBe('False');
    expect(run('IsNull([v])', { v: [] })).toBe('True');
  });
  it('IsNullOrEmpty is "True" for absent and "" (reference example)', () => {
    expect(run('IsNullOrEmpty([displayName])')).toBe('True');
    expect(run('IsNullOrEmpty([displayName])', { displayName: '' })).toBe('True');
    expect(run('IsNullOrEmpty([displayName])', { displayName: ' ' })).toBe('False');
  });
  it('IsPresent is the inverse of IsNullOrEmpty', () => {
    expect(run('IsPresent([displayName])')).toBe('False');
    expect(run('IsPresent([displayName])', { displayName: '' })).toBe('False');
    expect(run('IsPresent([displayName])', { displayName: 'Ana' })).toBe('True');
    expect(run('IsPresent([n])', { n: 0 })).toBe('True');
  });
  it('IsPresent picks the first present manager through Switch (reference example)', () => {
    const expression = 'Switch("True", , IsPresent([directManager]), [directManager], IsPresent([skiplevelManager]), [skiplevelManager])';
    expect(run(expression, { skiplevelManager: 'boss' })).toBe('boss');
    expect(run(expression, { directManager: 'lead', skiplevelManager: 'boss' })).toBe('lead');
  });
  it('IsString is "True" for text only', () => {
    expect(run('IsString([displayName])', { displayName: 'Ana' })).toBe('True');
    expect(run('IsString(42)')).toBe('False');
    expect(run('IsString([flag])', { flag: true })).toBe('False');
    expect(run('IsString([missing])')).toBe('False');
    expect(run('IsString(CDate("2021-01-01"))')).toBe('False');
  });
});

describe('Not', () => {
  it('flips "True" to "False" and anything else to "True"', () => {
    expect(run('Not([IsSoftDeleted])', { IsSoftDeleted: 'False' })).toBe('True');
    expect(run('Not([IsSoftDeleted])', { IsSoftDeleted: 'True' })).toBe('False');
    expect(run('Not("true")')).toBe('False');
    expect(run('Not([flag])', { flag: true })).toBe('False');
    expect(run('Not([missing])')).toBe('True');
    expect(run('Not("yes")')).toBe('True');
  });
});

describe('Redact', () => {
  it('passes the value through unchanged', () => {
    expect(run('Redact([userPrincipalName])', { userPrincipalName: 'u@x' })).toBe('u@x');
    expect(run('Redact("StringToBeRedacted")')).toBe('StringToBeRedacted');
    expect(run('Redact([missing])')).toBeNull();
  });
});

describe('SelectUniqueValue', () => {
  const expression = `SelectUniqueValue(
    Join("@", NormalizeDiacritics(StripSpaces(Join(".", [PreferredFirstName], [PreferredLastName]))), "contoso.com"),
    Join("@", NormalizeDiacritics(StripSpaces(Join(".", Mid([PreferredFirstName], 1, 1), [PreferredLastName]))), "contoso.com"),
    Join("@", NormalizeDiacritics(StripSpaces(Join(".", Mid([PreferredFirstName], 1, 2), [PreferredLastName]))), "contoso.com")
  )`;
  it('returns the first rule (no target lookup is possible here)', () => {
    expect(run(expression, { PreferredFirstName: 'John', PreferredLastName: 'Smith' })).toBe('John.Smith@contoso.com');
  });
  it('skips rules that produce nothing', () => {
    expect(run('SelectUniqueValue([a], [b], "fallback")', { b: 'second' })).toBe('second');
    expect(run('SelectUniqueValue([a], [b])')).toBeNull();
  });
});

describe('Switch', () => {
  const expression = 'Switch([state], "Australia/Sydney", "NSW", "Australia/Sydney","QLD", "Australia/Brisbane", "SA", "Australia/Adelaide")';
  it('maps a key to its value, else the default (reference example)', () => {
    expect(run(expression, { state: 'QLD' })).toBe('Australia/Brisbane');
    expect(run(expression, { state: 'WA' })).toBe('Australia/Sydney');
  });
  it('compares case-sensitively', () => {
    expect(run(expression, { state: 'qld' })).toBe('Australia/Sydney');
  });
  it('matches absent and empty sources with a "" key (reference caution example)', () => {
    const empty = 'Switch([statusFlag], "Default Value", "true", "1", "", "0")';
    expect(run(empty)).toBe('0');
    expect(run(empty, { statusFlag: '' })).toBe('0');
    expect(run(empty, { statusFlag: 'true' })).toBe('1');
    expect(run(empty, { statusFlag: 'other' })).toBe('Default Value');
  });
  it('implements the HR null workaround Switch([x],[x],"","N/A")', () => {
    expect(run('Switch([BusinessTitle],[BusinessTitle],"","N/A")')).toBe('N/A');
    expect(run('Switch([BusinessTitle],[BusinessTitle],"","N/A")', { BusinessTitle: 'Dev' })).toBe('Dev');
  });
  it('gives null with no match and no default', () => {
    expect(run('Switch([x], , "a", "b")', { x: 'z' })).toBeNull();
  });
  it('uses the first of duplicate keys and compares numbers and booleans as text', () => {
    expect(run('Switch([x], , "a", "first", "a", "second")', { x: 'a' })).toBe('first');
    expect(run('Switch([n], , 1, "one", 2, "two")', { n: 2 })).toBe('two');
    expect(run('Switch([flag], , "True", "on", "False", "off")', { flag: true })).toBe('on');
  });
  it('evaluates computed keys in order', () => {
    expect(run('Switch([x], "none", [k1], "one", [k2], "two")', { x: 'b', k1: 'a', k2: 'b' })).toBe('two');
    expect(run('Switch([x], "none", [k1], "one")', { x: 'c', k1: 'a' })).toBe('none');
  });
  it('normalizes case with ToLower before matching (reference note example)', () => {
    const expression = 'Switch(ToLower([statusFlag]), "0", "true", "1", "false", "0")';
    expect(run(expression, { statusFlag: 'TRUE' })).toBe('1');
    expect(run(expression, { statusFlag: 'False' })).toBe('0');
  });
  it('evaluates the IIF alternative from the reference caution', () => {
    const expression = 'IIF([companyName] = "Company A", "A", IIF([companyName] = "Company B", "B", "External"))';
    expect(run(expression, { companyName: 'Company B' })).toBe('B');
    expect(run(expression, { companyName: 'Other' })).toBe('External');
  });
  it('combines with DateDiff in the reference Workday example', () => {
    const expression = `Switch([Active], ,
      "1", IIF(DateDiff("d", Now(), CDate([StatusHireDate])) > 5, "False", "True"),
      "0", "False")`;
    expect(run(expression, { Active: '1', StatusHireDate: '2021-07-04' })).toBe('True');
    expect(run(expression, { Active: '1', StatusHireDate: '2021-07-30' })).toBe('False');
    expect(run(expression, { Active: '0', StatusHireDate: '2021-07-04' })).toBe('False');
    expect(run(expression, { StatusHireDate: '2021-07-04' })).toBeNull();
  });
});
