import { describe, expect, it } from 'vitest';
import { run } from './helpers.js';

describe('PCase', () => {
  it('title-cases with .NET separators when none are given (reference examples)', () => {
    expect(run('PCase([firstName])', { firstName: 'PABLO GONSALVES (SECOND)' })).toBe('Pablo Gonsalves (Second)');
    expect(run('PCase(Join(" ", [firstName], [lastName]))', { firstName: 'GREGORY', lastName: 'JAMES' })).toBe('Gregory James');
  });
  it('uses only the given separators (reference example)', () => {
    expect(run('PCase([lastName], " \'-")', { lastName: "PINTO-DE'SILVA" })).toBe("Pinto-De'Silva");
    expect(run('PCase("anne-marie smith", " ")')).toBe('Anne-marie Smith');
  });
  it("keeps an apostrophe inside a word by default, as .NET ToTitleCase does", () => {
    expect(run('PCase([lastName])', { lastName: "PINTO-DE'SILVA" })).toBe("Pinto-De'silva");
    expect(run('PCase("o\'NEIL")')).toBe("O'neil");
  });
  it('treats punctuation and symbols as separators but digits as part of a word', () => {
    expect(run('PCase("john_smith+jane")')).toBe('John_Smith+Jane');
    expect(run('PCase("1ST PLACE")')).toBe('1st Place');
  });
  it('handles accented letters and null', () => {
    expect(run('PCase("ÉLODIE DUPRÉ")')).toBe('Élodie Dupré');
    expect(run('PCase([missing])')).toBeNull();
  });
});

describe('NormalizeDiacritics', () => {
  it('removes accents (reference example)', () => {
    expect(run('NormalizeDiacritics([givenName])', { givenName: 'Zoë' })).toBe('Zoe');
  });
  it('uses the table for letters without a decomposition', () => {
    expect(run('NormalizeDiacritics("Æsa Øster Straße Łukasz ǣ ı")')).toBe('AEsa OEster Strasse Lukasz ae i');
  });
  it('strips combining marks from the rest, precomposed or not', () => {
    expect(run('NormalizeDiacritics("François Dvořák Ångström Đoàn Şahin Țară İpek")')).toBe('Francois Dvorak Angstrom Đoan Sahin Tara Ipek');
    expect(run('NormalizeDiacritics([v])', { v: 'a\u0304\u0301 e\u0331' })).toBe('a e');
  });
  it('leaves non-Latin scripts intact', () => {
    expect(run('NormalizeDiacritics("東京 한국 हिन्दी")')).toBe('東京 한국 हिन्दी');
  });
  it('keeps null as null and normalizes each value of a list', () => {
    expect(run('NormalizeDiacritics([missing])')).toBeNull();
    expect(run('NormalizeDiacritics([v])', { v: ['é', 'ø'] })).toEqual(['e', 'oe']);
  });
});
