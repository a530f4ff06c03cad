import { afterEach, describe, expect, it } from 'vitest';
import { describeTrigger, Scheduler, triggerFor, type Trigger } from '../../src/daemon/scheduler.js';
import { testConfig, waitFor } from './support.js';

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
  it('starts an interval job at once, then every interval, never before its slot, and says when it runs next', async () => {
    // The scheduler's clock, read through: every start can be checked against what it saw.
    let clock = 0;
    const now = () => (clock = Date.now());
    const starts: { at: number; next: number }[] = [];
    const scheduler = new Scheduler(() => starts.push({ at: clock, next: scheduler.nextRun('app')!.getTime() }), now);
    schedulers.push(scheduler);
    scheduler.apply(new Map<string, Trigger>([['app', { kind: 'every', everyMs: 1_000 }]]));
    expect(starts).toHaveLength(1);
    // The next run is the first whole second at least one interval after the start.
    expect(starts[0]!.next).toBe(Math.ceil((starts[0]!.at + 1_000) / 1_000) * 1_000);
    await waitFor(() => starts.length >= 3, 'three starts');
    for (let i = 1; i < starts.length; i++) {
      // Started at (or, within the tick tolerance, just before) the slot announced; late is fine.
      expect(starts[i]!.at).toBeGreaterThanOrEqual(starts[i - 1]!.next - 250);
      // The next slot moves on by whole intervals (slots missed while busy are skipped).
      expect(starts[i]!.next).toBeGreaterThan(starts[i]!.at);
      expect((starts[i]!.next - starts[i - 1]!.next) % 1_000).toBe(0);
    }
  });

  it('starts a cron job at its matches only', async () => {
    const fired: string[] = [];
    const scheduler = start((job) => fired.push(job));
    const before = Date.now();
    scheduler.apply(new Map<string, Trigger>([['app', { kind: 'cron', expression: '* * * * * *' }]]));
    expect(fired).toEqual([]);
    // The next match of "every second" is the next whole second.
    const next = scheduler.nextRun('app')!.getTime();
    expect(next % 1_000).toBe(0);
    expect(next).toBeGreaterThan(before);
    await waitFor(() => fired.length >= 2, 'two cron matches');
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
    // A witness on the same schedule: once it has fired twice, a second boundary has surely passed.
    const witnessed: string[] = [];
    start((job) => witnessed.push(job)).apply(new Map<string, Trigger>([['witness', { kind: 'cron', expression: '* * * * * *' }]]));
    await waitFor(() => witnessed.length >= 2, 'two matches of the witness');
    expect(fired).toEqual([]);
    expect(scheduler.nextRun('app')).toBeUndefined();
  });
});
