/** Properties of the expression language that must hold for any input, not just the examples. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileExpression, ExpressionError } from '../../../src/mapping/expression/index.js';
import { run, scopeOf } from './helpers.js';

/** A string literal as an admin writes it: quotes and backslashes escaped with a backslash. */
const literal = (value: string) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

describe('expression parser (properties)', () => {
  it('never throws anything but an ExpressionError, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        try {
          compileExpression(text);
        } catch (error) {
          expect(error).toBeInstanceOf(ExpressionError);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('never throws anything but an ExpressionError on text built from the language’s own tokens', () => {
    const token = fc.constantFrom('Join(', 'ToLower(', 'Switch(', 'IIF(', ')', ',', '"a"', '"\\""', '[givenName]', '[x', '1', '-2.5', '&HFF', '=', '<>', ' ', 'Word(', 'Not(');
    fc.assert(
      fc.property(fc.array(token, { maxLength: 25 }), (tokens) => {
        try {
          compileExpression(tokens.join(''));
        } catch (error) {
          expect(error).toBeInstanceOf(ExpressionError);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('a string literal evaluates to exactly the text it escapes (quotes, backslashes, emoji, RTL, controls)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (value) => {
        expect(run(literal(value))).toBe(value);
      }),
      { numRuns: 1_000 },
    );
  });

  it('Join of literals is the values joined; ToLower(ToUpper(x)) equals ToLower(x)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 5 }), fc.array(fc.string({ maxLength: 10 }), { minLength: 1, maxLength: 5 }), (separator, values) => {
        expect(run(`Join(${[separator, ...values].map(literal).join(', ')})`)).toBe(values.filter((v) => v !== '').join(separator));
      }),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (value) => {
        expect(compileExpression('ToLower(ToUpper([v]))').evaluate(scopeOf({ v: value }))).toBe(compileExpression('ToLower([v])').evaluate(scopeOf({ v: value })));
      }),
    );
  });
});
