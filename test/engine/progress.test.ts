import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ProgressReporter } from '../../src/engine/progress.js';
import { createLogger } from '../../src/log.js';
import type { CycleProgress } from '../../src/state/store.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('info', new Writable({ write: (chunk, _e, done) => (lines.push(JSON.parse(String(chunk)) as Record<string, unknown>), done()) }));
  return { log, lines };
}

describe('ProgressReporter', () => {
  it('reports every interval and at the end of each phase, with done/total, rate and ETA', () => {
    let now = 0;
    const reports: CycleProgress[] = [];
    const { log, lines } = capture();
    const progress = new ProgressReporter({ log, intervalMs: 10_000, now: () => now, onReport: (p) => reports.push(p) });
    progress.start('sync users', 1_000);
    for (let i = 0; i < 100; i++) {
      now += 50; // 100 users in 5 s: no report yet
      progress.advance();
    }
    expect(reports).toEqual([]);
    now += 5_000;
    progress.advance();
    expect(reports).toEqual([expect.objectContaining({ phase: 'sync users', done: 101, total: 1_000, rate: 10.1, etaSeconds: 89 })]);
    expect(lines.at(-1)?.msg).toBe('sync users: 101/1000 at 10.1/s, ETA 89s');
    progress.start('deprovision users', 2);
    expect(lines.at(-1)?.msg).toMatch(/^sync users: 101\/1000 at .*\/s, done$/);
    progress.advance(2);
    progress.finish();
    expect(reports.at(-1)).toMatchObject({ phase: 'deprovision users', done: 2, total: 2 });
  });

  it('says the ETA is unknown while the total is', () => {
    let now = 0;
    const { log, lines } = capture();
    const progress = new ProgressReporter({ log, intervalMs: 1_000, now: () => now });
    progress.start('sync users');
    now = 2_000;
    progress.advance(40);
    expect(lines.at(-1)?.msg).toBe('sync users: 40 at 20/s, ETA unknown');
  });
});
