/**
 * runCycle with real parts — a SQLite file, the SCIM server over loopback — and an in-memory
 * source: the behaviours that hinge on the cycle's own sequencing (dry run, quarantine).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type PreparedJob } from '../../src/config/load.js';
import { startScimServer, type ScimServer } from '../../dev/scim-server.js';
import { readQuarantine, runCycle } from '../../src/engine/cycle.js';
import { createLogger } from '../../src/log.js';
import { ScimClient } from '../../src/scim/client.js';
import type { Source, SourceUser } from '../../src/sources/source.js';
import { StateStore } from '../../src/state/store.js';
import { MemorySource } from '../support/memory-source.js';


const TOKEN = 'cycle-test-token-0123456789';
let server: ScimServer;
let dir: string;
let job: PreparedJob;
const silent = createLogger('silent', new Writable({ write: (_c, _e, done) => done() }));

beforeAll(async () => {
  server = await startScimServer({ token: TOKEN });
  dir = mkdtempSync(join(tmpdir(), 'provisiond-cycle-'));
  const config = `
sources: { idp: { type: entra, tenantId: t, clientId: c, clientSecret: s } }
jobs:
  - name: app
    source: idp
    target: { url: "${server.url}", token: "${TOKEN}", maxRetries: 0 }
    users:
      mappings:
        - { target: userName, source: userPrincipalName }
`;
  job = parseConfig(config, 'cycle.yaml', { env: {}, readFile: () => '' }).jobs[0]!;
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const users = (n: number): SourceUser[] =>
  Array.from({ length: n }, (_, i) => ({ id: `id-${i}`, enabled: true, deleted: false, attributes: { userPrincipalName: `cycle-${i}@x` } }));

function deps(store: StateStore, source: Source) {
  const client = new ScimClient({ baseUrl: server.url, token: TOKEN, concurrency: 2, timeoutMs: 5000, maxRetries: 0 });
  return { job, source, store, client, log: silent, env: { now: () => new Date(), random: () => 0.5 } };
}

describe('runCycle', () => {
  it('a dry run reads and plans but sends no write and records nothing', async () => {
    const store = StateStore.open(join(dir, 'dry.db'));
    server.clearRequests();
    const report = await runCycle(deps(store, new MemorySource(users(3))), { dryRun: true, allowDeletes: false });
    expect(report.plan.operations.map((o) => o.kind)).toEqual(['create', 'create', 'create']);
    expect(server.requests).toEqual([]);
    expect(store.recentRuns('app')).toEqual([]);
    expect(store.links('app', 'user').size).toBe(0);
    store.close();
  });

  it('a quarantined job skips scheduled cycles but runs a forced one', async () => {
    const store = StateStore.open(join(dir, 'quarantine.db'));
    server.injectFault({ status: 503, count: 100, method: 'POST', path: '/Users' });
    const failing = await runCycle(deps(store, new MemorySource(users(6))), { dryRun: false, allowDeletes: false });
    expect(failing.outcome).toBe('failed');
    expect(readQuarantine(store, 'app')).toMatchObject({ level: 1, reason: expect.stringContaining('6 of 6 operations failed') });
    server.clearFaults();

    server.clearRequests();
    const skipped = await runCycle(deps(store, new MemorySource(users(6))), { dryRun: false, allowDeletes: false });
    expect(skipped.outcome).toBe('quarantined');
    expect(server.requests).toEqual([]);
    expect(store.recentRuns('app')[0]).toMatchObject({ outcome: 'quarantined', message: expect.stringMatching(/^quarantined until /) });

    const forced = await runCycle(deps(store, new MemorySource(users(6))), { dryRun: false, allowDeletes: false, force: true });
    expect(forced.outcome).toBe('success');
    expect(readQuarantine(store, 'app')).toBeUndefined();
    store.close();
  });
});
