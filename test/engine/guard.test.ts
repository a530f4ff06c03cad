import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { guardOperations, PERCENT_FLOOR, threshold } from '../../src/engine/guard.js';
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

  it('percentages round up and never below the floor of 10; counts are counts', () => {
    expect(threshold('5%', 1000)).toBe(50);
    expect(threshold('5%', 3)).toBe(PERCENT_FLOOR);
    expect(PERCENT_FLOOR).toBe(10);
    expect(threshold(7, 3)).toBe(7);
    expect(threshold(2, 35)).toBe(2);
  });
});

describe('the default deletion guard (safety.maxDeletes as the schema defaults it)', () => {
  const defaults = configSchema.parse({
    sources: { corp: { type: 'entra', tenantId: 't', clientId: 'c', clientSecret: 's' } },
    jobs: [{ name: 'app', source: 'corp', target: { url: 'https://app.example/scim', token: 't' }, users: { mappings: [{ target: 'userName', source: 'userPrincipalName' }] } }],
  }).jobs[0]!.safety;
  const week = (linkedCount: number, leavers: number) =>
    guardOperations({ ...base, ...defaults, readCount: linkedCount - leavers, previousReadCount: linkedCount, linkedCount, operations: [create, ...disable(leavers)] });

  it("lets a 30-user pilot's ordinary week through: 4 leavers among 35 linked", () => {
    expect(week(35, 4).verdict).toBe('pass');
  });

  it('still holds a pilot that loses everyone at once (its scope group emptied by mistake)', () => {
    const result = guardOperations({ ...base, ...defaults, maxSourceDrop: '100%', readCount: 0, previousReadCount: 35, linkedCount: 35, operations: disable(35) });
    expect(result.verdict).toBe('guarded');
    expect(result.held).toHaveLength(35);
  });

  it('holds a mass deletion in a 100,000-user tenant, and lets its normal churn through', () => {
    expect(week(100_000, 300).verdict).toBe('pass');
    const mass = guardOperations({ ...base, ...defaults, maxSourceDrop: '100%', readCount: 80_000, previousReadCount: 100_000, linkedCount: 100_000, operations: disable(20_000) });
    expect(mass.verdict).toBe('guarded');
    expect(mass.reason).toMatch(/20000 disables\/deletes planned, above safety\.maxDeletes \(5% = 5000 of 100000 linked\)/);
    expect(mass.allowed).toEqual([]);
  });
});
