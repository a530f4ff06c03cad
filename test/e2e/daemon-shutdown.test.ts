/**
 * Stopping the daemon mid-cycle: SIGTERM lets in-flight requests finish (within the shutdown
 * timeout) and exits 0 with every confirmed operation recorded; a second signal exits at once;
 * a daemon killed outright leaves leases that the next process reclaims at once (its pid is gone).
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StateStore } from '../../src/state/store.js';
import { DaemonProcess, HANG_TIMEOUT_MS, withTopLevel } from './daemon-harness.js';
import { E2eEnvironment } from './harness.js';

let env: E2eEnvironment;
let daemon: DaemonProcess | undefined;

beforeAll(async () => {
  env = await E2eEnvironment.start();
});

afterEach(async () => {
  await daemon?.stop();
  await env.clearScimFaults();
});

afterAll(async () => {
  await env?.stop();
});

function addUsers(prefix: string, count: number): void {
  for (let i = 0; i < count; i++) env.graph.upsertUser({ userPrincipalName: `${prefix}${i}@contoso.example`, givenName: prefix, surname: String(i), displayName: `${prefix} ${i}` });
}

function config(shutdownTimeout: string): string {
  return withTopLevel(env.writeConfig({ target: { url: env.scimUrl, token: '${SCIM_TOKEN}', concurrency: 2, maxRetries: 2 } }), {
    schedule: { every: '1h' },
    server: { port: 0, shutdownTimeout },
  });
}

function snapshot(): { links: Map<string, { label: string; state: string }>; runs: ReturnType<StateStore['recentRuns']>; leases: ReturnType<StateStore['leases']> } {
  const store = StateStore.open(join(env.dir, 'state.db'));
  try {
    return { links: store.links('app', 'user'), runs: store.recentRuns('app', 10), leases: store.leases() };
  } finally {
    store.close();
  }
}

/** Polls the app's side (the daemon's log has no line for "request sent"); the bound only turns a hang into a failure. */
async function until(what: string, probe: () => Promise<boolean>): Promise<void> {
  for (const hang = Date.now() + HANG_TIMEOUT_MS; !(await probe()); ) {
    if (Date.now() > hang) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Every create the daemon logged as confirmed is a link in the snapshot. */
function expectConfirmedRecorded(logs: readonly Record<string, unknown>[]): number {
  const confirmed = logs.filter((l) => l.op === 'create' && (l.outcome === 'created' || l.outcome === 'linked'));
  const labels = new Set([...snapshot().links.values()].map((l) => l.label));
  for (const op of confirmed) expect(labels.has(op.user as string), `${String(op.user)} is recorded`).toBe(true);
  return confirmed.length;
}

describe('stopping the daemon', () => {
  it('on SIGTERM mid-cycle, lets the cycle finish within the timeout, records it, and exits 0', async () => {
    addUsers('calm', 6);
    await env.injectScimFault({ delayMs: 500, count: 100, method: 'POST' });
    daemon = DaemonProcess.start(env, config('20s'));
    await daemon.waitForLog((l) => l.op === 'create' && l.outcome === 'created');
    daemon.signal('SIGTERM');
    expect(await daemon.exited).toEqual({ code: 0, signal: null });
    expect(daemon.logs.find((l) => l.msg === 'stopping: no new cycles; running cycles may finish')).toMatchObject({ signal: 'SIGTERM', running: ['app'] });
    expect(daemon.cycles().at(-1)).toMatchObject({ msg: 'cycle success', counts: expect.objectContaining({ created: 6 }) });
    expect(expectConfirmedRecorded(daemon.logs)).toBe(6);
    const { runs, leases } = snapshot();
    expect(runs[0]).toMatchObject({ outcome: 'success' });
    expect(leases).toEqual([]);
  });

  it('on SIGTERM with a cycle longer than the timeout, exits 0 when the timeout ends, with every confirmed operation recorded', async () => {
    // 8 creates, 2 at a time, 2 s each: the cycle needs 8 s; the daemon waits 1 s for it.
    addUsers('slow', 8);
    await env.injectScimFault({ delayMs: 2_000, count: 100, method: 'POST' });
    daemon = DaemonProcess.start(env, config('1s'));
    await daemon.waitForLog((l) => l.op === 'create' && l.outcome === 'created');
    daemon.signal('SIGTERM');
    expect(await daemon.exited).toEqual({ code: 0, signal: null });
    // It gave up on the cycle when the timeout ran out: the cycle never finished, and says so.
    expect(daemon.logs.find((l) => typeof l.msg === 'string' && l.msg.startsWith('cycle interrupted'))).toMatchObject({
      job: 'app',
      msg: 'cycle interrupted: provisiond stopped (SIGTERM) after waiting 1000 ms',
    });
    expect(daemon.cycles()).toEqual([]);
    const confirmed = expectConfirmedRecorded(daemon.logs);
    expect(confirmed).toBeGreaterThan(0);
    expect(confirmed).toBeLessThan(8);
    const { runs, leases } = snapshot();
    expect(runs[0]).toMatchObject({ outcome: 'failed', message: expect.stringMatching(/^interrupted: provisiond stopped \(SIGTERM\)/) });
    expect(leases).toEqual([]);

    // The next run converges: requests that landed after the exit are linked, not duplicated.
    await env.clearScimFaults();
    const next = await env.runCli(['--sync-now', '--config', join(env.dir, 'provisiond.yaml')]);
    expect(next.code, next.stdout + next.stderr).toBe(0);
    const users = (await env.scimUsers()).filter((u) => String(u.userName).startsWith('slow'));
    expect(users).toHaveLength(8);
    expect(new Set(users.map((u) => u.userName)).size).toBe(8);
  });

  it('exits at once on a second signal, without waiting for requests in flight', async () => {
    addUsers('twice', 4);
    // Creates the app answers only after 40 s: a daemon that waited for them would still be running.
    await env.injectScimFault({ delayMs: 40_000, count: 4, method: 'POST' });
    await env.clearScimRequests();
    daemon = DaemonProcess.start(env, config('30s'));
    // Signal once a create is in flight (arrived at the app, unanswered), not at some moment before.
    await until('a create in flight', async () => (await env.scimRequests()).some((r) => r.method === 'POST' && r.status === 0));
    daemon.signal('SIGINT');
    await daemon.waitForLog((l) => String(l.msg).startsWith('stopping'));
    daemon.signal('SIGINT');
    // 130, not the 0 of a drained shutdown: the second signal ended it.
    expect(await daemon.exited).toEqual({ code: 130, signal: null });
    expect(daemon.logs.some((l) => l.msg === 'second signal: exiting now')).toBe(true);
    // It left before the app answered any create.
    expect(daemon.logs.filter((l) => l.op === 'create' && l.outcome === 'created')).toEqual([]);
    expect((await env.scimUsers()).filter((u) => String(u.userName).startsWith('twice'))).toEqual([]);
    expect(snapshot().runs[0]).toMatchObject({ outcome: 'failed', message: expect.stringMatching(/^interrupted: a second SIGINT/) });
    expect(snapshot().leases).toEqual([]);
  });
});

describe('a daemon killed outright', () => {
  it('leaves leases the next --sync-now reclaims at once, closing the run it left open', async () => {
    addUsers('killed', 6);
    await env.injectScimFault({ delayMs: 1_000, count: 100, method: 'POST' });
    daemon = DaemonProcess.start(env, config('30s'));
    await daemon.waitForLog((l) => l.op === 'create' && l.outcome === 'created');
    daemon.signal('SIGKILL');
    await daemon.exited;
    const left = snapshot();
    expect(left.leases.map((l) => l.name).sort()).toEqual(['daemon', 'job:app']);
    expect(left.runs[0]).toMatchObject({ outcome: 'running' });

    await env.clearScimFaults();
    const run = await env.runCli(['--sync-now', '--config', join(env.dir, 'provisiond.yaml')]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    // Reclaimed because the pid is gone, not after the 30 s lease expiry: it never waited.
    expect(run.logs.find((l) => l.lease === 'job:app')).toMatchObject({ msg: expect.stringMatching(/^reclaimed lease job:app: its holder \(pid \d+\) is no longer running/) });
    expect(run.logs.filter((l) => /^waiting for/.test(String(l.msg)))).toEqual([]);
    expect(run.logs.some((l) => l.msg === 'handing the cycle to the running daemon')).toBe(false);
    const after = snapshot();
    expect(after.runs.find((r) => r.id === left.runs[0]!.id)).toMatchObject({ outcome: 'failed', message: expect.stringMatching(/^interrupted: /) });
    expect(after.leases.map((l) => l.name)).toEqual(['daemon']);
    const users = (await env.scimUsers()).filter((u) => String(u.userName).startsWith('killed'));
    expect(users).toHaveLength(6);
  });
});
