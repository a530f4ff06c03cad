import { describe, expect, it } from 'vitest';
import { run } from './helpers.js';

describe('Append', () => {
  it('appends the suffix (reference example)', () => {
    expect(run('Append([userPrincipalName], ".test")', { userPrincipalName: 'John.Doe@contoso.com' })).toBe('John.Doe@contoso.com.test');
  });
  it('concatenates like text: an absent source gives the suffix alone, both absent give null', () => {
    expect(run('Append([missing], ".test")')).toBe('.test');
    expect(run('Append([missing], [alsoMissing])')).toBeNull();
    expect(run('Append("Zoë", [missing])')).toBe('Zoë');
  });
  it('appends to every value of a multi-valued source', () => {
    expect(run('Append([mails], "!")', { mails: ['a', 'b'] })).toEqual(['a!', 'b!']);
  });
});

describe('CStr', () => {
  it('passes strings through (reference example) and converts numbers, booleans and dates', () => {
    expect(run('CStr([dn])', { dn: 'cn=Joe,dc=contoso,dc=com' })).toBe('cn=Joe,dc=contoso,dc=com');
    expect(run('CStr(42)')).toBe('42');
    expect(run('CStr([flag])', { flag: true })).toBe('True');
    expect(run('CStr([flag])', { flag: false })).toBe('False');
    expect(run('CStr(CDate("2021-06-30+08:00"))')).toBe('6/29/2021 4:00:00 PM');
  });
  it('keeps null as null and converts each value of a list', () => {
    expect(run('CStr([missing])')).toBeNull();
    expect(run('CStr([numbers])', { numbers: [1, 2] })).toEqual(['1', '2']);
  });
});

describe('InStr', () => {
  it('finds the 1-based position (reference examples)', () => {
    expect(run('InStr("The quick brown fox", "quick")')).toBe(5);
    expect(run('InStr("repEated", "e", 3, vbBinaryCompare)')).toBe(7);
  });
  it('ignores case with vbTextCompare, returns 0 when not found or started past the end', () => {
    expect(run('InStr("repEated", "e", 3, vbTextCompare)')).toBe(4);
    expect(run('InStr("abc", "z")')).toBe(0);
    expect(run('InStr("abc", "a", 5)')).toBe(0);
  });
  it('finds "" at the start position and treats a null string as not found', () => {
    expect(run('InStr("abc", "", 2)')).toBe(2);
    expect(run('InStr([missing], "a")')).toBe(0);
  });
  it('counts UTF-16 positions in non-ASCII text', () => {
    expect(run('InStr("Zoë Müller", "ü")')).toBe(6);
  });
  it('accepts a compareType that comes from an attribute, and rejects nonsense', () => {
    expect(run('InStr("ABC", "b", 1, [mode])', { mode: 'vbTextCompare' })).toBe(2);
    expect(() => run('InStr("ABC", "b", 1, [mode])', { mode: 'fuzzy' })).toThrow(
      'InStr compareType must be vbBinaryCompare or vbTextCompare, got "fuzzy"',
    );
  });
});

describe('Join', () => {
  it('skips empty values without doubling separators (reference example)', () => {
    expect(run('Join(", ", "", [surname], [givenName])', { surname: 'Doe', givenName: 'John' })).toBe('Doe, John');
  });
  it('joins every value of a multi-valued source and skips its null/empty values', () => {
    expect(run('Join(";", [proxyAddresses], [mail])', { proxyAddresses: ['SMTP:a@x', '', null, 'smtp:b@x'], mail: 'c@x' })).toBe(
      'SMTP:a@x;smtp:b@x;c@x',
    );
  });
  it('turns numbers into text (reference: Join("", 1000, ...))', () => {
    expect(run('Join("", 1000, "7")')).toBe('10007');
  });
  it('gives "" when every source is absent', () => {
    expect(run('Join(" ", [a], [b])')).toBe('');
  });
  it('takes the separator from an expression', () => {
    expect(run('Join([sep], "a", "b")', { sep: '|' })).toBe('a|b');
    expect(run('Join([missing], "a", "b")')).toBe('ab');
  });
});

describe('Left', () => {
  it('returns the leftmost characters (reference example)', () => {
    expect(run('Left("John Doe", 3)')).toBe('Joh');
  });
  it('follows the reference for 0, negative, null and short input', () => {
    expect(run('Left("John Doe", 0)')).toBe('');
    expect(run('Left("John Doe", -1)')).toBe('John Doe');
    expect(run('Left([missing], 3)')).toBe('');
    expect(run('Left("Jo", 3)')).toBe('Jo');
  });
  it('handles non-ASCII and multi-valued input', () => {
    expect(run('Left("Ærøskøbing", 3)')).toBe('Ærø');
    expect(run('Left([names], 2)', { names: ['Anna', 'Bob'] })).toEqual(['An', 'Bo']);
  });
  it('fails the object when numChars is not a number', () => {
    expect(() => run('Left("abc", [n])', { n: 'three' })).toThrow('Left numChars must be a number, got "three"');
  });
});

describe('Mid', () => {
  it('builds the reference alias example', () => {
    expect(run('Append(Mid([givenName], 1, 3), Mid([surname], 1, 5))', { givenName: 'John', surname: 'Doe' })).toBe('JohDoe');
  });
  it('takes a 1-based substring and stops at the end of the text', () => {
    expect(run('Mid("abcdef", 3, 2)')).toBe('cd');
    expect(run('Mid("abc", 2, 10)')).toBe('bc');
    expect(run('Mid("abc", 5, 1)')).toBe('');
  });
  it('reads a start below 1 as 1, a length of 0 or less as "", and null as null', () => {
    expect(run('Mid("abc", 0, 2)')).toBe('ab');
    expect(run('Mid("abc", 1, 0)')).toBe('');
    expect(run('Mid([missing], 1, 2)')).toBeNull();
  });
});

describe('StripSpaces', () => {
  it('removes every space but no other white space', () => {
    expect(run('StripSpaces("Mary Ann")')).toBe('MaryAnn');
    expect(run('StripSpaces("  a  b ")')).toBe('ab');
    expect(run('StripSpaces([v])', { v: 'a\tb c' })).toBe('a\tbc');
  });
  it('keeps null as null and strips each value of a list', () => {
    expect(run('StripSpaces([missing])')).toBeNull();
    expect(run('StripSpaces([v])', { v: ['a b', 'c d'] })).toEqual(['ab', 'cd']);
  });
});

describe('ToLower / ToUpper', () => {
  it('changes case with invariant rules by default', () => {
    expect(run('ToUpper("abc")')).toBe('ABC');
    expect(run('ToLower("ÀÉÎ Smith")')).toBe('àéî smith');
    expect(run('ToUpper("straße")')).toBe('STRASSE');
  });
  it('applies a culture when given', () => {
    expect(run('ToLower("TITLE", "tr-TR")')).toBe('tıtle');
    expect(run('ToUpper("title", "tr-TR")')).toBe('TİTLE');
    expect(run('ToUpper("title", "en-US")')).toBe('TITLE');
  });
  it('keeps null as null and converts each value of a list', () => {
    expect(run('ToLower([missing])')).toBeNull();
    expect(run('ToLower([v])', { v: ['SMTP:A@X', 'smtp:B@X'] })).toEqual(['smtp:a@x', 'smtp:b@x']);
  });
  it('fails the object for a culture from an attribute that is not a culture', () => {
    expect(() => run('ToLower("A", [c])', { c: '??' })).toThrow('ToLower: "??" is not a culture name such as "en-US"');
  });
});

describe('Word', () => {
  it('returns the n-th word (reference examples)', () => {
    expect(run('Word("The quick brown fox", 3, " ")')).toBe('brown');
    expect(run('Word("This,string!has&many separators", 3, ",!&#")')).toBe('has');
  });
  it('gives "" for a number below 1, a null string and too few words', () => {
    expect(run('Word("a b", 0, " ")')).toBe('');
    expect(run('Word([missing], 1, " ")')).toBe('');
    expect(run('Word("a b", 3, " ")')).toBe('');
  });
  it('does not count empty words between adjacent delimiters', () => {
    expect(run('Word("a,,b", 2, ",")')).toBe('b');
    expect(run('Word(",lead", 1, ",")')).toBe('lead');
  });
  it('handles non-ASCII words and delimiters', () => {
    expect(run('Word("Zoë·Müller", 2, "·")')).toBe('Müller');
  });
});
