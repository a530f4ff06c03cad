import { describe, expect, it } from 'vitest';
import { compileExpression } from '../../../src/mapping/expression/index.js';
import { run, scopeOf, sequence } from './helpers.js';

describe('ConvertToBase64', () => {
  it('encodes UTF-16LE bytes (reference example)', () => {
    expect(run('ConvertToBase64("Hello world!")')).toBe('SABlAGwAbABvACAAdwBvAHIAbABkACEA');
  });
  it('encodes non-ASCII text, "" and null', () => {
    expect(run('ConvertToBase64("é€")')).toBe('6QCsIA==');
    expect(run('ConvertToBase64("")')).toBe('');
    expect(run('ConvertToBase64([missing])')).toBeNull();
  });
});

describe('ConvertToUTF8Hex', () => {
  it('encodes UTF-8 bytes as upper-case hex (reference example)', () => {
    expect(run('ConvertToUTF8Hex("Hello world!")')).toBe('48656C6C6F20776F726C6421');
  });
  it('encodes multi-byte characters and keeps null as null', () => {
    expect(run('ConvertToUTF8Hex("é€")')).toBe('C3A9E282AC');
    expect(run('ConvertToUTF8Hex([missing])')).toBeNull();
  });
  it('feeds the reference ID example (letters removed, 1000 in front)', () => {
    expect(run('Join("", 1000, Replace(ConvertToUTF8Hex([objectId]), , "[a-zA-Z_]*", , "", , ))', { objectId: 'ab-1' })).toBe('10006162231');
  });
});

describe('BitAnd', () => {
  it('ANDs the bits (reference example)', () => {
    expect(run('BitAnd(&HF, &HF7)')).toBe(7);
  });
  it('reads numbers, numeric text and hex text', () => {
    expect(run('BitAnd([userAccountControl], 2)', { userAccountControl: 514 })).toBe(2);
    expect(run('BitAnd([userAccountControl], 2)', { userAccountControl: '512' })).toBe(0);
    expect(run('BitAnd("&HFF", 15)')).toBe(15);
  });
  it('keeps the bits of 64-bit values', () => {
    expect(run('BitAnd("9223372036854775807", 255)')).toBe(255);
    expect(run('BitAnd(4294967296, 4294967297)')).toBe(4294967296);
  });
  it('gives null for a null operand and fails for non-numbers', () => {
    expect(run('BitAnd([missing], 1)')).toBeNull();
    expect(() => run('BitAnd("x", 1)')).toThrow('BitAnd: "x" is not a whole number');
    expect(() => run('BitAnd(1.5, 1)')).toThrow('BitAnd: 1.5 is not a whole number');
  });
});

describe('Guid', () => {
  it('builds a version 4 GUID from the scope randomness', () => {
    expect(run('Guid()', {}, { random: sequence(0) })).toBe('00000000-0000-4000-8000-000000000000');
    expect(run('Guid()', {}, { random: sequence(0.5) })).toBe('80808080-8080-4080-8080-808080808080');
    expect(run('Guid()', {}, { random: sequence(0.999999) })).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff');
  });
  it('produces different GUIDs from a real random source', () => {
    const compiled = compileExpression('Guid()');
    const scope = scopeOf({}, { random: Math.random });
    const first = compiled.evaluate(scope);
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(compiled.evaluate(scope)).not.toBe(first);
  });
});

describe('RandomString', () => {
  const count = (text: string, pattern: RegExp): number => [...text].filter((c) => pattern.test(c)).length;

  it('meets the minimum counts (reference example 1)', () => {
    const compiled = compileExpression('RandomString(6,3,0,0,3)');
    const scope = scopeOf({}, { random: Math.random });
    for (let i = 0; i < 200; i++) {
      const value = compiled.evaluate(scope) as string;
      expect(value).toHaveLength(6);
      expect(count(value, /[0-9]/)).toBeGreaterThanOrEqual(3);
      expect(count(value, /[a-z]/)).toBeGreaterThanOrEqual(3);
    }
  });

  it('meets every minimum and avoids the given characters (reference example 2)', () => {
    const compiled = compileExpression('RandomString(10,2,2,2,1,"?,")');
    const scope = scopeOf({}, { random: Math.random });
    for (let i = 0; i < 200; i++) {
      const value = compiled.evaluate(scope) as string;
      expect(value).toHaveLength(10);
      expect(count(value, /[0-9]/)).toBeGreaterThanOrEqual(2);
      expect(count(value, /[^0-9A-Za-z]/)).toBeGreaterThanOrEqual(2);
      expect(count(value, /[A-Z]/)).toBeGreaterThanOrEqual(2);
      expect(count(value, /[a-z]/)).toBeGreaterThanOrEqual(1);
      expect(value).not.toMatch(/[?,]/);
    }
  });

  it('is repeatable for the same random sequence', () => {
    const compiled = compileExpression('RandomString(12,1,1,1,1)');
    const a = compiled.evaluate(scopeOf({}, { random: sequence(0.1, 0.7, 0.3, 0.9) }));
    const b = compiled.evaluate(scopeOf({}, { random: sequence(0.1, 0.7, 0.3, 0.9) }));
    expect(a).toBe(b);
    expect(a).toHaveLength(12);
  });

  it('validates computed arguments per object', () => {
    expect(() => run('RandomString([n], 0, 0, 0, 0)', { n: 0 })).toThrow('RandomString: Length must be between 1 and 256, got 0');
    expect(() => run('RandomString(4, 1, 0, 0, 0, [avoid])', { avoid: '0123456789' })).toThrow(
      'RandomString: CharactersToAvoid excludes every one of the numbers',
    );
    expect(run('Redact(RandomString([n], 0, 0, 0, 0))', { n: 8 })).toHaveLength(8);
  });
});
