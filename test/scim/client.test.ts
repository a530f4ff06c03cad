import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { parseRetryAfter, ScimClient, type ScimClientOptions } from '../../src/scim/client.js';
import { ScimAuthError, ScimRequestError } from '../../src/scim/errors.js';
import { deferred, sendJson, sendText, startLoopback, type Handler } from './loopback.js';

const TOKEN = 'bearer-s3cr3t-7f9c';
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!();
});

async function app(handler: Handler) {
  const server = await startLoopback(handler);
  cleanup.push(() => server.close());
  return server;
}

const waits: number[] = [];
function client(baseUrl: string, overrides: Partial<ScimClientOptions> = {}) {
  waits.length = 0;
  const c = new ScimClient({ baseUrl, token: TOKEN, concurrency: 2, timeoutMs: 2000, maxRetries: 3, sleep: async (ms) => void waits.push(ms), ...overrides });
  cleanup.push(() => c.close());
  return c;
}

describe('ScimClient transport', () => {
  it('joins a base URL with a trailing slash, sends bearer auth, the SCIM content type and a JSON body', async () => {
    const server = await app((_, res) => sendJson(res, 201, { id: '42' }));
    const c = client(server.url);
    const response = await c.request('POST', '/Users', { userName: 'a' });
    expect(response).toEqual({ status: 201, body: { id: '42' } });
    const [seen] = server.received;
    expect(seen).toMatchObject({ method: 'POST', url: '/scim/v2/Users' });
    expect(seen!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(seen!.headers['content-type']).toBe('application/scim+json');
    expect(JSON.parse(seen!.body)).toEqual({ userName: 'a' });
    expect(c.stats).toMatchObject({ requests: 1, writes: 1, retries: 0 });
  });

  it('reuses one keep-alive connection for sequential requests', async () => {
    const server = await app((_, res) => sendJson(res, 200, { id: '1' }));
    const c = client(server.url, { concurrency: 1 });
    for (let i = 0; i < 5; i++) await c.request('GET', `/Users/${i}`);
    expect(server.received.map((r) => r.connection)).toEqual([1, 1, 1, 1, 1]);
    expect(server.connections).toBe(1);
  });

  it('never opens more connections than the concurrency, however many requests', async () => {
    const server = await app((_, res) => sendJson(res, 200, { id: '1' }));
    const c = client(server.url, { concurrency: 3 });
    for (let i = 0; i < 30; i++) await c.request('GET', `/Users/${i}`);
    await Promise.all(Array.from({ length: 30 }, (_, i) => c.request('GET', `/Users/${i}`)));
    expect(server.received).toHaveLength(60);
    expect(server.connections).toBeLessThanOrEqual(3);
  });

  it('keeps at most `concurrency` requests in flight, on at most that many connections', async () => {
    const held: ServerResponse[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const server = await app((_, res) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      held.push(res);
      // Answer in pairs: a pair only completes if two requests really are in flight together.
      if (held.length === 2) {
        for (const r of held.splice(0)) {
          inFlight--;
          sendJson(r, 200, { id: 'x' });
        }
      }
    });
    const c = client(server.url, { concurrency: 2 });
    await Promise.all(Array.from({ length: 6 }, (_, i) => c.request('GET', `/Users/${i}`)));
    expect(server.received).toHaveLength(6);
    expect(maxInFlight).toBe(2);
    expect(server.connections).toBe(2);
  });

  it('retries 429 honouring Retry-After, then succeeds, and counts the throttled time', async () => {
    const retries: unknown[] = [];
    const server = await app((_, res) =>
      server.received.length < 3 ? sendJson(res, 429, { detail: 'slow down' }, { 'retry-after': '2' }) : sendJson(res, 200, { Resources: [] }),
    );
    const c = client(server.url, { onRetry: (e) => retries.push(e) });
    await c.request('GET', '/Users');
    expect(server.received).toHaveLength(3);
    expect(waits).toEqual([2000, 2000]);
    expect(c.stats).toMatchObject({ requests: 3, retries: 2, throttledMs: 4000, writes: 0 });
    expect(retries).toEqual([
      { method: 'GET', path: '/Users', status: 429, waitMs: 2000, attempt: 1 },
      { method: 'GET', path: '/Users', status: 429, waitMs: 2000, attempt: 2 },
    ]);
  });

  it('gives up after maxRetries on 5xx with exponential backoff, and reports the SCIM error', async () => {
    const server = await app((_, res) =>
      sendJson(res, 503, { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '503', detail: 'maintenance' }),
    );
    const c = client(server.url, { random: () => 1 });
    const error = await c.request('PATCH', '/Users/1', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScimRequestError);
    expect(error).toMatchObject({ status: 503, detail: 'maintenance' });
    expect(server.received).toHaveLength(4);
    expect(waits).toEqual([500, 1000, 2000]);
    expect(c.stats).toMatchObject({ requests: 4, retries: 3, throttledMs: 0, writes: 1 });
  });

  it('does not retry a 400 and surfaces scimType and detail', async () => {
    const server = await app((_, res) => sendJson(res, 400, { status: '400', scimType: 'invalidValue', detail: 'Missing userName' }));
    await expect(client(server.url).request('POST', '/Users', {})).rejects.toMatchObject({ status: 400, scimType: 'invalidValue', detail: 'Missing userName' });
    expect(server.received).toHaveLength(1);
  });

  it('quotes an HTML error page briefly and falls back to the status text for an empty one', async () => {
    const server = await app((req, res) => (req.url.endsWith('/1') ? sendText(res, 404, '<html>No such user</html>') : res.writeHead(409).end()));
    const c = client(server.url);
    await expect(c.request('GET', '/Users/1')).rejects.toMatchObject({ status: 404, detail: '<html>No such user</html>' });
    await expect(c.request('GET', '/Users/2')).rejects.toMatchObject({ status: 409, detail: 'Conflict' });
  });

  it('turns a server that never answers into a timeout (status 0), retried like a network error', async () => {
    const retries: number[] = [];
    const server = await app(() => {
      /* never answers */
    });
    const c = client(server.url, { timeoutMs: 150, maxRetries: 1, onRetry: (e) => retries.push(e.status) });
    const error = await c.request('GET', '/Users/1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScimRequestError);
    expect(error).toMatchObject({ status: 0, detail: 'timed out after 150 ms waiting for the response headers' });
    expect((error as Error).message).toContain('no response');
    expect(server.received).toHaveLength(2);
    expect(retries).toEqual([0]);
  });

  it('never resends a create whose answer was lost: it flags the outcome unknown for the caller to look first', async () => {
    const server = await app(() => {
      /* performs nothing we can see, answers nothing */
    });
    const error = await client(server.url, { timeoutMs: 150, maxRetries: 3 }).request('POST', '/Users', { userName: 'ada' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 0, outcomeUnknown: true });
    expect(server.received).toHaveLength(1);
  });

  it('resends a create the app refused without performing it (503, 429), and flags a 500 as unknown without resending', async () => {
    let calls = 0;
    const server = await app((_, res) => {
      calls++;
      res.writeHead(calls === 1 ? 503 : calls === 2 ? 429 : 500, { 'retry-after': '0' }).end();
    });
    const error = await client(server.url, { maxRetries: 5 }).request('POST', '/Users', { userName: 'ada' }).catch((e: unknown) => e);
    expect(server.received).toHaveLength(3);
    expect(error).toMatchObject({ status: 500, outcomeUnknown: true });
  });

  it('treats a body that stalls after the headers as a timeout, not as an answer', async () => {
    const server = await app((_, res) => {
      res.writeHead(200, { 'content-type': 'application/scim+json', 'content-length': '100' });
      res.write('{"id":');
    });
    const error = await client(server.url, { timeoutMs: 150, maxRetries: 0 }).request('GET', '/Users/1').catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 0, detail: 'timed out after 150 ms waiting for the response body' });
  });

  it('reports a refused connection with its code', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const error = await client(`http://127.0.0.1:${port}/scim`, { maxRetries: 1 }).request('GET', '/Users').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScimRequestError);
    expect(error).toMatchObject({ status: 0 });
    expect((error as ScimRequestError).detail).toContain('ECONNREFUSED');
    expect(waits).toHaveLength(1);
  });

  it('keeps a non-JSON 2xx body as text and parses JSON whatever its label', async () => {
    const server = await app((req, res) =>
      req.url.endsWith('/html') ? sendText(res, 200, '<html>login</html>') : sendText(res, 200, '{"id":"7"}', 'text/plain'),
    );
    const c = client(server.url);
    expect((await c.request('GET', '/html')).body).toBe('<html>login</html>');
    expect((await c.request('GET', '/json')).body).toEqual({ id: '7' });
  });

  it('refuses an answer larger than maxResponseBytes instead of buffering it', async () => {
    const server = await app((_, res) => sendJson(res, 200, { id: '1', blob: 'x'.repeat(4096) }));
    const error = await client(server.url, { maxResponseBytes: 1024 }).request('GET', '/Users/1').catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ScimResponseError', message: expect.stringContaining('larger than 1024 bytes') });
    expect(server.received).toHaveLength(1);
  });
});

describe('ScimClient.close', () => {
  it('lets the request in flight finish and fails queued ones at once, unsent', async () => {
    const release = deferred();
    const server = await app((req, res) => void release.promise.then(() => sendJson(res, 200, { id: req.url })));
    const c = client(server.url, { concurrency: 1 });
    const inFlight = c.request('GET', '/Users/1');
    const queued = c.request('GET', '/Users/2').catch((e: unknown) => e);
    await server.arrived(1);
    const closing = c.close();
    release.resolve();
    await expect(inFlight).resolves.toEqual({ status: 200, body: { id: '/scim/v2/Users/1' } });
    expect(await queued).toMatchObject({ name: 'ScimRequestError', status: 0, detail: 'not sent: the SCIM client is closed' });
    await closing;
    expect(server.received).toHaveLength(1);
    expect(waits).toEqual([]);
  });
});

describe('ScimClient request bodies', () => {
  it('builds a thunk body only when the request leaves the queue, once across retries', async () => {
    const first = deferred();
    const server = await app((req, res) => {
      if (req.url.endsWith('/held')) return void first.promise.then(() => sendJson(res, 200, { id: 'held' }));
      // The first attempt of the queued POST fails; its retry must carry the same body.
      if (server.received.filter((r) => r.method === 'POST').length === 1) return sendJson(res, 503, { detail: 'busy' });
      sendJson(res, 201, { id: 'new' });
    });
    const c = client(server.url, { concurrency: 1 });
    let built = 0;
    const held = c.request('GET', '/held');
    const queued = c.request('POST', '/Users', () => {
      built++;
      return { userName: 'late' };
    });
    await server.arrived(1);
    expect(built).toBe(0);
    first.resolve();
    await expect(queued).resolves.toEqual({ status: 201, body: { id: 'new' } });
    await held;
    expect(built).toBe(1);
    const posts = server.received.filter((r) => r.method === 'POST');
    expect(posts.map((p) => JSON.parse(p.body))).toEqual([{ userName: 'late' }, { userName: 'late' }]);
  });
});

describe('ScimClient when the target refuses the credentials', () => {
  it('fails the refused request, lets the in-flight one finish, and never sends the queued ones', async () => {
    const releaseSlow = deferred();
    const bothArrived = deferred();
    const server = await app((req, res) => {
      if (req.url.endsWith('/slow')) return void releaseSlow.promise.then(() => sendJson(res, 200, { id: 'slow' }));
      // Refuse only once the slow request is surely in flight.
      void bothArrived.promise.then(() => sendJson(res, 401, { detail: `invalid token ${TOKEN}` }));
    });
    const c = client(server.url, { concurrency: 2 });
    let queuedBodyBuilt = false;
    const slow = c.request('GET', '/Users/slow');
    const refused = c.request('GET', '/Users/refused').catch((e: unknown) => e);
    const queued = [
      c.request('PATCH', '/Users/q1', () => {
        queuedBodyBuilt = true;
        return {};
      }),
      c.request('DELETE', '/Users/q2'),
    ].map((p) => p.catch((e: unknown) => e));
    await server.arrived(2);
    bothArrived.resolve();

    const refusal = await refused;
    expect(refusal).toBeInstanceOf(ScimAuthError);
    expect(refusal).toMatchObject({ status: 401, sent: true, method: 'GET', path: '/Users/refused' });
    expect((refusal as Error).message).toContain('the target refused the credentials');
    expect((refusal as Error).message).toContain('check target.token');
    expect((refusal as Error).message).not.toContain(TOKEN);
    expect(c.halted).toBe(refusal);

    for (const error of await Promise.all(queued)) {
      expect(error).toBeInstanceOf(ScimAuthError);
      expect(error).toMatchObject({ status: 401, sent: false });
      expect((error as Error).message).toContain('not sent');
      expect((error as Error).message).toContain('earlier in this cycle');
    }
    const later = await c.request('GET', '/Users').catch((e: unknown) => e);
    expect(later).toMatchObject({ name: 'ScimAuthError', sent: false, path: '/Users' });

    releaseSlow.resolve();
    await expect(slow).resolves.toEqual({ status: 200, body: { id: 'slow' } });
    expect(server.received.map((r) => r.url)).toEqual(['/scim/v2/Users/slow', '/scim/v2/Users/refused']);
    expect(queuedBodyBuilt).toBe(false);
    expect(c.halted).toBe(refusal);
    expect(c.stats).toMatchObject({ requests: 2, retries: 0, writes: 0 });
  });

  it('treats 403 the same way and does not retry it', async () => {
    const server = await app((_, res) => sendText(res, 403, 'Forbidden', 'text/plain'));
    const c = client(server.url);
    await expect(c.request('POST', '/Users', {})).rejects.toMatchObject({ name: 'ScimAuthError', status: 403, sent: true, detail: 'Forbidden' });
    await expect(c.search('Users', 'userName eq "a"')).rejects.toMatchObject({ name: 'ScimAuthError', status: 403, sent: false });
    expect(server.received).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('never lets the token into an error message, even when the app echoes it', async () => {
    const server = await app((req, res) => sendText(res, 400, `bad request from ${req.headers.authorization}`, 'text/plain'));
    const error = (await client(server.url).request('GET', '/Users').catch((e: unknown) => e)) as ScimRequestError;
    expect(error.message).toContain('400');
    expect(error.detail).toBe('bad request from Bearer [redacted]');
    expect(error.message).not.toContain(TOKEN);
  });
});

describe('parseRetryAfter', () => {
  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});
