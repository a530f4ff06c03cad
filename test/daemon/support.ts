/** Shared bits of the daemon unit tests: a temp state database, a parsed config, a quiet logger, fake reports. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseConfig, type LoadedConfig } from '../../src/config/load.js';
import type { CycleOutcome, CycleReport } from '../../src/engine/cycle.js';
import { createLogger, type Logger } from '../../src/log.js';
import { StateStore } from '../../src/state/store.js';

export class TempDirs {
  private readonly dirs: string[] = [];

  make(prefix = 'provisiond-daemon-'): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  store(): { store: StateStore; path: string } {
    const path = join(this.make(), 'state.db');
    return { store: StateStore.open(path), path };
  }

  cleanup(): void {
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

/** A valid config with the given jobs (by name) and top-level overrides. */
export function testConfig(jobs: readonly string[] = ['app'], top: Record<string, unknown> = {}, perJob: Record<string, unknown> = {}): LoadedConfig {
  const config = {
    state: { path: ':memory:' },
    sources: { corp: { type: 'entra', tenantId: 't', clientId: 'c', clientSecret: 's' } },
    jobs: jobs.map((name) => ({
      name,
      source: 'corp',
      target: { url: 'http://127.0.0.1:9/scim', token: 'target-token' },
      users: { mappings: [{ target: 'userName', source: 'userPrincipalName' }] },
      ...perJob,
    })),
    ...top,
  };
  return parseConfig(JSON.stringify(config), 'test.yaml', { env: {}, readFile: () => '' });
}

/** A logger whose records the test can read. */
export function recordingLogger(): { log: Logger; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) records.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger('debug', sink), records };
}

export function fakeReport(job: string, outcome: CycleOutcome = 'success', counts: Record<string, number> = {}, durationMs = 10): CycleReport {
  return {
    job,
    runId: 1,
    outcome,
    plan: { operations: [], skipped: [] },
    guard: { verdict: 'pass', allowed: [], held: [] },
    counts,
    durationMs,
  };
}

export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * Polls until `check` holds. The bound is no speed requirement (a loaded machine takes what it
 * takes); it only turns a hang into a failure that names what never happened.
 */
export async function waitFor(check: () => boolean, what = 'condition', hangAfterMs = 30_000): Promise<void> {
  const until = Date.now() + hangAfterMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
