import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseRetryAfter, ScimClient } from '../../src/scim/client.js';
import { ScimRequestError } from '../../src/scim/errors.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const waits: number[] = [];
function client(baseUrl = 'https://app.example/scim/v2/') {
  waits.length = 0;
  return new ScimClient({ baseUrl, token: 'tok', concurrency: 2, timeoutMs: 2000, maxRetries: 3, sleep: async (ms) => void waits.push(ms) });
}

describe('ScimClient', () => {
  it('joins a base URL with a trailing slash, sends bearer auth and the SCIM content type', async () => {
    let seen: Request | undefined;
    server.use(
      http.post('https://app.example/scim/v2/Users', async ({ request }) => {
        seen = request.clone();
        return HttpResponse.json({ id: '42' }, { status: 201 });
      }),
    );
    const response = await client().request('POST', '/Users', { userName: 'a' });
    expect(response).toEqual({ status: 201, body: { id: '42' } });
    expect(seen?.headers.get('authorization')).toBe('Bearer tok');
    expect(seen?.headers.get('content-type')).toBe('application/scim+json');
  });

  it('retries 429 honouring Retry-After, then succeeds', async () => {
    let calls = 0;
    server.use(
      http.get('https://app.example/scim/v2/Users', () =>
        ++calls < 3 ? new HttpResponse(null, { status: 429, headers: { 'retry-after': '2' } }) : HttpResponse.json({ Resources: [] }),
      ),
    );
    const c = client();
    await c.request('GET', '/Users');
    expect(calls).toBe(3);
    expect(waits).toEqual([2000, 2000]);
    expect(c.stats).toMatchObject({ retries: 2, throttledMs: 4000 });
  });

  it('gives up after maxRetries on 5xx with exponential backoff, and reports the SCIM error', async () => {
    server.use(
      http.patch('https://app.example/scim/v2/Users/1', () =>
        HttpResponse.json({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '503', detail: 'maintenance' }, { status: 503 }),
      ),
    );
    const error = await client().request('PATCH', '/Users/1', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScimRequestError);
    expect(error).toMatchObject({ status: 503, detail: 'maintenance' });
    expect(waits).toHaveLength(3);
    expect(waits[2]!).toBeGreaterThanOrEqual(waits[0]!);
  });

  it('does not retry a 400 and surfaces scimType and detail', async () => {
    let calls = 0;
    server.use(
      http.post('https://app.example/scim/v2/Users', () => {
        calls++;
        return HttpResponse.json({ status: '400', scimType: 'invalidValue', detail: 'Missing userName' }, { status: 400 });
      }),
    );
    await expect(client().request('POST', '/Users', {})).rejects.toMatchObject({ status: 400, scimType: 'invalidValue', detail: 'Missing userName' });
    expect(calls).toBe(1);
  });

  it('never puts the token into an error message', async () => {
    server.use(http.get('https://app.example/scim/v2/Users', () => new HttpResponse('denied', { status: 401 })));
    const error = (await client().request('GET', '/Users').catch((e: unknown) => e)) as Error;
    expect(error.message).toContain('401');
    expect(error.message).not.toContain('tok');
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});
