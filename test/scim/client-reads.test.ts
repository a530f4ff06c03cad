import { afterEach, describe, expect, it } from 'vitest';
import type { ScimObject } from '../../src/mapping/paths.js';
import { ScimClient } from '../../src/scim/client.js';
import { ScimResponseError } from '../../src/scim/errors.js';
import { resourceIdOf } from '../../src/scim/responses.js';
import { sendJson, sendText, startLoopback, type Handler } from './loopback.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!();
});

async function target(handler: Handler) {
  const server = await startLoopback(handler);
  const client = new ScimClient({ baseUrl: server.url, token: 't0ken-for-reads', concurrency: 2, timeoutMs: 2000, maxRetries: 0 });
  cleanup.push(() => server.close(), () => client.close());
  return { server, client };
}

const USERS = Array.from({ length: 30 }, (_, i) => ({ id: `u-${i + 1}`, userName: `user${i + 1}@example.com`, externalId: `ext-${i + 1}` }));

/** An app that pages like many real ones: it answers at most `cap` resources whatever `count` asks. */
function cappingApp(cap: number, options: { totalResults: boolean }): Handler {
  return (req, res) => {
    const query = new URL(req.url, 'http://x').searchParams;
    const startIndex = Number(query.get('startIndex') ?? '1');
    const count = Math.min(Number(query.get('count') ?? '100'), cap);
    const page = USERS.slice(startIndex - 1, startIndex - 1 + count);
    sendJson(res, 200, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      ...(options.totalResults ? { totalResults: USERS.length } : {}),
      itemsPerPage: page.length,
      startIndex,
      Resources: page,
    });
  };
}

async function listUsers(client: ScimClient, pageSize?: number) {
  const pages: string[][] = [];
  const summary = await client.listAll('Users', { attributes: ['userName', 'externalId'], ...(pageSize ? { pageSize } : {}) }, (resources) =>
    pages.push(resources.map((r) => r.id as string)),
  );
  return { summary, pages };
}

const queries = (received: readonly { url: string }[]) => received.map((r) => Object.fromEntries(new URL(r.url, 'http://x').searchParams));

describe('ScimClient.listAll', () => {
  it('pages by what the app returned when it caps count at 7, stopping at totalResults', async () => {
    const { server, client } = await target(cappingApp(7, { totalResults: true }));
    const { summary, pages } = await listUsers(client);
    expect(summary).toEqual({ pages: 5, resources: 30 });
    expect(pages.map((p) => p.length)).toEqual([7, 7, 7, 7, 2]);
    expect(pages.flat()).toEqual(USERS.map((u) => u.id));
    expect(queries(server.received)).toEqual(
      [1, 8, 15, 22, 29].map((startIndex) => ({ attributes: 'userName,externalId', startIndex: String(startIndex), count: '500' })),
    );
    expect(server.received.every((r) => r.url.startsWith('/scim/v2/Users?'))).toBe(true);
  });

  it('pages until an empty page when the app leaves totalResults out', async () => {
    const { server, client } = await target(cappingApp(7, { totalResults: false }));
    const { summary, pages } = await listUsers(client);
    expect(summary).toEqual({ pages: 6, resources: 30 });
    expect(pages.flat()).toEqual(USERS.map((u) => u.id));
    expect(queries(server.received).map((q) => q.startIndex)).toEqual(['1', '8', '15', '22', '29', '31']);
  });

  it('asks for the page size given, and stops exactly at totalResults', async () => {
    const { server, client } = await target(cappingApp(100, { totalResults: true }));
    const { summary } = await listUsers(client, 10);
    expect(summary).toEqual({ pages: 3, resources: 30 });
    expect(queries(server.received).map((q) => [q.startIndex, q.count])).toEqual([['1', '10'], ['11', '10'], ['21', '10']]);
  });

  it('reads an empty target as no pages of resources, Resources absent when totalResults is 0', async () => {
    const { client } = await target((_, res) => sendJson(res, 200, { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0 }));
    const { summary, pages } = await listUsers(client);
    expect(summary).toEqual({ pages: 1, resources: 0 });
    expect(pages).toEqual([]);
  });

  it('hands numeric ids on as strings', async () => {
    const { client } = await target((_, res) => sendJson(res, 200, { totalResults: 2, Resources: [{ id: 41, userName: 'a' }, { id: '42', userName: 'b' }] }));
    const seen: ScimObject[] = [];
    await client.listAll('Users', { attributes: ['userName'] }, (resources) => seen.push(...resources));
    expect(seen).toEqual([{ id: '41', userName: 'a' }, { id: '42', userName: 'b' }]);
  });

  it('fails on a malformed page after handing on the good ones', async () => {
    const { client } = await target((req, res) =>
      req.url.includes('startIndex=1&') ? sendJson(res, 200, { totalResults: 4, Resources: USERS.slice(0, 2) }) : sendJson(res, 200, { totalResults: 4, Resources: 'none' }),
    );
    const pages: number[] = [];
    const error = await client.listAll('Users', { attributes: [] }, (r) => pages.push(r.length)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScimResponseError);
    expect((error as Error).message).toContain('Resources is text "none", not an array');
    expect((error as ScimResponseError).path).toBe('/Users?startIndex=3&count=500');
    expect(pages).toEqual([2]);
  });

  it('fails a page with a resource that has no id, or a list that is not a ListResponse', async () => {
    const cases: [unknown, string][] = [
      [{ totalResults: 2, Resources: [{ id: 'a' }, { userName: 'no-id' }] }, 'Resources[1].id is missing'],
      [{ totalResults: 5 }, 'has no Resources array although totalResults is not 0'],
      [{ totalResults: 1, Resources: [null] }, 'Resources[0] is null, not an object'],
      [[{ id: 'a' }], 'the body is an array, not a JSON object'],
      ['<html>Sign in</html>', 'the body is text "<html>Sign in</html>", not a JSON object'],
    ];
    for (const [body, problem] of cases) {
      const { client } = await target((_, res) => (typeof body === 'string' ? sendText(res, 200, body) : sendJson(res, 200, body)));
      const error = await client.listAll('Groups', { attributes: ['displayName'] }, () => undefined).catch((e: unknown) => e);
      expect(error, JSON.stringify(body)).toBeInstanceOf(ScimResponseError);
      expect((error as ScimResponseError).message).toContain(problem);
    }
  });

  it('stops an app that ignores startIndex instead of paging forever', async () => {
    const { server, client } = await target((_, res) => sendJson(res, 200, { Resources: USERS.slice(0, 5) }));
    const error = await client.listAll('Users', { attributes: ['userName'] }, () => undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScimResponseError);
    expect((error as Error).message).toContain('the app ignores startIndex');
    expect(server.received).toHaveLength(2);
  });
});

describe('ScimClient.search', () => {
  it('returns the resources of a ListResponse and keeps members out of group lookups', async () => {
    const { server, client } = await target((req, res) =>
      sendJson(res, 200, { totalResults: 1, Resources: [req.url.includes('/Groups') ? { id: 'g1', displayName: 'Sales' } : { id: 'u1', userName: 'a@x' }] }),
    );
    expect(await client.search('Users', 'userName eq "a@x"')).toEqual([{ id: 'u1', userName: 'a@x' }]);
    expect(await client.search('Groups', 'displayName eq "Sales"')).toEqual([{ id: 'g1', displayName: 'Sales' }]);
    expect(server.received.map((r) => decodeURIComponent(r.url))).toEqual([
      '/scim/v2/Users?filter=userName eq "a@x"',
      '/scim/v2/Groups?excludedAttributes=members&filter=displayName eq "Sales"',
    ]);
  });

  it('reads totalResults 0 without Resources as no hits', async () => {
    const { client } = await target((_, res) => sendJson(res, 200, { totalResults: 0, itemsPerPage: 0, startIndex: 1 }));
    expect(await client.search('Users', 'userName eq "nobody"')).toEqual([]);
  });

  it('refuses an answer that is not a ListResponse rather than reading it as no hits', async () => {
    const bodies: unknown[] = [{}, { totalResults: 1 }, { Resources: {} }, { Resources: [1] }, 'Service temporarily unavailable'];
    for (const body of bodies) {
      const { client } = await target((_, res) => (typeof body === 'string' ? sendText(res, 200, body, 'text/plain') : sendJson(res, 200, body)));
      await expect(client.search('Users', 'userName eq "a"'), JSON.stringify(body)).rejects.toBeInstanceOf(ScimResponseError);
    }
  });
});

describe('resourceIdOf on real answers', () => {
  it('reads the id of a created resource, a numeric one as its string, and names what is wrong otherwise', async () => {
    const answers: Record<string, [number, string, string]> = {
      '/ok': [201, 'application/scim+json', '{"id":"2819c223","userName":"a"}'],
      '/numeric': [201, 'application/json', '{"id":42}'],
      '/html': [201, 'text/html', '<html><body>Created</body></html>'],
      '/no-id': [201, 'application/scim+json', '{}'],
      '/array': [200, 'application/scim+json', '[{"id":"1"}]'],
      '/empty': [201, 'application/scim+json', ''],
      '/bool': [201, 'application/scim+json', '{"id":true}'],
    };
    const { client } = await target((req, res) => {
      const [status, type, body] = answers[req.url.replace('/scim/v2', '')]!;
      sendText(res, status, body, type);
    });
    const idOf = async (path: string) => {
      const response = await client.request('POST', path, {});
      try {
        return resourceIdOf(response.body, { method: 'POST', path, status: response.status });
      } catch (error) {
        expect(error).toBeInstanceOf(ScimResponseError);
        expect(error).toMatchObject({ method: 'POST', path, status: response.status });
        return (error as ScimResponseError).problem;
      }
    };
    expect(await idOf('/ok')).toBe('2819c223');
    expect(await idOf('/numeric')).toBe('42');
    expect(await idOf('/html')).toBe('the body is text "<html><body>Created</body></html>", not a JSON object');
    expect(await idOf('/no-id')).toBe("the resource's id is missing");
    expect(await idOf('/array')).toBe('the body is an array, not a JSON object');
    expect(await idOf('/empty')).toBe('the body is empty, not a JSON object');
    expect(await idOf('/bool')).toBe("the resource's id is a boolean (true), not a string");
  });
});
