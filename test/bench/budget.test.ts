import { describe, expect, it } from 'vitest';
import { cpuBudget } from '../../bench/e2e/budget.js';

describe('cpuBudget', () => {
  it('bounds a client by its one thread and by the cores it shares with the app', () => {
    // 0.4 ms a create on one thread: 2,500/s at most; with the app's 0.2 ms, 2 cores allow 3,333/s.
    const budget = cpuBudget({ clientCpuMs: 40_000, creates: 100_000, appCpuMs: 20_000, appRequests: 100_000, loopCpuMs: 3_400, loopRequests: 20_000, cores: 2, ceilingPerSecond: 5_000 });
    expect(budget).toMatchObject({ clientMs: 0.4, appMs: 0.2, loopMs: 0.17, oneThreadBound: 2500, allCoresBound: 3333, oneThreadRatio: 0.5, allCoresRatio: 0.67 });
    // 0.9 × 5,000 = 4,500/s: 2 cores leave 2/4,500 s − 0.2 ms = 0.244 ms a create; one thread allows 0.222 ms.
    expect(budget.clientMsFor).toEqual({ target: 0.9, ms: 0.222 });
  });

  it('lets the cores decide when the app is the heavier side', () => {
    const budget = cpuBudget({ clientCpuMs: 10_000, creates: 100_000, appCpuMs: 60_000, appRequests: 100_000, loopCpuMs: 1, loopRequests: 1, cores: 2, ceilingPerSecond: 2_000 });
    expect(budget.oneThreadBound).toBe(2857);
    expect(budget.clientMsFor.ms).toBeCloseTo(0.511, 3);
  });
});
