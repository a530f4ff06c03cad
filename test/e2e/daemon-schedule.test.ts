/**
 * The daemon on a short schedule against a slow SCIM target: cycles repeat, never overlap, the
 * next run is logged and shown by `status`, and a config change is applied (or refused) live.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateStore } from '../../src/state/store.js';
import { DaemonProcess, withTopLevel } from './daemon-harness.js';
import { E2eEnvironment } from './harness.js';

let env: E2eEnvironment;
let daemon: DaemonProcess;
let config: string;

const DELAY_MS = 1_200;

beforeAll(async () => {
  env = await E2eEnvironment.start();
  for (const name of ['ada', 'grace', 'ken']) env.graph.upsertUser({ userPrincipalName: `${name}@contoso.example`, givenName: name, surname: 'X', displayName: name });
  // title changes on every cycle (Now()), so every cycle has work for the slow target.
  config = withTopLevel(env.writeConfig({ users: { mappings: [{ target: 'userName', source: 'userPrincipalName' }, { target: 'title', expression: 'Now()' }] } }), {
    // Every cycle a full read: incremental ones would see no change to send.
    schedule: { every: '1s', fullSyncEvery: '0s' },
    server: { port: 0 },
  });
  await env.injectScimFault({ delayMs: DELAY_MS, count: 100_000, path: '/Users' });
  daemon = DaemonProcess.start(env, config);
});

afterAll(async () => {
  await daemon?.stop();
  await env?.stop();
});

describe('the daemon on a schedule', () => {
  it('runs a cycle every second, repeatedly, and never two at once', async () => {
    await daemon.waitForLog(() => daemon.cycles().length >= 3);
    const started = daemon.logs.find((l) => l.msg === 'provisiond started');
    expect(started).toMatchObject({ jobs: { app: { schedule: 'every 1s', nextRunAt: expect.any(String) } } });
    // Starts that came due while the slow cycle ran were skipped, not stacked.
    expect(daemon.logs.some((l) => l.msg === 'the previous cycle of this job is still running; skipping this scheduled start')).toBe(true);
    // The next run each cycle's end announces moves forward along the 1 s grid (slots that passed
    // while a slow cycle ran are skipped, so a step may be several seconds).
    const next = daemon.logs.filter((l) => l.msg === 'next cycle scheduled').map((l) => Date.parse(l.nextRunAt as string));
    expect(next.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < next.length; i++) {
      expect(next[i]!).toBeGreaterThan(next[i - 1]!);
      expect((next[i]! - next[i - 1]!) % 1_000).toBe(0);
    }

    const store = StateStore.open(join(env.dir, 'state.db'));
    const runs = store.recentRuns('app', 50).reverse().filter((r) => r.finishedAt !== null);
    store.close();
    expect(runs.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < runs.length; i++) {
      expect(Date.parse(runs[i]!.startedAt)).toBeGreaterThanOrEqual(Date.parse(runs[i - 1]!.finishedAt!));
    }
    // Each cycle waited on the slow target at least once.
    for (const run of runs) expect(Date.parse(run.finishedAt!) - Date.parse(run.startedAt)).toBeGreaterThanOrEqual(DELAY_MS - 50);
    expect(runs.every((r) => r.outcome === 'success')).toBe(true);
  });

  it('`provisiond status` beside it shows the daemon, the next run and the last runs', async () => {
    const status = await env.runCli(['status', '--config', config]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/daemon: running, pid \d+ on \S+ since \S+, http:\/\/127\.0\.0\.1:\d+/);
    expect(status.stdout).toContain('job app (every 1s)');
    expect(status.stdout).toMatch(/next run: {2}\d{4}-\d\d-\d\dT/);
    expect(status.stdout).toMatch(/ {4}RUN  STARTED +TOOK  OUTCOME  READ  CREATED/);
    expect(status.stdout).toMatch(/#\d+ +\S+ \S+ +[\d.]+m?s {2}success +3 +/);
    expect(status.stdout).toContain('pending failures: none');
    const json = await env.runCli(['status', '--json', '--config', config]);
    expect(JSON.parse(json.stdout)).toMatchObject({ daemon: { pid: daemon.child.pid }, jobs: [{ job: 'app', schedule: 'every 1s' }] });
  });

  it('reloads a changed config between cycles, and refuses an invalid one, keeping the old', async () => {
    const from = daemon.logs.length;
    const good = withTopLevel(config, { schedule: { every: '2s', fullSyncEvery: '0s' } });
    const reloaded = await daemon.waitForLog((l) => l.msg === 'config reloaded', { from });
    expect(reloaded).toMatchObject({ reason: 'the config file changed', jobs: { app: 'every 2s' } });
    expect(good).toBe(config);

    const before = daemon.logs.length;
    writeFileSync(config, '{ "jobs": [ { "name": "app" } ] }');
    daemon.signal('SIGHUP');
    const refused = await daemon.waitForLog((l) => l.msg === 'config reload refused; the running config stays in force', { from: before });
    expect(String(refused.error)).toContain('jobs[0].source');
    // The old config still runs cycles.
    const cyclesBefore = daemon.cycles().length;
    await daemon.waitForLog(() => daemon.cycles().length > cyclesBefore);
  });

  it('stops on SIGTERM with exit code 0', async () => {
    daemon.signal('SIGTERM');
    expect(await daemon.exited).toEqual({ code: 0, signal: null });
    expect(daemon.logs.at(-1)).toMatchObject({ msg: 'provisiond stopped', exitCode: 0 });
    // Everything it said was a JSON log line on stdout (node-cron's own console output included: none).
    expect(daemon.stderr).toBe('');
  });
});
