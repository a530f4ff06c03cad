/**
 * The daemon's HTTP side and `--sync-now` beside it: /healthz, /readyz, /metrics (Prometheus text
 * whose counters match the cycles' operations), POST /sync behind its token, and a one-shot that
 * hands its cycle to the daemon — or, without the token, waits for the daemon's cycle — so that
 * there is only ever one writer.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateStore } from '../../src/state/store.js';
import { parsePrometheusText, sampleValue } from '../daemon/prometheus-text.js';
import { DaemonProcess, SYNC_TOKEN, variantOf, withTopLevel } from './daemon-harness.js';
import { E2eEnvironment, writes } from './harness.js';

let env: E2eEnvironment;
let daemon: DaemonProcess;
let config: string;
let url: string;
const ids: Record<string, string> = {};
const packageVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

async function metrics(): Promise<(name: string, labels?: Record<string, string>) => number> {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  const samples = parsePrometheusText(await response.text());
  return (name, labels = {}) => sampleValue(samples, name, labels);
}

beforeAll(async () => {
  env = await E2eEnvironment.start();
  for (const name of ['ada', 'grace', 'ken']) {
    ids[name] = env.graph.upsertUser({ userPrincipalName: `${name}@contoso.example`, givenName: name, surname: 'X', displayName: name, jobTitle: 'Engineer' });
  }
  config = withTopLevel(env.writeConfig(), { schedule: { every: '1h' }, server: { port: 0, token: '${SYNC_TOKEN}' } });
  daemon = DaemonProcess.start(env, config);
  url = await daemon.url();
  await daemon.waitForLog((l) => l.msg === 'cycle success');
});

afterAll(async () => {
  await daemon?.stop();
  await env?.stop();
});

describe('the daemon’s endpoints', () => {
  it('is alive and ready', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(await ready.json()).toEqual({ ready: true, reasons: [] });
  });

  it('serves /metrics as Prometheus text whose counters match the first cycle', async () => {
    const first = daemon.cycles()[0]!;
    const counts = first.counts as Record<string, number>;
    expect(counts).toMatchObject({ created: 3, failed: 0 });
    const value = await metrics();
    expect(value('provisiond_cycles_total', { job: 'app', outcome: 'success' })).toBe(1);
    expect(value('provisiond_build_info', { version: packageVersion, node: process.version })).toBe(1);
    expect(value('provisiond_user_operations_total', { job: 'app', outcome: 'created' })).toBe(counts.created);
    expect(value('provisiond_user_operations_total', { job: 'app', outcome: 'failed' })).toBe(0);
    expect(value('provisiond_last_cycle_outcome', { job: 'app', outcome: 'success' })).toBe(1);
    expect(value('provisiond_last_cycle_outcome', { job: 'app', outcome: 'failed' })).toBe(0);
    expect(value('provisiond_operations_planned_total', { job: 'app', kind: 'create' })).toBe(counts['planned.create']);
    expect(value('provisiond_cycle_duration_seconds_count', { job: 'app' })).toBe(1);
    expect(value('provisiond_source_requests_total', { job: 'app' })).toBe(counts.sourceRequests);
    expect(value('provisiond_target_requests_total', { job: 'app' })).toBe(counts.targetRequests);
    expect(value('provisiond_linked_objects', { job: 'app', kind: 'user', state: 'active' })).toBe(3);
    expect(value('provisiond_pending_operations', { job: 'app' })).toBe(0);
    // The times are the recorded ones, not "recent": a slow machine does not make them wrong.
    const store = StateStore.open(join(env.dir, 'state.db'));
    const lastSuccess = store.latestRun('app', ['success'])!;
    store.close();
    expect(value('provisiond_last_success_timestamp_seconds', { job: 'app' })).toBe(Date.parse(lastSuccess.finishedAt!) / 1000);
    expect(value('provisiond_last_cycle_timestamp_seconds', { job: 'app' })).toBe(Date.parse(lastSuccess.finishedAt!) / 1000);
    const next = Date.parse(daemon.logs.find((l) => l.msg === 'next cycle scheduled')!.nextRunAt as string);
    expect(value('provisiond_next_run_timestamp_seconds', { job: 'app' })).toBe(next / 1000);
    // Every 1h: an hour (or more, to the next whole minute) after the schedule began, which was after it listened.
    const listening = Date.parse(daemon.logs.find((l) => String(l.msg).startsWith('listening'))!.time as string);
    expect(next).toBeGreaterThanOrEqual(listening + 3_600_000);
  });

  it('answers POST /sync without the token, or with a wrong one, with 401 and runs nothing', async () => {
    const cycles = daemon.cycles().length;
    expect((await fetch(`${url}/sync`, { method: 'POST' })).status).toBe(401);
    expect((await fetch(`${url}/sync`, { method: 'POST', headers: { authorization: 'Bearer not-the-token-at-all' } })).status).toBe(401);
    expect(daemon.cycles()).toHaveLength(cycles);
    expect(daemon.stderr + JSON.stringify(daemon.logs)).not.toContain(SYNC_TOKEN);
  });

  it('answers POST /sync for an unknown job with 404 and counts it as such, not as accepted', async () => {
    const before = await metrics();
    const response = await fetch(`${url}/sync`, { method: 'POST', headers: { authorization: `Bearer ${SYNC_TOKEN}` }, body: '{"job":"nope"}' });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: expect.stringContaining('no job named "nope"') });
    const after = await metrics();
    expect(after('provisiond_sync_requests_total', { result: 'unknown_job' })).toBe(before('provisiond_sync_requests_total', { result: 'unknown_job' }) + 1);
    expect(after('provisiond_sync_requests_total', { result: 'accepted' })).toBe(before('provisiond_sync_requests_total', { result: 'accepted' }));
  });
});

describe('--sync-now beside the daemon', () => {
  it('hands the cycle to the daemon: one writer, and both report the same run and outcome', async () => {
    await env.clearScimRequests();
    env.graph.patchUser(ids.ada!, { jobTitle: 'Countess' });
    // As `docker run IMAGE provisiond --sync-now` calls it: the entrypoint is provisiond already.
    const run = await env.runCli(['provisiond', '--sync-now', '--full', '--config', config], { SYNC_TOKEN });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.logs.find((l) => l.msg === 'handing the cycle to the running daemon')).toMatchObject({ daemon: expect.stringMatching(/^pid \d+ on /) });
    const mine = run.logs.find((l) => l.msg === 'cycle success')!;
    // The daemon's line may reach its stdout a moment after the answer (its logs are buffered up to 250 ms).
    const theirs = await daemon.waitForLog((l) => daemon.cycles().includes(l) && l.runId === mine.runId);
    expect(mine).toMatchObject({ job: 'app', runId: theirs.runId, outcome: 'success', counts: theirs.counts });
    // The daemon sent the one PATCH; the one-shot sent nothing itself.
    expect(run.logs.filter((l) => l.op !== undefined)).toEqual([]);
    expect(daemon.logs.filter((l) => l.op === 'update' && l.runId === theirs.runId)).toHaveLength(1);
    expect(writes(await env.scimRequests()).map((r) => r.method)).toEqual(['PATCH']);
    const value = await metrics();
    expect(value('provisiond_cycles_total', { job: 'app', outcome: 'success' })).toBe(2);
    expect(value('provisiond_user_operations_total', { job: 'app', outcome: 'updated' })).toBe(1);
    expect(value('provisiond_sync_requests_total', { result: 'accepted' })).toBe(1);
  });

  it('refuses an unknown job before bothering the daemon (exit 2), and daemon-only flags without --sync-now', async () => {
    const unknown = await env.runCli(['--sync-now', '--job', 'nope', '--config', config], { SYNC_TOKEN });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no job named "nope"');
    const misplaced = await env.runCli(['--allow-deletes', '--config', config], { SYNC_TOKEN });
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toContain('--allow-deletes only go with --sync-now');
  });

  it('reports the daemon’s failure with exit code 1', async () => {
    env.graph.patchUser(ids.grace!, { jobTitle: 'Admiral' });
    await env.injectScimFault({ status: 400, count: 1, method: 'PATCH', scimType: 'invalidValue' });
    const run = await env.runCli(['--sync-now', '--config', config], { SYNC_TOKEN });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const mine = run.logs.find((l) => l.msg === 'cycle failed')!;
    // At error level on both sides, so an alert on level sees it.
    expect(mine).toMatchObject({ job: 'app', outcome: 'failed', level: 'error' });
    expect(await daemon.waitForLog((l) => daemon.cycles().includes(l) && l.runId === mine.runId)).toMatchObject({ msg: 'cycle failed', runId: mine.runId, level: 'error' });
    // The summary, last on stdout, names what the daemon failed to send and why, as a local run's would.
    const summary = JSON.parse(run.stdout.trimEnd().split('\n').at(-1)!) as { msg: string; exitCode: number; jobs: { failures: unknown[] }[] };
    expect(summary).toMatchObject({ msg: 'sync-now summary: a cycle failed', exitCode: 1 });
    expect(summary.jobs[0]!.failures).toEqual([expect.objectContaining({ kind: 'user', sourceId: ids.grace, operation: 'update', status: 400 })]);
    // Still ready: it can serve /sync and be scraped. The failure is in the metrics (and in status).
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, reasons: [] });
    const value = await metrics();
    expect(value('provisiond_last_cycle_outcome', { job: 'app', outcome: 'failed' })).toBe(1);
    expect(value('provisiond_last_cycle_outcome', { job: 'app', outcome: 'success' })).toBe(0);
    expect(value('provisiond_user_operations_total', { job: 'app', outcome: 'failed' })).toBe(1);
  });

  it('without the token, waits for the daemon’s cycle to end, then runs its own: never two at once', async () => {
    const noToken = variantOf(config, 'no-token.yaml', { server: { port: 0 } });
    await env.clearScimFaults();
    env.graph.patchUser(ids.ken!, { jobTitle: 'Hacker' });
    // The daemon's cycle stays mid-read until the one-shot has said it waits for it.
    const release = env.graph.holdGraphRequests();
    let daemonRun: Promise<Response> | undefined;
    try {
      const from = daemon.logs.length;
      daemonRun = fetch(`${url}/sync`, { method: 'POST', headers: { authorization: `Bearer ${SYNC_TOKEN}` } });
      await daemon.waitForLog((l) => l.msg === 'cycle starting' && l.trigger === 'requested', { from });
      const oneShot = env.startCli(['--sync-now', '--config', noToken]);
      await oneShot.waitForLog((l) => l.msg === 'waiting for the cycle another process is running of this job to end');
      release();
      const run = await oneShot.result;
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect((await daemonRun).status).toBe(200);
      expect(run.logs.map((l) => l.msg)).toEqual(
        expect.arrayContaining(['a daemon serves this state database, but server.token is not set to hand it the cycle; running it here, between its cycles']),
      );
      const oneShotRunId = run.logs.find((l) => l.msg === 'cycle success')!.runId as number;
      const store = StateStore.open(join(env.dir, 'state.db'));
      const runs = store.recentRuns('app', 2);
      store.close();
      const [own, daemons] = runs;
      expect(own!.id).toBe(oneShotRunId);
      expect(daemons).toMatchObject({ outcome: 'success' });
      expect(Date.parse(own!.startedAt)).toBeGreaterThanOrEqual(Date.parse(daemons!.finishedAt!));
      // The daemon's cycle sent the change; the one-shot after it found it done.
      const kenUpdated = (l: Record<string, unknown>) => l.op === 'update' && l.user === 'ken@contoso.example' && l.outcome === 'updated';
      expect(daemon.logs.slice(from).filter(kenUpdated)).toHaveLength(1);
      expect(run.logs.filter((l) => l.op === 'update' && l.user === 'ken@contoso.example')).toEqual([]);
    } finally {
      release();
      await daemonRun?.catch(() => undefined);
    }
  });
});
