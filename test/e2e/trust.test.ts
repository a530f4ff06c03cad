/**
 * Trust, end to end through the built CLI: one app account serves one source user, refused
 * credentials stop the cycle, a held read does not become the baseline, users who are not
 * provisioned are never mapping failures, and the snapshot is private.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cycleSummary, E2eEnvironment, writes } from './harness.js';

let env: E2eEnvironment;

beforeAll(async () => {
  env = await E2eEnvironment.start();
});
afterAll(async () => env?.stop());

function scenario(department: string, job: Record<string, unknown> = {}): string {
  return env.writeConfig({ name: department, scope: { filters: [{ attribute: 'department', operator: 'EQUALS', value: department }] }, ...job }, `${department}.yaml`);
}

async function sync(config: string, ...args: string[]) {
  await env.clearScimRequests();
  const run = await env.runCli(['--sync-now', '--config', config, ...args]);
  return { run, requests: await env.scimRequests() };
}

describe('one app account, one source user', () => {
  it('refuses a second user who maps to the same userName, in the same cycle and in later ones', async () => {
    const config = scenario('twins', {
      users: {
        match: [{ target: 'userName', source: 'mail' }],
        mappings: [
          { target: 'userName', source: 'mail', required: true },
          { target: 'displayName', source: 'displayName' },
        ],
      },
    });
    env.graph.upsertUser({ userPrincipalName: 'ann.one@contoso.example', displayName: 'Ann One', mail: 'ann@contoso.example', department: 'twins' });
    env.graph.upsertUser({ userPrincipalName: 'ann.two@contoso.example', displayName: 'Ann Two', mail: 'ANN@contoso.example', department: 'twins' });

    const first = await sync(config);
    expect(first.run.code).toBe(1);
    const anns = (await env.scimUsers()).filter((u) => String(u.userName).toLowerCase() === 'ann@contoso.example');
    expect(anns).toHaveLength(1);
    expect(first.run.logs.find((l) => l.outcome === 'failed' && String(l.error).includes('conflicts with'))).toBeDefined();

    // Next cycle: one of them is linked; the other finds that account and is refused, naming both.
    const second = await sync(config);
    expect(second.run.code).toBe(1);
    expect(writes(second.requests)).toEqual([]);
    expect(second.run.logs.find((l) => l.outcome === 'failed' && String(l.error).includes('is already linked to'))).toBeDefined();
    expect((await env.scimUsers()).filter((u) => String(u.userName).toLowerCase() === 'ann@contoso.example')).toHaveLength(1);
  });
});

describe('refused credentials', () => {
  it('stop the cycle at the first 401: nothing more is sent, the outcome names target.token, and the next cycle converges', async () => {
    const config = scenario('revoked');
    for (let i = 0; i < 20; i++) env.graph.upsertUser({ userPrincipalName: `revoked-${i}@contoso.example`, department: 'revoked' });
    await env.injectScimFault({ status: 401, count: 10_000, path: '/Users' });

    const refused = await sync(config);
    expect(refused.run.code).toBe(1);
    // Only what was already in flight (the target's concurrency, 4) reached the app.
    expect(refused.requests.length).toBeLessThanOrEqual(4);
    const summary = cycleSummary(refused.run);
    expect(summary).toMatchObject({ level: 'error', outcome: 'failed', reason: expect.stringContaining('authentication failed') });
    expect(String(summary?.reason)).toContain('target.token');

    await env.clearScimFaults();
    const restored = await sync(config);
    expect(restored.run.code, restored.run.stdout).toBe(0);
    const created = (await env.scimUsers()).filter((u) => String(u.userName).startsWith('revoked-'));
    expect(created).toHaveLength(20);
    expect(new Set(created.map((u) => u.userName)).size).toBe(20);
  });
});

describe('gates hold', () => {
  it('a read held back by maxSourceDrop does not become the baseline of the next one', async () => {
    const config = scenario('shrink', { safety: { maxDeletes: 100, maxSourceDrop: 3 } });
    const ids = Array.from({ length: 10 }, (_, i) => env.graph.upsertUser({ userPrincipalName: `shrink-${i}@contoso.example`, department: 'shrink' }));
    expect((await sync(config)).run.code).toBe(0);
    // Half the directory vanishes — what a broken read looks like.
    for (const id of ids.slice(0, 5)) env.graph.hardDeleteUser(id);
    // Full reads: a change feed's hard deletes are the IdP's explicit word, and its size says nothing about the directory's.
    for (let cycle = 0; cycle < 2; cycle++) {
      const held = await sync(config, '--full');
      expect(held.run.code).toBe(3);
      expect(writes(held.requests)).toEqual([]);
      expect(cycleSummary(held.run)).toMatchObject({ level: 'warn', outcome: 'partial' });
    }
  });

  it('a user out of scope or disabled who lacks a required attribute is no error', async () => {
    const config = scenario('required', {
      users: { mappings: [{ target: 'userName', source: 'mail', required: true }, { target: 'displayName', source: 'displayName' }], match: [{ target: 'userName', source: 'mail' }] },
    });
    env.graph.upsertUser({ userPrincipalName: 'req-ok@contoso.example', mail: 'req-ok@contoso.example', department: 'required' });
    env.graph.upsertUser({ userPrincipalName: 'svc-disabled@contoso.example', department: 'required', accountEnabled: false });
    env.graph.upsertUser({ userPrincipalName: 'svc-elsewhere@contoso.example', department: 'elsewhere' });
    const run = await sync(config);
    expect(run.run.code, run.run.stdout).toBe(0);
    expect(cycleSummary(run.run)).toMatchObject({ outcome: 'success', counts: expect.objectContaining({ skipped: 0, created: 1 }) });
  });
});

describe('the snapshot', () => {
  it('is private: the database and its side files are 0600, a directory provisiond creates is 0700', async () => {
    const config = scenario('private');
    const parsed = JSON.parse(readFileSync(config, 'utf8')) as { state: { path: string } };
    const dir = join(env.dir, 'private-state', 'nested');
    parsed.state.path = join(dir, 'state.db');
    writeFileSync(config, JSON.stringify(parsed));
    env.graph.upsertUser({ userPrincipalName: 'private@contoso.example', department: 'private' });
    expect((await sync(config)).run.code).toBe(0);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const file of ['state.db', 'state.db-wal', 'state.db-shm']) {
      let mode: number | undefined;
      try {
        mode = statSync(join(dir, file)).mode & 0o777;
      } catch {
        continue; // SQLite removes the side files when the last connection closes cleanly.
      }
      expect(mode, file).toBe(0o600);
    }
  });
});
