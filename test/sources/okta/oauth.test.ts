/**
 * OAuth 2.0 service app (client credentials, private key JWT): the SDK signs the assertion with
 * the key from privateKeyPath, the fake verifies it and issues tokens carrying the granted scopes.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startOktaFake, type OktaFake } from '../../../dev/okta-fake.js';
import { OktaSource } from '../../../src/sources/okta/okta-source.js';
import { SourceReadError } from '../../../src/sources/source.js';
import { oktaConfig, QUERY, readAll } from './fixtures.js';

const CLIENT_ID = '0oaservice0000000000';
const ALL_SCOPES = ['okta.users.read', 'okta.groups.read', 'okta.apps.read'];

let fake: OktaFake;
let dir: string;
let keyPath: string;
let pkcs1KeyPath: string;
let otherKeyPath: string;
let app: string;

function rsaKey() {
  return generateKeyPairSync('rsa', { modulusLength: 2048 });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'okta-oauth-'));
  const key = rsaKey();
  keyPath = join(dir, 'service-app.pem');
  writeFileSync(keyPath, key.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  pkcs1KeyPath = join(dir, 'service-app-pkcs1.pem');
  writeFileSync(pkcs1KeyPath, key.privateKey.export({ type: 'pkcs1', format: 'pem' }));
  otherKeyPath = join(dir, 'other.pem');
  writeFileSync(otherKeyPath, rsaKey().privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(join(dir, 'not-a-key.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');

  fake = await startOktaFake({
    serviceApps: [{ clientId: CLIENT_ID, keyId: 'kid-1', publicKey: key.publicKey.export({ type: 'spki', format: 'pem' }).toString(), scopes: ALL_SCOPES }],
  });
  const ada = fake.createUser({ profile: { login: 'ada@example.com' } });
  app = fake.createApp({ label: 'Flip', users: [ada] });
});

afterAll(async () => {
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  fake.resetLog();
  fake.grantScopes(CLIENT_ID, ALL_SCOPES);
});

const oauth = (overrides: Record<string, unknown> = {}) =>
  oktaConfig(fake, { token: undefined, clientId: CLIENT_ID, privateKeyPath: keyPath, keyId: 'kid-1', ...overrides });

async function failureOf(promise: Promise<unknown>): Promise<SourceReadError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SourceReadError);
  return error as SourceReadError;
}

describe('Okta source with an OAuth service app', () => {
  it('gets one token with the three read scopes and reads users, groups and apps with it', async () => {
    const source = new OktaSource('corp', oauth());
    expect(await readAll(source.readUsers(QUERY))).toHaveLength(1);
    expect((await source.resolveAppAssignments(app)).size).toBe(1);
    expect(fake.requests.filter((r) => r.path === '/oauth2/v1/token')).toHaveLength(1);
    expect(fake.requests.filter((r) => r.path === '/oauth2/v1/token').map((r) => r.status)).toEqual([200]);
    expect(fake.requests.filter((r) => r.path.startsWith('/api/')).every((r) => r.auth === 'oauth' && r.status === 200)).toBe(true);
  });

  it('takes a PKCS#1 ("BEGIN RSA PRIVATE KEY") key as well', async () => {
    expect(await readAll(new OktaSource('corp', oauth({ privateKeyPath: pkcs1KeyPath })).readUsers(QUERY))).toHaveLength(1);
  });

  it('a key the service app does not know points at clientId, privateKeyPath and keyId', async () => {
    const failure = await failureOf(readAll(new OktaSource('corp', oauth({ privateKeyPath: otherKeyPath })).readUsers(QUERY)));
    expect(failure.status).toBe(401);
    expect(failure.message).toMatch(/^source "corp": reading users \(page 1\) failed: the token endpoint answered 401 invalid_client: .* — check sources\.corp\.clientId, that sources\.corp\.privateKeyPath holds the private key whose public key is registered on the service app, and sources\.corp\.keyId$/);
  });

  it('a scope not granted to the app points at the Okta API Scopes tab', async () => {
    fake.grantScopes(CLIENT_ID, ['okta.users.read', 'okta.groups.read']);
    const failure = await failureOf(readAll(new OktaSource('corp', oauth()).readUsers(QUERY)));
    expect(failure.message).toContain('the token endpoint answered 400 invalid_scope: The following scopes were requested, but not granted: okta.apps.read');
    expect(failure.message).toContain('grant the scopes okta.users.read okta.groups.read okta.apps.read to the service app (Okta Admin Console → Applications → the app → Okta API Scopes)');
  });

  it('a token without the scope an endpoint needs (403 E0000006) names that scope', async () => {
    const source = new OktaSource('corp', oauth({ scopes: ['okta.users.read', 'okta.groups.read'] }));
    expect(await readAll(source.readUsers(QUERY))).toHaveLength(1);
    const failure = await failureOf(source.resolveAppAssignments(app));
    expect(failure.status).toBe(403);
    expect(failure.message).toContain('Okta answered 403 E0000006');
    expect(failure.message).toContain('grant it the scope okta.apps.read (Okta API Scopes tab), list it in sources.corp.scopes');
  });

  it('a key file that is missing or is no private key fails the read, not the process', async () => {
    const missing = await failureOf(readAll(new OktaSource('corp', oauth({ privateKeyPath: join(dir, 'nope.pem') })).readUsers(QUERY)));
    expect(missing.message).toBe(`source "corp": reading users (page 1) failed: cannot read the private key file ${join(dir, 'nope.pem')} (ENOENT); check privateKeyPath and the file's permissions`);
    const notAKey = await failureOf(readAll(new OktaSource('corp', oauth({ privateKeyPath: join(dir, 'not-a-key.pem') })).readUsers(QUERY)));
    expect(notAKey.message).toContain('holds no unencrypted PEM private key');
    const ecKey = join(dir, 'ec.pem');
    writeFileSync(ecKey, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const ec = await failureOf(readAll(new OktaSource('corp', oauth({ privateKeyPath: ecKey })).readUsers(QUERY)));
    expect(ec.message).toContain('holds an EC key; the Okta SDK needs an RSA key for the service app');
    expect(fake.requests).toEqual([]);
  });

  it('gets a new token when Okta no longer accepts the one it has', async () => {
    const source = new OktaSource('corp', oauth());
    const issuedBefore = fake.stats().tokensIssued;
    await readAll(source.readUsers(QUERY));
    fake.revokeAccessTokens();
    expect(await readAll(source.readUsers(QUERY))).toHaveLength(1);
    expect(fake.stats().tokensIssued - issuedBefore).toBe(2);
  });
});
