import { afterEach, describe, expect, it } from 'vitest';
import { describeTrigger, Scheduler, triggerFor, type Trigger } from '../../src/daemon/scheduler.js';
import { sleep, testConfig, waitFor } from './support.js';

const schedulers: Scheduler[] = [];
afterEach(() => schedulers.splice(0).forEach((s) => s.stop()));

function start(fire: (job: string) => void): Scheduler {
  const scheduler = new Scheduler(fire);
  schedulers.push(scheduler);
  return scheduler;
}

describe('triggerFor', () => {
  it('defaults to every 40 minutes', () => {
    const loaded = testConfig();
    expect(triggerFor(loaded.jobs[0]!.config, loaded.config.schedule)).toEqual({ kind: 'every', everyMs: 40 * 60_000 });
  });

  it('uses the top-level cron with its time zone, and a job’s own schedule over it', () => {
    const loaded = testConfig(['a', 'b'], { schedule: { cron: '*/5 * * * *', timezone: 'Europe/Berlin' } });
    expect(triggerFor(loaded.jobs[0]!.config, loaded.config.schedule)).toEqual({ kind: 'cron', expression: '*/5 * * * *', timezone: 'Europe/Berlin' });
    const own = testConfig(['a'], { schedule: { cron: '*/5 * * * *' } }, { schedule: { every: '10m' } });
    expect(triggerFor(own.jobs[0]!.config, own.config.schedule)).toEqual({ kind: 'every', everyMs: 600_000 });
  });

  it('describes triggers the way admins wrote them', () => {
    expect(describeTrigger({ kind: 'every', everyMs: 40 * 60_000 })).toBe('every 40m');
    expect(describeTrigger({ kind: 'every', everyMs: 1_500 })).toBe('every 1500ms');
    expect(describeTrigger({ kind: 'cron', expression: '0 * * * *', timezone: 'UTC' })).toBe('cron "0 * * * *" (UTC)');
  });
});

describe('Scheduler', () => {
  it('starts an interval job at once, then every interval, and says when it runs next', async () => {
    const fired: number[] = [];
    const scheduler = start(() => fired.push(Date.now()));
    const began = Date.now();
    scheduler.apply(new Map<string, Trigger>([['app', { kind: 'every', everyMs: 1_000 }]]));
    expect(fired).toHaveLength(1);
    const next = scheduler.nextRun('app')!.getTime();
    expect(next).toBeGreaterThanOrEqual(began + 1_000);
    expect(next).toBeLessThanOrEqual(began + 2_000);
    await waitFor(() => fired.length >= 3, 4_000, 'three starts');
    expect(fired[2]! - fired[1]!).toBeGreaterThanOrEqual(900);
  });

  it('starts a cron job at its matches only', async () => {
    const fired: string[] = [];
    const scheduler = start((job) => fired.push(job));
    scheduler.apply(new Map<string, Trigger>([['app', { kind: 'cron', expression: '* * * * * *' }]]));
    expect(fired).toEqual([]);
    expect(scheduler.nextRun('app')!.getTime()).toBeLessThanOrEqual(Date.now() + 1_000);
    await waitFor(() => fired.length >= 2, 3_000, 'two cron matches');
  });

  it('keeps an unchanged job’s timing on apply, restarts a changed one, and stops a removed one', async () => {
    const fired: string[] = [];
    const scheduler = start((job) => fired.push(job));
    scheduler.apply(new Map<string, Trigger>([['a', { kind: 'every', everyMs: 60_000 }], ['b', { kind: 'every', everyMs: 60_000 }]]));
    expect(fired.sort()).toEqual(['a', 'b']);
    const nextA = scheduler.nextRun('a');
    scheduler.apply(new Map<string, Trigger>([['a', { kind: 'every', everyMs: 60_000 }], ['c', { kind: 'cron', expression: '0 0 1 1 *' }]]));
    expect(scheduler.nextRun('a')).toEqual(nextA);
    expect(scheduler.nextRun('b')).toBeUndefined();
    expect(scheduler.trigger('c')).toEqual({ kind: 'cron', expression: '0 0 1 1 *' });
    expect(fired.sort()).toEqual(['a', 'b']);
  });

  it('starts nothing once stopped', async () => {
    const fired: string[] = [];
    const scheduler = start((job) => fired.push(job));
    scheduler.apply(new Map<string, Trigger>([['app', { kind: 'cron', expression: '* * * * * *' }]]));
    scheduler.stop();
    await sleep(1_200);
    expect(fired).toEqual([]);
    expect(scheduler.nextRun('app')).toBeUndefined();
  });
});
