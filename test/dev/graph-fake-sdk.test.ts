import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateUsers, startGraphFake, type GraphFake } from '../../dev/graph-fake.js';
import { createTestCertificate, writeTestCertificate } from '../../dev/tls.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));

const TENANT = '11111111-2222-3333-4444-555555555555';
const CLIENT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const SECRET = 'the-secret';

/**
 * The real SDKs, run in a child process (see graph-sdk-client.mjs for why),
 * against fakes living in this process.
 */
describe('Graph fake with the real @azure/identity and Graph SDK', () => {
  let main: GraphFake;
  let shortLived: GraphFake;
  let certDir: string;
  let results: Record<string, any>;

  beforeAll(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'graph-fake-sdk-'));
    const tls = writeTestCertificate(certDir);
    const clientCert = createTestCertificate();
    const otherCert = createTestCertificate();
    main = await startGraphFake({ tls, tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET, certificates: [clientCert.cert] });
    shortLived = await startGraphFake({ tls, tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET, tokenLifetimeSeconds: 1 });
    for (const user of generateUsers(250)) main.upsertUser(user);
    shortLived.upsertUser({ userPrincipalName: 'only@contoso.example' });

    const describeFake = (fake: GraphFake) => ({
      authorityHost: fake.authorityHost,
      graphUrl: fake.graphUrl,
      graphBaseUrl: fake.graphBaseUrl,
      tenantId: TENANT,
      clientId: CLIENT,
      clientSecret: SECRET,
    });
    const input = {
      main: describeFake(main),
      shortLived: describeFake(shortLived),
      clientCert: clientCert.cert + clientCert.key,
      otherCert: otherCert.cert + otherCert.key,
    };
    const { stdout } = await run(process.execPath, [join(here, 'graph-sdk-client.mjs'), JSON.stringify(input)], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: tls.certPath },
      // Only a hang guard: the SDK script takes what it takes on a loaded machine.
      timeout: 150_000,
    });
    results = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, any>;
  });

  afterAll(async () => {
    await main?.close();
    await shortLived?.close();
    rmSync(certDir, { recursive: true, force: true });
  });

  it('pages through 250 users with $top=100 by following @odata.nextLink', () => {
    expect(results['paging']).toMatchObject({ count: 250, distinct: 250, pageSizes: [100, 100, 50], iterated: 250 });
    expect(Object.keys(results['paging'].sample).sort()).toEqual(['accountEnabled', 'id', 'userPrincipalName']);
  });

  it('only asks the authority for OpenID metadata and tokens (no instance discovery)', () => {
    const authorityPaths = main.requests.filter((r) => !r.path.startsWith('/v1.0/')).map((r) => r.path.split('?')[0]);
    expect(new Set(authorityPaths)).toEqual(
      new Set([`/${TENANT}/v2.0/.well-known/openid-configuration`, `/${TENANT}/oauth2/v2.0/token`]),
    );
  });

  it('fails a wrong client secret with the AADSTS7000215 error', () => {
    expect(results['wrongSecret'].ok).toBe(false);
    // @azure/identity wraps MSAL's invalid_client in AuthenticationRequiredError; the Graph SDK re-wraps it.
    expect(results['wrongSecret'].error.message).toContain('AADSTS7000215');
    expect(results['wrongSecret'].error.message).toContain('invalid_client');
  });

  it('re-acquires a token once the previous one has expired', () => {
    // Lifetime 1 s is inside MSAL's 5-minute refresh window, so MSAL never reuses it.
    expect(results['naturalExpiry']).toMatchObject({ users: 1, unauthorized: 0 });
    expect(results['naturalExpiry'].tokensAfter).toBeGreaterThan(results['naturalExpiry'].tokensBefore);
  });

  it('rejects revoked tokens; the SDK keeps serving its cached token until a new credential is made', () => {
    expect(results['revokedToken'].afterExpire).toMatchObject({
      ok: false,
      error: { statusCode: 401, code: 'InvalidAuthenticationToken' },
    });
    expect(results['revokedToken'].recovered).toBe(1);
  });

  it('accepts a client assertion signed by a registered certificate and rejects others', () => {
    expect(results['certificate'].users).toBe(1);
    expect(results['certificate'].unregistered.ok).toBe(false);
    expect(results['certificate'].unregistered.error.message).toContain('AADSTS700027');
  });

  it('lets the SDK retry handler ride out a 429 with Retry-After', () => {
    expect(results['throttled']).toEqual({ users: 1, throttled: 1 });
  });
});
