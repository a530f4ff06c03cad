import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/runner.js';
import { ShuttingDownError } from '../../src/daemon/cycles.js';
import { handToDaemon } from '../../src/daemon/handoff.js';
import { startHttpServer, type DaemonHttpServer, type HttpHandlers, type Readiness } from '../../src/daemon/http.js';
import type { CycleRequest, CycleSummary } from '../../src/daemon/sync-protocol.js';
import { recordingLogger } from './support.js';

const TOKEN = 'sync-token-0123456789abcdef';
const servers: DaemonHttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

interface Fake {
  readiness: Readiness;
  token: string | undefined;
  requests: CycleRequest[];
  results: string[];
  answer: (request: CycleRequest) => Promise<CycleSummary[]>;
}

async function serve(overrides: Partial<Fake> = {}): Promise<{ url: string; fake: Fake }> {
  const fake: Fake = {
    readiness: { ready: true, reasons: [] },
    token: TOKEN,
    requests: [],
    results: [],
    answer: async (request) => [{ job: request.jobName ?? 'app', runId: 7, outcome: 'success', counts: { created: 1 }, durationMs: 5 }],
    ...overrides,
  };
  const handlers: HttpHandlers = {
    readiness: () => fake.readiness,
    metrics: async () => ({ contentType: 'text/plain; version=0.0.4; charset=utf-8', body: 'provisiond_up 1\n' }),
    sync: (request) => {
      fake.requests.push(request);
      return fake.answer(request);
    },
    syncToken: () => fake.token,
    onSyncRequest: (result) => fake.results.push(result),
  };
  const server = await startHttpServer({ host: '127.0.0.1', port: 0 }, handlers, recordingLogger().log);
  servers.push(server);
  return { url: server.url, fake };
}

const post = (url: string, body: string | undefined, headers: Record<string, string> = {}) =>
  fetch(`${url}/sync`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

describe('the daemon’s HTTP endpoint', () => {
  it('binds the port it was given (0 = a free one) and reports where', async () => {
    const { url } = await serve();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(url.endsWith(':0')).toBe(false);
  });

  it('answers /healthz while the process lives, and /readyz by readiness', async () => {
    const { url, fake } = await serve();
    expect(await (await fetch(`${url}/healthz`)).text()).toBe('ok\n');
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    fake.readiness = { ready: false, reasons: ['shutting down'] };
    const notReady = await fetch(`${url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ ready: false, reasons: ['shutting down'] });
  });

  it('serves /metrics with the registry’s content type', async () => {
    const { url } = await serve();
    const response = await fetch(`${url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await response.text()).toBe('provisiond_up 1\n');
  });

  it('refuses POST /sync without the token (401), with a wrong one (401), and when no token is configured (403)', async () => {
    const { url, fake } = await serve();
    const bare = await post(url, '{}');
    expect(bare.status).toBe(401);
    expect(bare.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await post(url, '{}', { authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
    expect((await post(url, '{}', { authorization: TOKEN })).status).toBe(401);
    expect(fake.requests).toEqual([]);
    fake.token = undefined;
    const disabled = await post(url, '{}', { authorization: `Bearer ${TOKEN}` });
    expect(disabled.status).toBe(403);
    expect(await disabled.json()).toEqual({ error: expect.stringContaining('server.token') });
    expect(fake.requests).toEqual([]);
    expect(fake.results).toEqual(['unauthorized', 'unauthorized', 'unauthorized', 'disabled']);
  });

  it('runs POST /sync with the token and answers with the cycle reports', async () => {
    const { url, fake } = await serve();
    const response = await post(url, JSON.stringify({ job: 'app', allowDeletes: true }), { authorization: `Bearer ${TOKEN}` });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ reports: [{ job: 'app', runId: 7, outcome: 'success', counts: { created: 1 }, durationMs: 5 }] });
    expect(fake.requests).toEqual([{ jobName: 'app', allowDeletes: true, full: false }]);
    // An empty body is every job, no options.
    expect((await post(url, undefined, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect(fake.requests[1]).toEqual({ allowDeletes: false, full: false });
    expect(fake.results).toEqual(['accepted', 'accepted']);
  });

  it('says what is wrong with a request: bad JSON or keys (400), unknown job (404), shutting down (503), wrong method (405), unknown path (404)', async () => {
    const { url, fake } = await serve();
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await post(url, '{not json', auth)).status).toBe(400);
    const badKey = await post(url, '{"jobs":"x"}', auth);
    expect(badKey.status).toBe(400);
    expect(await badKey.json()).toEqual({ error: expect.stringContaining('"jobs"') });
    fake.answer = () => Promise.reject(new UsageError('no job named "x"'));
    expect((await post(url, '{"job":"x"}', auth)).status).toBe(404);
    fake.answer = () => Promise.reject(new ShuttingDownError());
    expect((await post(url, '{}', auth)).status).toBe(503);
    const get = await fetch(`${url}/sync`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect((await fetch(`${url}/nope`)).status).toBe(404);
    // Counted by how each was answered: an unknown job or a daemon shutting down ran nothing.
    expect(fake.results).toEqual(['invalid', 'invalid', 'unknown_job', 'unavailable']);
  });
});

describe('handToDaemon', () => {
  it('brings back the daemon’s reports', async () => {
    const { url, fake } = await serve();
    const result = await handToDaemon(url, TOKEN, { jobName: 'app', allowDeletes: false, full: true });
    expect(result).toEqual({ kind: 'done', reports: [expect.objectContaining({ job: 'app', outcome: 'success', runId: 7 })] });
    expect(fake.requests).toEqual([{ jobName: 'app', allowDeletes: false, full: true }]);
  });

  it('tells a refusal, an unknown job and an unreachable daemon apart', async () => {
    const { url, fake } = await serve();
    expect(await handToDaemon(url, 'wrong-token-0123456789', { allowDeletes: false, full: false })).toMatchObject({ kind: 'refused', status: 401 });
    fake.answer = () => Promise.reject(new UsageError('no job named "x"'));
    expect(await handToDaemon(url, TOKEN, { jobName: 'x', allowDeletes: false, full: false })).toEqual({ kind: 'unknown-job', message: 'no job named "x"' });
    const closed = servers.pop()!;
    await closed.close();
    expect(await handToDaemon(url, TOKEN, { allowDeletes: false, full: false })).toMatchObject({ kind: 'unreachable' });
  });
});
