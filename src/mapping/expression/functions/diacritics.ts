/**
 * NormalizeDiacritics: the reference's table maps letters that Unicode does not decompose
 * (æ, ø, ß, ł, ı…) to ASCII; every other accented Latin letter loses its combining marks via NFD.
 */

/** Letters with no canonical decomposition, from the reference's table (plus œ, the base of its œ̄). */
const NON_DECOMPOSABLE: Readonly<Record<string, string>> = {
  æ: 'ae',
  Æ: 'AE',
  ǣ: 'ae',
  Ǣ: 'AE',
  ø: 'oe',
  Ø: 'OE',
  ǿ: 'oe',
  Ǿ: 'OE',
  œ: 'oe',
  Œ: 'OE',
  ß: 'ss',
  ł: 'l',
  Ł: 'L',
  ı: 'i',
};

const TABLE_LETTERS = new RegExp(`[${Object.keys(NON_DECOMPOSABLE).join('')}]`, 'g');
// Only the combining diacritical marks block: stripping every \p{M} would damage Indic scripts.
const COMBINING_MARKS = /[\u0300-\u036f]/g;
const ASCII_ONLY = /^[\x00-\x7f]*$/;

export function normalizeDiacritics(text: string): string {
  if (ASCII_ONLY.test(text)) return text;
  return text
    .replace(TABLE_LETTERS, (letter) => NON_DECOMPOSABLE[letter] ?? letter)
    .normalize('NFD')
    .replace(COMBINING_MARKS, '')
    .normalize('NFC');
}
