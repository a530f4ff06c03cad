/**
 * runJobs, the shell around the engine's cycle: a job whose cycle throws is reported as failed,
 * its run is closed as failed, and the jobs after it still run.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { startOktaFake, type OktaFake } from '../../dev/okta-fake.js';
import { runJobs } from '../../src/cli/runner.js';
import { StateStore } from '../../src/state/store.js';
import { recordingLogger, TempDirs } from '../daemon/support.js';

const OKTA_TOKEN = 'runner-test-okta-token';
const dirs = new TempDirs();
let okta: OktaFake;

beforeAll(async () => {
  // An empty directory: the healthy job reads it, plans nothing and sends nothing.
  okta = await startOktaFake({ tokens: [OKTA_TOKEN] });
});
afterAll(async () => okta?.close());
afterEach(() => dirs.cleanup());

/** Job "broken" first, whose Entra source cannot even be built (a tenant id with a space), then job "app". */
function config(dbPath: string) {
  // Each IdP's sign-in name: validation refuses an Okta name on an Entra source.
  const job = (name: string, source: string, signIn = source === 'typo' ? 'userPrincipalName' : 'login') => ({
    name,
    source,
    target: { url: 'http://127.0.0.1:9/scim', token: 'target-token' },
    users: { match: [{ target: 'userName', source: signIn }], mappings: [{ target: 'userName', source: signIn }] },
  });
  const text = JSON.stringify({
    state: { path: dbPath },
    sources: {
      typo: { type: 'entra', tenantId: 'contoso tenant', clientId: 'c', clientSecret: 'entra-secret-value' },
      corp: { type: 'okta', orgUrl: okta.orgUrl, token: OKTA_TOKEN },
    },
    jobs: [job('broken', 'typo'), job('app', 'corp')],
  });
  return parseConfig(text, 'test.yaml', { env: {}, readFile: () => '' });
}

describe('runJobs', () => {
  it('reports a job whose cycle throws as failed, records its run, and runs the next job', async () => {
    const { store, path } = dirs.store();
    const { log, records } = recordingLogger();
    const reports = await runJobs(config(path), { dryRun: false, allowDeletes: false, force: true }, log, store);

    expect(reports.map((r) => [r.job, r.outcome])).toEqual([
      ['broken', 'failed'],
      ['app', 'success'],
    ]);
    expect(reports[0]!.message).toMatch(/^cycle crashed: Invalid tenant id provided/);
    // The failure is on record for status and metrics, like any failed cycle.
    const run = store.latestRun('broken');
    expect(run).toMatchObject({ id: reports[0]!.runId, outcome: 'failed', message: reports[0]!.message });
    expect(run?.finishedAt).not.toBeNull();
    expect(records.find((r) => r.job === 'broken' && r.msg === 'cycle failed')).toMatchObject({ level: 'error', runId: run!.id, reason: reports[0]!.message });
    // The healthy job really ran its cycle against its source.
    expect(store.latestRun('app')).toMatchObject({ outcome: 'success' });
    expect(okta.requests.length).toBeGreaterThan(0);
    // The crash never shows the source's secret.
    expect(JSON.stringify(records)).not.toContain('entra-secret-value');
    store.close();
  });

  it('in a dry run (plan) reports the crash without recording a run', async () => {
    const { store, path } = dirs.store();
    const { log } = recordingLogger();
    const reports = await runJobs(config(path), { dryRun: true, allowDeletes: false }, log, store);
    expect(reports.map((r) => [r.job, r.outcome])).toEqual([
      ['broken', 'failed'],
      ['app', 'success'],
    ]);
    expect(store.latestRun('broken')).toBeUndefined();
    expect(store.latestRun('app')).toBeUndefined();
    store.close();
  });
});
