import { describe, expect, it } from 'vitest';
import { guardOperations, threshold } from '../../src/engine/guard.js';
import type { UserOperation } from '../../src/engine/plan.js';

const disable = (n: number): UserOperation[] =>
  Array.from({ length: n }, (_, i) => ({ kind: 'disable', sourceId: `s${i}`, label: `u${i}`, targetId: `t${i}`, changes: [], attributes: {}, reason: 'disabled' }));
const create: UserOperation = { kind: 'create', sourceId: 'new', label: 'new', mapped: { attributes: {}, createOnly: {} }, match: [] };

const base = { readComplete: true, readCount: 1000, previousReadCount: 1000, linkedCount: 1000, maxDeletes: '5%', maxSourceDrop: '20%', allowDeletes: false } as const;

describe('guardOperations', () => {
  it('lets a plan under the threshold through', () => {
    const result = guardOperations({ ...base, operations: [create, ...disable(50)] });
    expect(result.verdict).toBe('pass');
    expect(result.allowed).toHaveLength(51);
  });

  it('holds every disable and delete above maxDeletes but still creates', () => {
    const result = guardOperations({ ...base, operations: [create, ...disable(300)] });
    expect(result.verdict).toBe('guarded');
    expect(result.allowed).toEqual([create]);
    expect(result.held).toHaveLength(300);
    expect(result.reason).toMatch(/300 disables\/deletes planned.*--allow-deletes/);
  });

  it('--allow-deletes lets them through once', () => {
    expect(guardOperations({ ...base, allowDeletes: true, operations: disable(300) }).verdict).toBe('pass');
  });

  it('a partial read holds deprovisioning whatever the flags say', () => {
    const result = guardOperations({ ...base, readComplete: false, allowDeletes: true, operations: [create, ...disable(1)] });
    expect(result.verdict).toBe('partial');
    expect(result.allowed).toEqual([create]);
  });

  it('a read sharply smaller than the previous one holds deprovisioning', () => {
    const result = guardOperations({ ...base, readCount: 700, operations: disable(2) });
    expect(result.verdict).toBe('partial');
    expect(result.reason).toMatch(/300 fewer than the previous read/);
  });

  it('percentages round up and never below one; counts are counts', () => {
    expect(threshold('5%', 1000)).toBe(50);
    expect(threshold('5%', 3)).toBe(1);
    expect(threshold(7, 3)).toBe(7);
  });
});
