import { describe, expect, it } from 'vitest';
import { compileExpression } from '../../../src/mapping/expression/index.js';
import { run } from './helpers.js';

describe('expression syntax', () => {
  it('evaluates a bare attribute reference as the attribute value, arrays and booleans included', () => {
    expect(run('[displayName]', { displayName: 'Ana' })).toBe('Ana');
    expect(run('[proxyAddresses]', { proxyAddresses: ['a', 'b'] })).toEqual(['a', 'b']);
    expect(run('[accountEnabled]', { accountEnabled: true })).toBe(true);
    expect(run('[missing]')).toBeNull();
  });

  it('evaluates a bare literal', () => {
    expect(run('"constant"')).toBe('constant');
    expect(run('42')).toBe(42);
  });

  it('reads attribute names with digits, _, -, . and extension GUIDs', () => {
    const name = 'extension_5bfc8fdacfc943a9a6de214ea9d15fdb_costCenter';
    expect(run(`[${name}]`, { [name]: 'CC-1' })).toBe('CC-1');
    expect(run('[employee-id.v2]', { 'employee-id.v2': 'E7' })).toBe('E7');
    expect(run('[ department ]', { department: 'Sales' })).toBe('Sales');
  });

  it('unescapes \\" and \\\\ in string literals and keeps other backslashes as written', () => {
    expect(run('"Company name: \\"Contoso\\""')).toBe('Company name: "Contoso"');
    expect(run('"a\\\\b"')).toBe('a\\b');
    expect(run('"\\d"')).toBe('\\d');
  });

  it('reads negative integers, decimals and VB hex literals in either case', () => {
    expect(run('DateAdd("d", -10, CDate("2012-03-16-07:00"))')).toBe('3/6/2012 7:00:00 AM');
    expect(run('BitAnd(&HFF, &h0F)')).toBe(15);
    expect(run('CStr(1.5)')).toBe('1.5');
  });

  it('allows whitespace and newlines between all tokens', () => {
    expect(run('  Join (\r\n\t"-" ,\n [a] ,\n\n [b]\n )  ', { a: 'x', b: 'y' })).toBe('x-y');
  });

  it('keeps positions of empty (omitted) arguments', () => {
    expect(run('Switch([x], , "a", "1")', { x: 'b' })).toBeNull();
    expect(run('Switch([x], , "a", "1")', { x: 'a' })).toBe('1');
  });

  it('distinguishes a call with no arguments from one empty argument', () => {
    expect(typeof run('Now()')).toBe('string');
    expect(() => compileExpression('Now( )')).not.toThrow();
    expect(() => compileExpression('Now(,)')).toThrow(/Now takes no arguments but was given 2/);
  });

  it('parses all comparison operators inside arguments', () => {
    const cases: [string, string][] = [
      ['IIF(5 = 5, "y", "n")', 'y'],
      ['IIF(5 <> 5, "y", "n")', 'n'],
      ['IIF(6 > 5, "y", "n")', 'y'],
      ['IIF(5 >= 5, "y", "n")', 'y'],
      ['IIF(4 < 5, "y", "n")', 'y'],
      ['IIF(6 <= 5, "y", "n")', 'n'],
    ];
    for (const [text, expected] of cases) expect(run(text), text).toBe(expected);
  });

  it('accepts the enum words vbTextCompare and vbBinaryCompare where InStr expects them', () => {
    expect(run('InStr("repEated", "e", 3, vbBinaryCompare)')).toBe(7);
    expect(run('InStr("repEated", "e", 3, vbTextCompare)')).toBe(4);
  });

  it('nests calls deeply', () => {
    expect(run('ToUpper(Left(Mid(Join("", "abc", "def"), 2, 4), 2))')).toBe('BC');
  });

  it('lists referenced attributes once each, first spelling kept, in order of appearance', () => {
    const compiled = compileExpression('Join(" ", [givenName], [Surname], [GIVENNAME], IIF([surname] = "x", [mail], [Mail]))');
    expect(compiled.attributes).toEqual(['givenName', 'Surname', 'mail']);
    expect(compiled.text).toBe('Join(" ", [givenName], [Surname], [GIVENNAME], IIF([surname] = "x", [mail], [Mail]))');
    expect(compileExpression('"constant"').attributes).toEqual([]);
  });

  it('accepts an expression of exactly 10,000 characters', () => {
    const text = `"${'a'.repeat(9998)}"`;
    expect(text.length).toBe(10_000);
    expect(run(text)).toBe('a'.repeat(9998));
  });
});
