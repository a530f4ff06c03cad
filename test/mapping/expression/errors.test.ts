import { describe, expect, it } from 'vitest';
import { compileExpression, ExpressionError } from '../../../src/mapping/expression/index.js';
import { compileError } from './helpers.js';

describe('compile errors', () => {
  it('reports an unterminated string at its opening quote', () => {
    expect(compileError('Join(",", "abc)')).toEqual({ reason: 'Unterminated string literal: missing closing "', column: 11 });
  });

  it('suggests the right spelling of a case-mistyped function', () => {
    expect(compileError('join(",", [a])')).toEqual({ reason: 'Unknown function "join" — did you mean "Join"?', column: 1 });
    expect(compileError('ToLower(tolower([a]))')).toEqual({ reason: 'Unknown function "tolower" — did you mean "ToLower"?', column: 9 });
  });

  it('suggests a close misspelling and stays silent for unrelated names', () => {
    expect(compileError('Coalesse([a], [b])').reason).toBe('Unknown function "Coalesse" — did you mean "Coalesce"?');
    expect(compileError('Frobnicate([a])')).toEqual({ reason: 'Unknown function "Frobnicate"', column: 1 });
  });

  it('reports a wrong argument count at the function name with its signature', () => {
    expect(compileError('Join(",", Left("abc"))')).toEqual({
      reason: 'Left takes exactly 2 arguments but was given 1: Left(string, numChars)',
      column: 11,
    });
    expect(compileError('Join(",")').reason).toBe('Join takes at least 2 arguments but was given 1: Join(separator, source, ...)');
    expect(compileError('InStr("a", "b", 1, vbTextCompare, 5)').reason).toBe(
      'InStr takes 2 to 4 arguments but was given 5: InStr(value1, value2, [start], [compareType])',
    );
    expect(compileError('Guid(1)').reason).toBe('Guid takes no arguments but was given 1: Guid()');
  });

  it('reports trailing garbage after the expression', () => {
    expect(compileError('Join(",", [a]))')).toEqual({ reason: 'Unexpected ")" after the end of the expression', column: 15 });
    expect(compileError('[a] [b]')).toEqual({ reason: 'Unexpected [b] after the end of the expression', column: 5 });
  });

  it('reports a missing closing parenthesis at the unclosed call', () => {
    expect(compileError('Join(",", Left([a], 2)')).toEqual({
      reason: 'Missing ")" to close Join( — the expression ends before it is closed',
      column: 1,
    });
    expect(compileError('Join(",", Left([a], 2), ')).toEqual({
      reason: 'Missing ")" to close Join( — the expression ends before it is closed',
      column: 1,
    });
  });

  it('reports a missing comma between arguments', () => {
    expect(compileError('Join(",", [a] [b])')).toEqual({ reason: 'Expected "," or ")" in the arguments of Join but found [b]', column: 15 });
  });

  it('refuses a comparison as the whole expression and chained comparisons', () => {
    expect(compileError('[a] = "x"').column).toBe(5);
    expect(compileError('[a] = "x"').reason).toMatch(/^Comparison "=" is only allowed inside a function argument/);
    expect(compileError('IIF([a] = [b] = [c], "x", "y")')).toEqual({
      reason: 'Comparisons cannot be chained; nest IIF calls instead (IIF has no AND/OR)',
      column: 15,
    });
  });

  it('refuses an empty slot for a required argument, at the slot', () => {
    expect(compileError('Append([a], )')).toEqual({ reason: 'Argument 2 (suffix) of Append is required and cannot be left empty', column: 13 });
    expect(compileError('Switch(, "d", "k", "v")').column).toBe(8);
  });

  it('refuses an odd number of Switch key/value arguments', () => {
    expect(compileError('Switch([a], "d", "k1", "v1", "k2")').reason).toBe(
      'Switch needs key/value pairs after source and defaultValue; the last key (argument 5) has no value',
    );
  });

  it('refuses enum words outside InStr, bare function names and unknown words', () => {
    expect(compileError('Join(",", vbTextCompare)')).toEqual({
      reason: '"vbTextCompare" is not valid here (argument of Join); it is InStr\'s compareType',
      column: 11,
    });
    expect(compileError('Join(",", Now)').reason).toBe('Function "Now" must be called with parentheses: Now(...)');
    expect(compileError('InStr("a", "b", 1, vbtextcompare)').reason).toBe('Unknown word "vbtextcompare" — did you mean "vbTextCompare"?');
    expect(compileError('Join(",", department)').reason).toBe(
      'Unknown word "department"; attribute names go in brackets ([name]) and text in double quotes',
    );
  });

  it('reports bad characters, bad attribute references and empty text', () => {
    expect(compileError('Join(",", [a] & [b])')).toEqual({ reason: 'Unexpected character "&"', column: 15 });
    expect(compileError('Join(",", [first name])').reason).toBe('Invalid attribute name "first name": use letters, digits and _ - . : $ @ # /');
    expect(compileError('Join(",", [a)')).toEqual({ reason: 'Unterminated attribute reference: missing "]"', column: 11 });
    expect(compileError('Left([], 1)')).toEqual({ reason: 'Empty attribute reference "[]"', column: 6 });
    expect(compileError('IIF([a] != "x", 1, 2)').reason).toBe('Unknown operator "!=": use "<>" for "not equal"');
    expect(compileError('Join(",", “a”)').reason).toBe('Unexpected character "“": string literals use straight double quotes (")');
    expect(compileError('   ')).toEqual({ reason: 'Expression is empty', column: 1 });
    expect(compileError('&Hz').reason).toBe('Expected hexadecimal digits after "&H"');
  });

  it('refuses expressions longer than 10,000 characters', () => {
    expect(compileError(`"${'a'.repeat(9999)}"`)).toEqual({
      reason: 'Expression is 10,001 characters long; Entra allows at most 10,000',
      column: 10_001,
    });
  });

  it('refuses SelectUniqueValue nested inside another function', () => {
    expect(compileError('ToLower(SelectUniqueValue([a], [b]))')).toEqual({
      reason: 'SelectUniqueValue must be the whole expression, not nested inside another function',
      column: 9,
    });
  });

  it('validates literal arguments at compile time', () => {
    expect(compileError('DateAdd("days", 1, Now())')).toEqual({
      reason: 'DateAdd interval must be one of "yyyy", "m", "d", "ww", "h", "n", "s"; got "days"',
      column: 9,
    });
    expect(compileError('Replace([a], , "([a-z]", , "", , )').reason).toMatch(/^Replace: invalid regexPattern "\(\[a-z\]": /);
    expect(compileError('Replace([a], , "(?<x>a)", "y", "b", , )')).toEqual({ reason: 'Replace: regexPattern has no group named "y"', column: 27 });
    expect(compileError('Replace([a], "x", "y", , "z", , )').reason).toBe('Replace takes either oldValue or regexPattern, not both');
    expect(compileError('Replace([a], "x", , , , , )').reason).toMatch(/^Replace was given oldValue; supported combinations are/);
    expect(compileError('FormatDateTime([d], , "yyyy-MM-dd", "\'unclosed")').reason).toBe(
      'FormatDateTime outputFormat: Unterminated quoted text in date format "\'unclosed"',
    );
    expect(compileError('FormatDateTime([d], "Bogus", "yyyy", "yyyy")').reason).toMatch(/^FormatDateTime dateTimeStyles: unknown DateTimeStyles value "Bogus"/);
    expect(compileError('RandomString(3, 2, 2, 0, 0)').reason).toBe('RandomString: the minimum counts add up to 4, more than Length 3');
    expect(compileError('RandomString(300, 0, 0, 0, 0)').reason).toBe('RandomString: Length must be between 1 and 256, got 300');
    expect(compileError('ToLower([a], "not a culture!")').reason).toBe('ToLower: "not a culture!" is not a culture name such as "en-US"');
    expect(compileError('Item([a], 0)').reason).toBe('Item index is 1-based: use 1 for the first value');
  });

  it('throws ExpressionError instances whose message carries reason and position', () => {
    let caught: unknown;
    try {
      compileExpression('Join(\n  ",",\n  foo([a])\n)');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ExpressionError);
    const error = caught as ExpressionError;
    expect(error.name).toBe('ExpressionError');
    expect(error.column).toBe(16);
    expect(error.message).toBe('Unknown function "foo" (column 16, line 3 column 3)');
  });
});
