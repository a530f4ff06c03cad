/** An Entra source authenticating with a certificate instead of a client secret. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCertificate } from '../../dev/tls.js';
import { cycleSummary, E2eEnvironment, writes } from './harness.js';

let env: E2eEnvironment;

beforeAll(async () => {
  env = await E2eEnvironment.start();
  env.graph.upsertUser({ userPrincipalName: 'cert-user@contoso.example', displayName: 'Cert User' });
});
afterAll(async () => env?.stop());

/** A PEM holding the app's certificate and its private key, as `certificatePath` expects. */
function certificateFile(name: string, register: boolean): string {
  const certificate = createTestCertificate();
  if (register) env.graph.registerCertificate(certificate.cert);
  const path = join(env.dir, name);
  writeFileSync(path, certificate.cert + certificate.key, { mode: 0o600 });
  return path;
}

describe('Entra certificate credentials', () => {
  it('signs in with a registered certificate and provisions', async () => {
    const config = env.writeConfig({}, 'cert.yaml', { clientSecret: undefined, certificatePath: certificateFile('app.pem', true) });
    const run = await env.runCli(['--sync-now', '--config', config]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(writes(await env.scimRequests()).map((r) => r.method)).toEqual(['POST']);
    expect(env.graph.requests.some((r) => r.path.includes('/oauth2/v2.0/token') && r.authorized)).toBe(true);
  });

  it('a certificate Entra does not know fails the cycle, naming the source, and sends nothing', async () => {
    await env.clearScimRequests();
    const config = env.writeConfig({}, 'unknown-cert.yaml', { clientSecret: undefined, certificatePath: certificateFile('other.pem', false) });
    const run = await env.runCli(['--sync-now', '--config', config]);
    expect(run.code).toBe(1);
    expect(cycleSummary(run)).toMatchObject({ outcome: 'failed', reason: expect.stringContaining('source "corp"') });
    expect(await env.scimRequests()).toEqual([]);
    // The private key never reaches the output.
    expect(run.stdout).not.toContain('PRIVATE KEY');
  });

  it('a wrong client secret fails at once with Entra’s reason, without retrying or printing the secret', async () => {
    await env.clearScimRequests();
    const config = env.writeConfig({}, 'wrong-secret.yaml');
    const run = await env.runCli(['--sync-now', '--config', config], { ENTRA_CLIENT_SECRET: 'not-the-secret-7c1e' });
    expect(run.code).toBe(1);
    expect(cycleSummary(run)).toMatchObject({ outcome: 'failed', reason: expect.stringMatching(/source "corp".*AADSTS7000215/) });
    expect(run.stdout + run.stderr).not.toContain('not-the-secret-7c1e');
    expect(await env.scimRequests()).toEqual([]);
  });
});
