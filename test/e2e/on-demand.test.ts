/**
 * Provision on demand and reset, end to end: the built CLI against the Graph fake and the SCIM
 * server process. One user goes now, step by step, and nothing else is sent; the next plain cycle
 * still sends every other change. Reset explains before it acts, re-matches instead of
 * duplicating, and never runs under a cycle.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateStore } from '../../src/state/store.js';
import { DaemonProcess, SYNC_TOKEN, withTopLevel } from './daemon-harness.js';
import { E2eEnvironment, writes } from './harness.js';

let env: E2eEnvironment;
let config: string;
const ids: Record<string, string> = {};

const upn = (name: string) => `${name}@od.example`;

function addUser(name: string, extra: Record<string, unknown> = {}): string {
  return env.graph.upsertUser({ userPrincipalName: upn(name), mail: upn(name), givenName: name, surname: 'OnDemand', displayName: name, department: 'od', jobTitle: 'Engineer', ...extra });
}

beforeAll(async () => {
  env = await E2eEnvironment.start();
  for (const name of ['ann', 'bob']) ids[name] = addUser(name);
  // dan exists in the directory but is not provisioned yet: the on-demand scenario creates him.
  ids.dan = addUser('dan');
  env.graph.upsertGroup({ displayName: 'OD Team', members: [ids.ann!, ids.dan!] });
  config = env.writeConfig({
    name: 'od',
    scope: { filters: [{ attribute: 'department', operator: 'EQUALS', value: 'od' }] },
    groups: { from: 'all' },
  });
  // The first cycle provisions ann and bob (dan is still outside the filter), and the team with ann.
  env.graph.patchUser(ids.dan!, { department: 'later' });
  const first = await env.runCli(['--sync-now', '--config', config]);
  expect(first.code, first.stdout).toBe(0);
  env.graph.patchUser(ids.dan!, { department: 'od' });
});

afterAll(async () => env?.stop());

async function cli(...args: string[]) {
  await env.clearScimRequests();
  const run = await env.runCli(['--config', config, ...args]);
  return { run, sent: writes(await env.scimRequests()) };
}

const scimUser = async (userName: string) => (await env.scimUsers()).find((u) => u.userName === userName);
const stepLine = (stdout: string, step: number) => stdout.split('\n').find((line) => line.startsWith(`${step}. `)) ?? '';

describe('--sync-now --user (provision on demand)', () => {
  it('creates one user, with its group membership, step by step; another user’s pending change is not sent', async () => {
    env.graph.patchUser(ids.bob!, { jobTitle: 'Captain' });
    const { run, sent } = await cli('--sync-now', '--job', 'od', '--user', upn('dan'));
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const dan = await scimUser(upn('dan'));
    expect(dan).toMatchObject({ active: true, title: 'Engineer' });
    expect(stepLine(run.stdout, 1)).toBe(`1. Import user from source "corp" … ${upn('dan')} (source id ${ids.dan})`);
    expect(stepLine(run.stdout, 2)).toBe('2. Determine if user is in scope … in scope (scoping filters hold: department EQUALS "od")');
    expect(stepLine(run.stdout, 3)).toBe(`3. Match user between source and target … not found by userName eq "${upn('dan')}": it is created`);
    expect(stepLine(run.stdout, 4)).toBe(`4. Perform action … created id ${dan!.id}`);
    expect(stepLine(run.stdout, 5)).toBe('5. Group memberships … added to OD Team');
    // Nothing else: no PATCH for bob, one lookup and one create for dan, one membership add.
    expect(sent.map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual(['POST /Users', expect.stringMatching(/^PATCH \/Groups\//)]);
    expect(sent[1]!.body).toMatchObject({ Operations: [{ op: 'add', path: 'members', value: [{ value: dan!.id }] }] });
    expect((await scimUser(upn('bob')))?.title).toBe('Engineer');
  });

  it('updates, then disables, that user alone', async () => {
    env.graph.patchUser(ids.dan!, { jobTitle: 'Lead' });
    const update = await cli('--sync-now', '--job', 'od', '--user', ids.dan!);
    expect(update.run.code, update.run.stdout).toBe(0);
    const danId = (await scimUser(upn('dan')))!.id as string;
    expect(stepLine(update.run.stdout, 3)).toBe(`3. Match user between source and target … matched id ${danId}: linked by an earlier cycle (active)`);
    expect(stepLine(update.run.stdout, 4)).toBe(`4. Perform action … updated id ${danId}: title`);
    expect(stepLine(update.run.stdout, 5)).toBe('5. Group memberships … no change: a member of OD Team in the app, as in the source');
    expect(update.sent).toEqual([expect.objectContaining({ method: 'PATCH', path: `/Users/${danId}`, body: expect.objectContaining({ Operations: [{ op: 'replace', path: 'title', value: 'Lead' }] }) })]);

    env.graph.patchUser(ids.dan!, { accountEnabled: false });
    const disable = await cli('--sync-now', '--job', 'od', '--user', upn('dan'));
    expect(disable.run.code, disable.run.stdout).toBe(0);
    expect(stepLine(disable.run.stdout, 2)).toBe('2. Determine if user is in scope … not provisioned: the account is disabled in the source (rule disabled: disable)');
    expect(stepLine(disable.run.stdout, 4)).toBe(`4. Perform action … disabled id ${danId} (disabled)`);
    expect(disable.sent).toEqual([expect.objectContaining({ method: 'PATCH', path: `/Users/${danId}`, body: expect.objectContaining({ Operations: [{ op: 'replace', path: 'active', value: false }] }) })]);
    expect((await scimUser(upn('bob')))?.title).toBe('Engineer');
  });

  it('never moves the change cursor: the next plain cycle still sends the other user’s change, and nothing for the one already sent', async () => {
    const { run, sent } = await cli('--sync-now');
    expect(run.code, run.stdout).toBe(0);
    expect(run.logs.find((l) => typeof l.mode === 'string')?.mode).toBe('incremental');
    const bob = await scimUser(upn('bob'));
    expect(sent).toEqual([expect.objectContaining({ method: 'PATCH', path: `/Users/${bob!.id}`, body: expect.objectContaining({ Operations: [{ op: 'replace', path: 'title', value: 'Captain' }] }) })]);
  });

  it('an unknown user is an error naming the job and the value (exit 1), and sends nothing', async () => {
    const { run, sent } = await cli('--sync-now', '--job', 'od', '--user', 'nobody@od.example');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('provision on demand failed at step 1');
    expect(run.stderr).toContain('job "od": source "corp" has no user "nobody@od.example"');
    expect(stepLine(run.stdout, 4)).toBe('4. Perform action … skipped: not run: step 1 failed');
    expect(sent).toEqual([]);
  });

  it('--user without --job is a usage error when the config has several jobs (exit 2)', async () => {
    const two = join(env.dir, 'two-jobs.yaml');
    const parsed = JSON.parse(readFileSync(config, 'utf8')) as { jobs: Record<string, unknown>[] };
    writeFileSync(two, JSON.stringify({ ...parsed, jobs: [...parsed.jobs, { ...parsed.jobs[0], name: 'other' }] }));
    const run = await env.runCli(['--config', two, '--sync-now', '--user', upn('ann')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--user needs --job');
    const alone = await env.runCli(['--config', config, '--user', upn('ann')]);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('--user goes with --sync-now --job NAME');
  });

  it('goes through a running daemon when there is one', async () => {
    const daemonConfig = withTopLevel(env.writeConfig({ name: 'od', scope: { filters: [{ attribute: 'department', operator: 'EQUALS', value: 'od' }] } }, 'daemon.yaml'), {
      schedule: { every: '1h' },
      server: { port: 0, token: '${SYNC_TOKEN}' },
    });
    const daemon = DaemonProcess.start(env, daemonConfig);
    try {
      await daemon.waitForLog((l) => l.msg === 'cycle success');
      const eve = addUser('eve');
      await env.clearScimRequests();
      const run = await env.runCli(['--config', daemonConfig, '--sync-now', '--job', 'od', '--user', eve], { SYNC_TOKEN });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const created = await scimUser(upn('eve'));
      expect(stepLine(run.stdout, 4)).toBe(`4. Perform action … created id ${created!.id}`);
      expect(run.stderr).toContain('handing the request to the running daemon');
      // The daemon did it: its own log has the steps.
      await daemon.waitForLog((l) => l.msg === `4. Perform action: created id ${created!.id}` && l.job === 'od');
      expect(writes(await env.scimRequests()).map((r) => r.method)).toEqual(['POST']);
    } finally {
      daemon.signal('SIGTERM');
      await daemon.exited;
    }
  });
});

describe('provisiond reset', () => {
  const state = () => {
    const store = StateStore.open(join(env.dir, 'state.db'));
    try {
      return store.jobState('od');
    } finally {
      store.close();
    }
  };

  it('without a flag is a usage error (exit 2)', async () => {
    const run = await env.runCli(['--config', config, 'reset', '--job', 'od']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--links, --cursors, --escrow, --quarantine or --all');
  });

  it('without --yes explains what it would do, with counts, and changes nothing', async () => {
    const before = state();
    expect(before.userLinks).toBeGreaterThanOrEqual(3);
    const run = await env.runCli(['--config', config, 'reset', '--job', 'od', '--all']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('reset of job "od" would:');
    expect(run.stdout).toContain(`forget ${before.userLinks} user links and 1 group link`);
    expect(run.stdout).toContain('Nothing was changed. Run it again with --yes to do it.');
    expect(state()).toEqual(before);
  });

  it('refuses while a cycle of the job holds its lease', async () => {
    const store = StateStore.open(join(env.dir, 'state.db'));
    // What a running cycle holds: the job's lease, by a live process (this one) on this host.
    store.acquireLease({ name: 'job:od', holder: 'a-running-cycle', pid: process.pid, hostname: hostname(), address: null, detail: '{}', expiresAt: Date.now() + 600_000 }, () => false);
    try {
      const before = state();
      const run = await env.runCli(['--config', config, 'reset', '--job', 'od', '--links', '--yes']);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`reset refused: a cycle of job "od" is running (pid ${process.pid} on ${hostname()})`);
      expect(state()).toEqual(before);
    } finally {
      store.releaseLease('job:od', 'a-running-cycle');
      store.close();
    }
  });

  it('--links --yes forgets the links; the next cycle reads in full and re-matches every account, creating none', async () => {
    const usersBefore = (await env.scimUsers()).length;
    const reset = await env.runCli(['--config', config, 'reset', '--job', 'od', '--links', '--yes']);
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toContain('reset of job "od":\n  - forgot ');
    expect(state()).toMatchObject({ userLinks: 0, groupLinks: 0, memberships: 0 });
    const { run, sent } = await cli('--sync-now');
    expect(run.code, run.stdout).toBe(0);
    expect(run.logs.find((l) => typeof l.mode === 'string')?.mode).toBe('full');
    expect(sent.filter((r) => r.method === 'POST')).toEqual([]);
    expect((await env.scimUsers()).length).toBe(usersBefore);
    expect(state()).toMatchObject({ userLinks: 3, groupLinks: 1 });
    // ann, bob and eve are linked again (dan, disabled at the source, is not provisioned, so not looked up); the team too.
  });
});
