/**
 * When a source cannot be read, or a job cannot even start, the admin is told so — by `plan` and
 * by `--sync-now` — with a non-zero exit, and one broken job does not keep the others from running.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StateStore } from '../../src/state/store.js';
import { E2eEnvironment, writes } from './harness.js';

let env: E2eEnvironment;

beforeAll(async () => {
  env = await E2eEnvironment.start();
  for (let i = 0; i < 5; i++) env.graph.upsertUser({ userPrincipalName: `reader${i}@contoso.example`, givenName: 'Reader', surname: String(i), displayName: `Reader ${i}` });
});

afterEach(() => env.graph.clearFaults());

afterAll(async () => {
  await env?.stop();
});

describe('plan with a source it cannot read', () => {
  it('says which source failed and why, that nothing can be concluded, and exits 1 — never "in sync"', async () => {
    const config = env.writeConfig({}, 'unreadable.yaml', { maxRetries: 0 });
    env.graph.failPage(1, { status: 503 });
    const run = await env.runCli(['plan', '--config', config]);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toContain('Job app: 0 operation(s) planned (read 0 users, 0 in scope)');
    expect(run.stdout).toMatch(/! Reading source "corp" failed: .*reading users \(page 1\).*503/);
    expect(run.stdout).toContain('about who would be disabled or deleted; fix the read and run plan again.');
    expect(run.stdout).not.toContain('in sync');
    expect(writes(await env.scimRequests())).toEqual([]);
  });

  it('shows what it could plan from a read that stopped part-way, and still exits 1', async () => {
    const config = env.writeConfig({}, 'part-way.yaml', { maxRetries: 0, pageSize: 2 });
    env.graph.failPage(2, { status: 503 });
    const run = await env.runCli(['plan', '--config', config]);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toContain('Job app: 2 operation(s) planned (read 2 users, 2 in scope)');
    expect(run.stdout).toContain('Create (2)');
    expect(run.stdout).toMatch(/! Reading source "corp" failed: .*reading users \(page 2\).*503/);
    expect(run.stdout).not.toContain('in sync');
  });

  it('exits 0 with "in sync" once the source reads and nothing is to do', async () => {
    const config = env.writeConfig({}, 'readable.yaml');
    const sync = await env.runCli(['--sync-now', '--config', config]);
    expect(sync.code, sync.stdout + sync.stderr).toBe(0);
    const run = await env.runCli(['plan', '--config', config]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('Nothing to do: the target is in sync with the snapshot.');
  });
});

describe('--sync-now with a job that cannot start', () => {
  it('runs the other jobs, reports the broken one as failed with its error, records it, and exits 1', async () => {
    const path = env.writeConfig({}, 'two-jobs.yaml');
    const config = JSON.parse(readFileSync(path, 'utf8')) as { sources: Record<string, unknown>; jobs: Record<string, unknown>[] };
    // A tenant id with a space: the Entra credential refuses it before any request is made.
    config.sources.typo = { ...(config.sources.corp as Record<string, unknown>), tenantId: 'contoso tenant' };
    config.jobs = [{ ...config.jobs[0], name: 'broken', source: 'typo' }, config.jobs[0]!];
    writeFileSync(path, JSON.stringify(config, null, 2));

    const run = await env.runCli(['--sync-now', '--config', path]);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const summaries = run.logs.filter((l) => typeof l.msg === 'string' && /^cycle [a-z]+$/.test(l.msg));
    expect(summaries.map((l) => [l.job, l.msg])).toEqual([
      ['broken', 'cycle failed'],
      ['app', 'cycle success'],
    ]);
    expect(summaries[0]).toMatchObject({ level: 'error', reason: expect.stringMatching(/^cycle crashed: Invalid tenant id provided/) });
    expect(run.stdout).not.toContain('e2e-client-secret');

    const store = StateStore.open(join(env.dir, 'two-jobs.db'));
    try {
      expect(store.latestRun('broken')).toMatchObject({ outcome: 'failed', message: expect.stringMatching(/^cycle crashed: Invalid tenant id provided/) });
      expect(store.latestRun('app')).toMatchObject({ outcome: 'success' });
    } finally {
      store.close();
    }
    const status = await env.runCli(['status', '--job', 'broken', '--config', path]);
    expect(status.stdout).toMatch(/failed.*cycle crashed: Invalid tenant id provided/);
  });
});
