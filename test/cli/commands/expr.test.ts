import { describe, expect, it } from 'vitest';
import { softDeletedFlag } from '../../../src/cli/commands/expr.js';

describe('expr: IsSoftDeleted', () => {
  it('comes from --attrs (true/false, any case) or --soft-deleted', () => {
    expect(softDeletedFlag(undefined, false, false)).toBe('False');
    expect(softDeletedFlag(undefined, false, true)).toBe('True');
    expect(softDeletedFlag(true, true, false)).toBe('True');
    expect(softDeletedFlag('FALSE', true, false)).toBe('False');
    expect(softDeletedFlag('True', true, true)).toBe('True');
  });

  it('refuses a value that is neither, and a contradiction, with a pointer to --soft-deleted', () => {
    expect(softDeletedFlag('yes', true, false)).toEqual({ error: expect.stringContaining('or leave it out and pass --soft-deleted') });
    expect(softDeletedFlag(1, true, false)).toEqual({ error: expect.stringContaining('not 1') });
    expect(softDeletedFlag(false, true, true)).toEqual({ error: expect.stringContaining('give one of them') });
  });
});
