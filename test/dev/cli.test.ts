import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientCredentialsToken, httpsJson } from './support/https.js';
import { transpileDevSources } from './support/transpile.js';

interface Started {
  child: ChildProcessWithoutNullStreams;
  info: Record<string, string>;
}

/** Starts a fake as its own process and waits for the JSON line it prints once listening. */
function start(script: string, args: string[]): Promise<Started> {
  const child = spawn(process.execPath, [script, ...args], { stdio: 'pipe' });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => resolve({ child, info: JSON.parse(line) as Record<string, string> }));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${String(code)}: ${stderr}`)));
  });
}

function stop(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

describe('fakes as processes', () => {
  let build: { dir: string; cleanup: () => void };
  let work: string;

  beforeAll(() => {
    build = transpileDevSources();
    work = mkdtempSync(join(tmpdir(), 'fakes-cli-'));
  });

  afterAll(() => {
    build.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  it('runs the SCIM server with --port 0 --token and stops cleanly on SIGTERM', async () => {
    const { child, info } = await start(join(build.dir, 'scim-server.js'), ['--port', '0', '--token', 'T']);
    expect(info['url']).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/scim\/v2$/);
    const res = await fetch(`${info['url']}/Users`, { headers: { authorization: 'Bearer T' } });
    expect(res.status).toBe(200);
    expect((await fetch(`${info['url']}/Users`)).status).toBe(401);
    expect(await stop(child)).toBe(0);
  });

  it('runs the Graph fake with a seed file and prints where to reach and trust it', async () => {
    const seedPath = join(work, 'seed.json');
    writeFileSync(
      seedPath,
      JSON.stringify({
        users: [{ id: 'u-1', userPrincipalName: 'seeded@contoso.example' }],
        deletedUsers: [{ userPrincipalName: 'gone@contoso.example' }],
        groups: [{ displayName: 'Seeded', members: ['u-1'] }],
      }),
    );
    const certDir = join(work, 'certs');
    const { child, info } = await start(join(build.dir, 'graph-fake.js'), [
      '--port', '0', '--seed', seedPath, '--tenant', 'tid', '--client-id', 'cid', '--client-secret', 'sec',
      '--cert-dir', certDir, '--users', '3',
    ]);
    expect(info).toMatchObject({ certPath: join(certDir, 'cert.pem'), tenantId: 'tid', clientId: 'cid' });
    expect(info['graphUrl']).toBe(`${info['authorityHost']}/v1.0`);
    const ca = readFileSync(String(info['certPath']), 'utf8');
    const tokenRes = await clientCredentialsToken(
      String(info['authorityHost']),
      'tid',
      { grant_type: 'client_credentials', client_id: 'cid', client_secret: 'sec', scope: 'https://graph.microsoft.com/.default' },
      ca,
    );
    const users = await httpsJson(`${info['graphUrl']}/users?$select=id,userPrincipalName`, {
      ca,
      headers: { authorization: `Bearer ${String(tokenRes.json['access_token'])}` },
    });
    expect((users.json['value'] as Record<string, unknown>[]).map((u) => u['userPrincipalName'])).toEqual([
      'seeded@contoso.example',
      'user0001@contoso.example',
      'user0002@contoso.example',
      'user0003@contoso.example',
    ]);
    expect(await stop(child)).toBe(0);
  });
});
