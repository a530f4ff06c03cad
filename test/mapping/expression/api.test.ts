import { describe, expect, it } from 'vitest';
import {
  compileExpression,
  ExpressionError,
  ExpressionEvaluationError,
  FUNCTION_NAMES,
  IGNORE_FLOW,
} from '../../../src/mapping/expression/index.js';
import { run, scopeOf } from './helpers.js';

const REFERENCE_FUNCTIONS = [
  'Append', 'AppRoleAssignmentsComplex', 'AssertiveAppRoleAssignmentsComplex', 'BitAnd', 'CBool', 'CDate', 'Coalesce', 'ConvertToBase64', 'ConvertToUTF8Hex', 'Count', 'CStr',
  'DateAdd', 'DateDiff', 'DateFromNum', 'FormatDateTime', 'Guid', 'IgnoreFlowIfNullOrEmpty', 'IIF', 'InStr', 'IsNull', 'IsNullOrEmpty',
  'IsPresent', 'IsString', 'Item', 'Join', 'Left', 'Mid', 'NormalizeDiacritics', 'Not', 'Now', 'NumFromDate', 'PCase', 'RandomString',
  'Redact', 'RemoveDuplicates', 'Replace', 'SelectUniqueValue', 'SingleAppRoleAssignment', 'Split', 'StripSpaces', 'Switch', 'ToLower',
  'ToUpper', 'Word',
];

describe('public contract', () => {
  it('FUNCTION_NAMES lists exactly the 44 reference functions, sorted case-insensitively', () => {
    expect(FUNCTION_NAMES).toHaveLength(44);
    expect([...FUNCTION_NAMES].sort()).toEqual([...REFERENCE_FUNCTIONS].sort());
    expect(FUNCTION_NAMES.slice(0, 4)).toEqual(['Append', 'AppRoleAssignmentsComplex', 'AssertiveAppRoleAssignmentsComplex', 'BitAnd']);
    expect(FUNCTION_NAMES.slice(-3)).toEqual(['ToLower', 'ToUpper', 'Word']);
    expect(Object.isFrozen(FUNCTION_NAMES)).toBe(true);
  });

  it('compiles once and evaluates many times against different scopes', () => {
    const compiled = compileExpression('Join(" ", [givenName], [surname])');
    expect(compiled.text).toBe('Join(" ", [givenName], [surname])');
    expect(compiled.attributes).toEqual(['givenName', 'surname']);
    expect(compiled.evaluate(scopeOf({ givenName: 'Ana', surname: 'Lima' }))).toBe('Ana Lima');
    expect(compiled.evaluate(scopeOf({ givenName: 'Bo' }))).toBe('Bo');
  });

  it('IGNORE_FLOW is a symbol distinct from every value', () => {
    expect(typeof IGNORE_FLOW).toBe('symbol');
    expect(run('IgnoreFlowIfNullOrEmpty([x])')).toBe(IGNORE_FLOW);
  });

  it('evaluation errors are ExpressionEvaluationError and name the function', () => {
    let caught: unknown;
    try {
      run('CDate([d])', { d: 'yesterday' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ExpressionEvaluationError);
    expect((caught as Error).message).toBe('CDate: cannot read "yesterday" as a date');
    expect((caught as Error).name).toBe('ExpressionEvaluationError');
  });

  it('wraps unexpected host errors of one object into ExpressionEvaluationError', () => {
    const compiled = compileExpression('ToLower([a])');
    const scope = { ...scopeOf(), attribute: () => { throw new RangeError('boom'); } };
    expect(() => compiled.evaluate(scope)).toThrow(new ExpressionEvaluationError('ToLower([a]): boom'));
  });

  it('compile errors are ExpressionError with reason and column', () => {
    expect(() => compileExpression('Join(')).toThrow(ExpressionError);
  });

  it('renders objects of complex attributes as JSON text and keeps numbers and booleans', () => {
    expect(run('[manager]', { manager: { id: 'm1' } })).toBe('{"id":"m1"}');
    expect(run('[employeeNumber]', { employeeNumber: 7 })).toBe(7);
    expect(run('[v]', { v: [true, 2, 'x', null] })).toEqual([true, 2, 'x', null]);
    expect(run('CDate([v])', { v: ['2021-01-01'] })).toEqual(['1/1/2021 12:00:00 AM']);
  });

  it('never touches the host clock or randomness: Now and Guid come from the scope', () => {
    const scope = scopeOf({}, { now: new Date('2000-01-01T00:00:00Z'), random: () => 0 });
    expect(compileExpression('Now()').evaluate(scope)).toBe('1/1/2000 12:00:00 AM');
    expect(compileExpression('Guid()').evaluate(scope)).toBe('00000000-0000-4000-8000-000000000000');
  });
});
