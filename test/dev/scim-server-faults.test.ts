import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startScimServer, type ScimServer } from '../../dev/scim-server.js';

const TOKEN = 'scim-fault-token';
const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

let server: ScimServer;

async function send(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    ...(signal ? { signal } : {}),
  });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

const create = (userName: string, signal?: AbortSignal) => send('POST', '/Users', { schemas: [CORE_USER], userName }, signal);

beforeAll(async () => {
  server = await startScimServer({ token: TOKEN });
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  server.clearFaults();
  server.setNumericIds(false);
  server.restoreToken();
  for (const user of server.users()) server.deleteUser(user.id);
});

describe('SCIM server: answers a client cannot trust', () => {
  it('performs a create and answers it without its id, or with HTML, when told to', async () => {
    server.injectFault({ method: 'POST', path: '/Users', match: 'no-id@example.com', perform: true, transform: 'withoutId' });
    server.injectFault({ method: 'POST', path: '/Users', match: 'html@example.com', perform: true, answer: { status: 200, body: '<html>ok</html>', contentType: 'text/html' } });
    const noId = await create('no-id@example.com');
    const html = await create('html@example.com');
    expect(noId.status).toBe(201);
    expect(JSON.parse(noId.text)).not.toHaveProperty('id');
    expect(html).toMatchObject({ status: 200, type: 'text/html', text: '<html>ok</html>' });
    // Both were performed: the app holds the users.
    expect(server.users().map((u) => u.userName).sort()).toEqual(['html@example.com', 'no-id@example.com']);
  });

  it('answers a raw body instead of handling the request, and only for the request it matches', async () => {
    server.injectFault({ method: 'POST', match: 'victim@example.com', answer: { status: 201, body: 'not json at all' } });
    const other = await create('bystander@example.com');
    const victim = await create('victim@example.com');
    expect(other.status).toBe(201);
    expect(victim).toMatchObject({ status: 201, text: 'not json at all', type: null });
    expect(server.users().map((u) => u.userName)).toEqual(['bystander@example.com']);
  });

  it('hands out numeric ids and answers them as JSON numbers', async () => {
    server.setNumericIds(true);
    const created = JSON.parse((await create('numeric@example.com')).text) as { id: unknown };
    expect(created.id).toBe(1001);
    const list = JSON.parse((await send('GET', '/Users?filter=userName%20eq%20%22numeric@example.com%22')).text) as { Resources: { id: unknown }[] };
    expect(list.Resources[0]!.id).toBe(1001);
    expect((await send('GET', '/Users/1001')).status).toBe(200);
  });

  it('performs a request but holds its answer past the client timeout', async () => {
    server.injectFault({ method: 'POST', perform: true, holdMs: 5_000 });
    await expect(create('lost-answer@example.com', AbortSignal.timeout(200))).rejects.toThrow();
    expect(server.users().map((u) => u.userName)).toEqual(['lost-answer@example.com']);
  });

  it('lets two users share a userName when told to, as some apps do', async () => {
    server.setUniqueUserNames(false);
    try {
      expect((await create('twice@example.com')).status).toBe(201);
      expect((await create('twice@example.com')).status).toBe(201);
    } finally {
      server.setUniqueUserNames(true);
    }
    expect((await create('twice@example.com')).status).toBe(409);
  });

  it('revokes and restores the token', async () => {
    server.revokeToken();
    expect((await create('while-revoked@example.com')).status).toBe(401);
    server.restoreToken();
    expect((await create('after-restore@example.com')).status).toBe(201);
    expect(server.users().map((u) => u.userName)).toEqual(['after-restore@example.com']);
  });

  it('goes down (connection refused) and comes back on the same port with its data', async () => {
    await create('survivor@example.com');
    const port = server.port;
    await server.down();
    await expect(send('GET', '/Users')).rejects.toThrow();
    await server.up();
    expect(server.port).toBe(port);
    expect(JSON.parse((await send('GET', '/Users')).text)).toMatchObject({ totalResults: 1 });
  });
});

describe('SCIM server: seeded chaos', () => {
  async function runOnce(seed: number): Promise<number[]> {
    server.clearFaults();
    for (const user of server.users()) server.deleteUser(user.id);
    server.setChaos({ seed, throttle: 0.2, serverError: 0.1, retryAfterSeconds: 1 });
    const statuses: number[] = [];
    for (let i = 0; i < 120; i++) statuses.push((await create(`chaos-${i}@example.com`)).status);
    return statuses;
  }

  it('fails the configured shares of requests, the same ones for the same seed', async () => {
    const first = await runOnce(7);
    const throttled = first.filter((s) => s === 429).length;
    const failed = first.filter((s) => s >= 500).length;
    expect(throttled).toBeGreaterThan(12);
    expect(throttled).toBeLessThan(40);
    expect(failed).toBeGreaterThan(3);
    expect(failed).toBeLessThan(25);
    expect(server.chaosStats()).toMatchObject({ throttled, serverErrors: failed });
    expect(await runOnce(7)).toEqual(first);
    expect(await runOnce(8)).not.toEqual(first);
  });
});
