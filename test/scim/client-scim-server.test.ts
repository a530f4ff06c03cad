/**
 * The client against the project's SCIM server (scimmy over express on loopback): the paging,
 * filter and auth behaviour of a real SCIM implementation, not a scripted one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScimServer, type ScimServer } from '../../dev/scim-server.js';
import type { ScimObject } from '../../src/mapping/paths.js';
import { ScimClient } from '../../src/scim/client.js';
import { ScimAuthError } from '../../src/scim/errors.js';
import { resourceIdOf } from '../../src/scim/responses.js';

const TOKEN = 'scim-server-token-5d1e';
let server: ScimServer;
beforeAll(async () => {
  server = await startScimServer({ token: TOKEN });
  for (let i = 1; i <= 25; i++) await server.createUser({ userName: `paged${i}@example.com`, externalId: `ext-${i}`, displayName: `Paged ${i}` });
});
afterAll(() => server.close());

async function withClient<T>(token: string, use: (client: ScimClient) => Promise<T>): Promise<T> {
  const client = new ScimClient({ baseUrl: server.url, token, concurrency: 2, timeoutMs: 5000, maxRetries: 0 });
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

describe('ScimClient against the SCIM server', () => {
  it('lists every user in pages with only the attributes asked for', async () => {
    const seen: ScimObject[] = [];
    const summary = await withClient(TOKEN, (client) => client.listAll('Users', { attributes: ['userName', 'externalId'], pageSize: 10 }, (page) => seen.push(...page)));
    expect(summary).toEqual({ pages: 3, resources: 25 });
    expect(seen.map((u) => u.id).sort()).toEqual(server.users().map((u) => u.id).sort());
    expect(seen.find((u) => u.userName === 'paged7@example.com')).toMatchObject({ externalId: 'ext-7' });
    expect(seen.every((u) => u.displayName === undefined)).toBe(true);
  });

  it('creates a user, reads its id, and finds it by filter', async () => {
    await withClient(TOKEN, async (client) => {
      const response = await client.request('POST', '/Users', () => ({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'fresh@example.com' }));
      const id = resourceIdOf(response.body, { method: 'POST', path: '/Users', status: response.status });
      expect(response.status).toBe(201);
      const hits = await client.search('Users', 'userName eq "fresh@example.com"');
      expect(hits.map((h) => h.id)).toEqual([id]);
      expect(await client.search('Users', 'userName eq "nobody@example.com"')).toEqual([]);
      await client.request('DELETE', `/Users/${encodeURIComponent(id)}`);
    });
  });

  it('halts on a refused token: the first request is refused, the rest are never sent', async () => {
    server.clearRequests();
    const results = await withClient('wrong-token', (client) =>
      Promise.allSettled([client.request('GET', '/Users/a'), client.request('GET', '/Users/b'), client.request('GET', '/Users/c'), client.request('GET', '/Users/d')]),
    );
    const errors = results.map((r) => (r.status === 'rejected' ? (r.reason as unknown) : r.value));
    expect(errors.every((e) => e instanceof ScimAuthError)).toBe(true);
    const sent = errors.filter((e) => (e as ScimAuthError).sent);
    // Concurrency 2: the two first requests were already on the wire when the first refusal came back.
    expect(sent.length).toBeGreaterThanOrEqual(1);
    expect(sent.length).toBeLessThanOrEqual(2);
    expect(server.requests).toHaveLength(sent.length);
    expect((sent[0] as ScimAuthError).status).toBe(401);
  });
});
