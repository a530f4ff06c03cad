import { describe, expect, it } from 'vitest';
import { run } from './helpers.js';

describe('Replace: oldValue + replacementValue', () => {
  it('replaces the literal text (reference example 1)', () => {
    expect(run('Replace([BusinessTitle], "Product Developer", , , "Software Engineer", , )', { BusinessTitle: 'Product Developer' })).toBe(
      'Software Engineer',
    );
  });
  it('replaces every occurrence, case-sensitively, with regex characters taken literally', () => {
    expect(run('Replace("a.b.A.b", ".b", , , "!", , )')).toBe('a!.A!');
    expect(run('Replace("aAa", "a", , , "x", , )')).toBe('xAx');
  });
  it('strips a known domain (reference "Strip known domain name" example)', () => {
    expect(run('Replace([mail], "@contoso.com", , , "", , )', { mail: 'john.doe@contoso.com' })).toBe('john.doe');
  });
  it('keeps null as null and works value by value', () => {
    expect(run('Replace([missing], "a", , , "b", , )')).toBeNull();
    expect(run('Replace([v], "a", , , "b", , )', { v: ['ab', 'ba'] })).toEqual(['bb', 'bb']);
  });
});

describe('Replace: oldValue + template', () => {
  it('inserts the source into the template (reference example 2)', () => {
    expect(run('Replace([UserID], "<username>", , , , , "<username>@contoso.com")', { UserID: 'jsmith' })).toBe('jsmith@contoso.com');
  });
  it('inserts the source literally even when it contains $ patterns', () => {
    expect(run('Replace([UserID], "<u>", , , , , "<u>/<u>")', { UserID: 'a$&b' })).toBe('a$&b/a$&b');
  });
});

describe('Replace: regexPattern + replacementValue', () => {
  it('removes characters with a character class (reference example 3b)', () => {
    expect(run('Replace([mobile], , "[()\\\\s-]+", , "", , )', { mobile: '+1 (999) 888-7777' })).toBe('+19998887777');
  });
  it('builds the replacement from named groups with ${name} (reference example 3a)', () => {
    expect(
      run('Replace([telephoneNumber], , "\\\\+(?<isdCode>\\\\d* )(?<phoneNumber>\\\\d{10})", , "${phoneNumber}", , )', {
        telephoneNumber: '+91 9998887777',
      }),
    ).toBe('9998887777');
  });
  it('handles patterns matching the empty string (reference example 6)', () => {
    expect(run('Replace([mailNickname], , "[a-zA-Z_]*", , "", , )', { mailNickname: 'john_doe72' })).toBe('72');
  });
  it('supports numbered groups, $$ and a leading (?i) option', () => {
    expect(run('Replace("Doe, John", , "(\\\\w+), (\\\\w+)", , "$2 $1 costs $$5", , )')).toBe('John Doe costs $5');
    expect(run('Replace("ABC abc", , "(?i)b", , "-", , )')).toBe('A-C a-c');
  });
  it('leaves a reference to a group that does not exist as written, like .NET', () => {
    expect(run('Replace("ab", , "a", , "${nope}", , )')).toBe('${nope}b');
  });
  it('compiles a pattern that comes from an attribute per object, and reports a bad one for that object', () => {
    expect(run('Replace("a1b2", , [pattern], , "#", , )', { pattern: '\\d' })).toBe('a#b#');
    expect(() => run('Replace("a", , [pattern], , "#", , )', { pattern: '(' })).toThrow(/^Replace: invalid regexPattern "\(": /);
  });
  it('reports .NET-only constructs it cannot run', () => {
    expect(() => run('Replace("a", , "(?>a)", , "", , )')).toThrow('atomic groups (?>...) are not supported');
  });
});

describe('Replace: regexPattern + regexGroupName + replacementValue', () => {
  it('replaces only the named group (reference example 4)', () => {
    expect(run('Replace([AddressLineData], , "(?<streetNumber>^\\\\d*)", "streetNumber", "888", , )', { AddressLineData: '545 Tremont Street' })).toBe(
      '888 Tremont Street',
    );
    expect(run('Replace([userPrincipalName], , "(?<Suffix>@(.)*)", "Suffix", "", , )', { userPrincipalName: 'jsmith@contoso.com' })).toBe('jsmith');
  });
  it('replaces the group in every match and keeps the rest of each match', () => {
    expect(run('Replace("a1-b2", , "[a-z](?<digit>\\\\d)", "digit", "#", , )')).toBe('a#-b#');
  });
});

describe('Replace: regexPattern + regexGroupName + replacementAttributeName', () => {
  const expression = 'Replace([telephoneNumber], , "\\\\+(?<isdCode>\\\\d* )(?<phoneNumber>\\\\d{10})", "phoneNumber", , [mobile], )';
  it('extracts the group from the other attribute when the source is empty (reference example 5)', () => {
    expect(run(expression, { telephoneNumber: '', mobile: '+91 8887779999' })).toBe('8887779999');
    expect(run(expression, { mobile: '+91 8887779999' })).toBe('8887779999');
  });
  it('returns the source unchanged when it has a value', () => {
    expect(run(expression, { telephoneNumber: '+91 1112223333', mobile: '+91 8887779999' })).toBe('+91 1112223333');
  });
  it('returns the empty source when the other attribute does not match', () => {
    expect(run(expression, { telephoneNumber: '', mobile: 'none' })).toBe('');
  });
});
