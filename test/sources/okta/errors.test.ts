/** Misconfiguration fails the read with the source's name and what to fix, never with a secret. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startOktaFake, type OktaFake } from '../../../dev/okta-fake.js';
import { OktaSource } from '../../../src/sources/okta/okta-source.js';
import { SourceReadError } from '../../../src/sources/source.js';
import { oktaConfig, QUERY, readAll, TOKEN } from './fixtures.js';

let fake: OktaFake;
let notOkta: Server;
let notOktaUrl: string;

beforeAll(async () => {
  fake = await startOktaFake({ tokens: [TOKEN] });
  const ada = fake.createUser({ profile: { login: 'ada@example.com' } });
  fake.createApp({ id: '0oaflip', label: 'Flip', users: [ada] });
  notOkta = createServer((_req, res) => {
    res.writeHead(404, { 'content-type': 'text/html' });
    res.end('<html><body>Not Found</body></html>');
  });
  await new Promise<void>((resolve) => notOkta.listen(0, '127.0.0.1', resolve));
  notOktaUrl = `http://127.0.0.1:${(notOkta.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await fake?.close();
  await new Promise((resolve) => notOkta?.close(resolve));
});

beforeEach(() => fake.clearFaults());

async function failureOf(promise: Promise<unknown>): Promise<SourceReadError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SourceReadError);
  const failure = error as SourceReadError;
  expect(failure.message).not.toContain(TOKEN);
  return failure;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('Okta misconfiguration', () => {
  it('a revoked or wrong API token (401 E0000011) points at sources.<name>.token', async () => {
    fake.addApiToken('soon-revoked-token');
    fake.revokeApiToken('soon-revoked-token');
    const failure = await failureOf(readAll(new OktaSource('corp-okta', oktaConfig(fake, { token: 'soon-revoked-token' })).readUsers(QUERY)));
    expect(failure.status).toBe(401);
    expect(failure.message).toBe(
      `source "corp-okta": reading users (page 1) failed: Okta answered 401 E0000011 Invalid token provided — the API token in sources.corp-okta.token is wrong, revoked or expired, or belongs to another org than ${fake.orgUrl}; create one under Security → API → Tokens`,
    );
  });

  it('a missing permission (403 E0000006) says which permission, from the endpoint refused', async () => {
    fake.forbid({ pathPrefix: '/api/v1/apps' });
    const source = new OktaSource('corp-okta', oktaConfig(fake));
    expect(await readAll(source.readUsers(QUERY))).toHaveLength(1);
    const failure = await failureOf(source.resolveAppAssignments('0oaflip'));
    expect(failure.status).toBe(403);
    expect(failure.message).toMatch(/^source "corp-okta": reading the assignments of app 0oaflip failed: Okta answered 403 E0000006 You do not have permission to perform the requested action — /);
    expect(failure.message).toContain('the admin who created the API token may not read apps');
  });

  it('an orgUrl where nothing listens names the URL and the config key', async () => {
    const orgUrl = `http://127.0.0.1:${await closedPort()}`;
    const failure = await failureOf(readAll(new OktaSource('corp-okta', oktaConfig(fake, { orgUrl, maxRetries: 0 })).readUsers(QUERY)));
    expect(failure.message).toBe(`source "corp-okta": reading users (page 1) failed: cannot reach ${orgUrl} (ECONNREFUSED) — check sources.corp-okta.orgUrl, DNS and any proxy (HTTPS_PROXY)`);
  });

  it('an orgUrl that is not an Okta org says so', async () => {
    const failure = await failureOf(readAll(new OktaSource('corp-okta', oktaConfig(fake, { orgUrl: notOktaUrl })).readUsers(QUERY)));
    expect(failure.message).toBe(
      `source "corp-okta": reading users (page 1) failed: ${notOktaUrl} answered 404 — check that sources.corp-okta.orgUrl (${notOktaUrl}) is your Okta org's URL, e.g. https://acme.okta.com`,
    );
  });

  it('a read that fails mid-way names the page', async () => {
    fake.forbid({ pathPrefix: '/api/v1/users', times: 1 });
    const failure = await failureOf(readAll(new OktaSource('corp-okta', oktaConfig(fake)).readUsers(QUERY)));
    expect(failure.message).toMatch(/^source "corp-okta": reading users \(page 1\) failed: Okta answered 403 E0000006/);
    expect(failure.message).toContain('may not read users');
  });
});
