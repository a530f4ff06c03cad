/** Reconcile's read of the app: paged and checked; apps that cannot list are read by id. */
import { afterEach, describe, expect, it } from 'vitest';
import { readAppObjects } from '../../../src/engine/reconcile/read-app.js';
import type { ScimObject } from '../../../src/mapping/paths.js';
import { ScimClient } from '../../../src/scim/client.js';
import { ScimResponseError } from '../../../src/scim/errors.js';
import { sendJson, startLoopback, type Handler } from '../../scim/loopback.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!();
});

const USERS = Array.from({ length: 12 }, (_, i) => ({ id: `u-${i + 1}`, userName: `user${i + 1}@example.com`, active: true }));

async function read(handler: Handler, linked: string[] = ['u-1', 'u-2', 'u-404'], attributes = ['id', 'userName']) {
  const server = await startLoopback(handler);
  const client = new ScimClient({ baseUrl: server.url, token: 'reconcile-read-token', concurrency: 2, timeoutMs: 2000, maxRetries: 0 });
  cleanup.push(() => server.close(), () => client.close());
  const seen: ScimObject[] = [];
  const result = readAppObjects({ client, resourceType: 'Users', attributes, linkedTargetIds: () => linked, linkedCount: linked.length, pageSize: 5, window: 4 }, (o) => seen.push(o));
  return { result, seen, server };
}

/** Lists with a page cap; answers GET by id; `list: false` refuses unfiltered lists with `refusal`. */
function app(options: { cap?: number; refusal?: number; badAttributes?: boolean; users?: Record<string, unknown>[] } = {}): Handler {
  const users = options.users ?? USERS;
  return (req, res) => {
    const url = new URL(req.url, 'http://x');
    if (options.badAttributes && url.searchParams.has('attributes')) return sendJson(res, 400, { status: '400', detail: 'cannot project that' });
    const byId = /\/Users\/([^/?]+)$/.exec(url.pathname);
    if (byId) {
      const user = users.find((u) => u.id === decodeURIComponent(byId[1]!));
      return user ? sendJson(res, 200, user) : sendJson(res, 404, { status: '404' });
    }
    if (options.refusal) return sendJson(res, options.refusal, { status: String(options.refusal), scimType: 'tooMany' });
    const start = Number(url.searchParams.get('startIndex'));
    const count = Math.min(Number(url.searchParams.get('count')), options.cap ?? 1000);
    sendJson(res, 200, { totalResults: users.length, Resources: users.slice(start - 1, start - 1 + count) });
  };
}

describe('readAppObjects', () => {
  it('lists every object page by page, asking only for the attributes it needs', async () => {
    const { result, seen, server } = await read(app());
    expect(await result).toMatchObject({ mode: 'listed', requests: 3 });
    expect(seen.map((u) => u.id)).toEqual(USERS.map((u) => u.id));
    expect(server.received[0]?.url).toBe('/scim/v2/Users?attributes=id,userName&startIndex=1&count=5');
  });

  it('reads each linked object by id when the app refuses to list; a 404 is simply not seen', async () => {
    const { result, seen } = await read(app({ refusal: 501 }));
    expect(await result).toMatchObject({ mode: 'by-id', reason: 'the app refuses to list without a filter (HTTP 501 tooMany)' });
    expect(seen.map((u) => u.id).sort()).toEqual(['u-1', 'u-2']);
  });

  it('reads by id when the page cap makes listing cost more than reading the linked objects', async () => {
    const { result, seen } = await read(app({ cap: 1 }));
    expect(await result).toMatchObject({ mode: 'by-id', reason: expect.stringContaining('at most 1 objects per page') });
    expect(seen.map((u) => u.id).sort()).toEqual(['u-1', 'u-2']);
  });

  it('reads whole objects when the app refuses the attributes= projection', async () => {
    const { result, seen } = await read(app({ badAttributes: true }));
    expect(await result).toMatchObject({ mode: 'listed', reason: expect.stringContaining('refused attributes=id,userName (HTTP 400)') });
    expect(seen).toHaveLength(12);
  });

  it('a malformed object fails the read: never a partial listing', async () => {
    const users = [...USERS.slice(0, 7), { id: 'u-8', userName: 42 }];
    const { result } = await read(app({ users }));
    await expect(result).rejects.toThrow(ScimResponseError);
    await expect(result).rejects.toThrow(/user u-8: userName/);
  });

  it('a listing that fails after its first page is a failed read, not a reason to read by id', async () => {
    let calls = 0;
    const { result } = await read((req, res) => {
      calls++;
      if (calls === 1) return app()(req, res);
      sendJson(res, 501, { status: '501' });
    });
    await expect(result).rejects.toThrow(/501/);
  });
});
