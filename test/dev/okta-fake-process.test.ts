/** `node dist-dev/dev/okta-fake.js` as its own process, as the e2e tests and demos may start it. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SCRIPT = resolve(import.meta.dirname, '..', '..', 'dist-dev', 'dev', 'okta-fake.js');

function start(args: string[]): Promise<{ child: ChildProcessWithoutNullStreams; info: Record<string, string> }> {
  const child = spawn(process.execPath, [SCRIPT, ...args], { stdio: 'pipe' });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolveStart, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) => resolveStart({ child, info: JSON.parse(line) as Record<string, string> }));
    child.once('exit', (code) => reject(new Error(`okta-fake exited with ${String(code)}: ${stderr}`)));
  });
}

function stop(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolveStop) => {
    child.once('exit', resolveStop);
    child.kill('SIGTERM');
  });
}

describe('okta-fake as a process', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'okta-fake-process-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('prints its orgUrl, adminUrl and token as one JSON line, serves a seed, and stops cleanly on SIGTERM', async () => {
    const seed = join(work, 'seed.json');
    writeFileSync(
      seed,
      JSON.stringify({
        users: [{ profile: { login: 'ada@example.com' } }, { status: 'SUSPENDED', profile: { login: 'grace@example.com' } }],
        groups: [{ name: 'Engineers', members: ['ada@example.com'] }],
        apps: [{ id: '0oaflip', label: 'Flip', groups: ['Engineers'] }],
      }),
    );
    const { child, info } = await start(['--port', '0', '--token', 'T', '--seed', seed, '--users', '3']);
    try {
      expect(info.orgUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(info.adminUrl).toBe(`${info.orgUrl}/_admin`);
      expect(info.token).toBe('T');
      const users = (await (await fetch(`${info.orgUrl}/api/v1/users`, { headers: { authorization: 'SSWS T' } })).json()) as unknown[];
      expect(users).toHaveLength(5);
      const appUsers = (await (await fetch(`${info.orgUrl}/api/v1/apps/0oaflip/users`, { headers: { authorization: 'SSWS T' } })).json()) as { scope: string }[];
      expect(appUsers.map((u) => u.scope)).toEqual(['GROUP']);
      expect((await fetch(`${info.orgUrl}/api/v1/users`)).status).toBe(401);
    } finally {
      expect(await stop(child)).toBe(0);
    }
  });
});
