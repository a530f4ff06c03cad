/**
 * Fault scenario 6: the snapshot database is locked by another process, read-only, or full. Each
 * cycle fails cleanly — an error an operator can act on, never a crash, never a create the
 * snapshot does not know about left to be duplicated — and once the fault is gone the next cycle
 * converges with the snapshot intact (PRAGMA integrity_check).
 *
 * "Full" is a file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored) on the CLI process: the kernel
 * refuses writes past it as it would on a full disk (SQLite reports SQLITE_FULL or an I/O error),
 * without needing the privileges a tiny tmpfs mount takes. "Read-only" is chmod 0444 on the file
 * and 0555 on its directory; root ignores permission bits, so as root the CLI runs as nobody.
 */
import { spawn } from 'node:child_process';
import { chmodSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScimRequestLogEntry } from '../../src/dev/scim-server.js';
import { crashed, FaultEnv, levelOf, writes, type CliResult } from './fault-env.js';
import { recordScenario } from './summary.js';

let env: FaultEnv;
let next = 300;

beforeAll(async () => {
  env = await FaultEnv.start({ users: 30 });
  env.writeConfig();
  const initial = await env.run();
  expect(initial.code).toBe(0);
});

afterAll(async () => {
  if (env) {
    chmodSync(env.dir, 0o700);
    await env.stop();
  }
});

/** Source changes the faulty cycle would have to record: two new users, one renamed. */
function changeSource(): void {
  env.addUser(next++);
  env.addUser(next++);
  const [first] = env.graph.users();
  env.graph.patchUser(String(first!['id']), { displayName: `Renamed ${next}` });
}

/** Ends a database scenario: fault gone, the next cycle converges. */
async function expectConvergence(scenario: string, faulty: CliResult): Promise<void> {
  env.scim.clearRequests();
  const recovered = await env.run();
  const result = env.compare();
  recordScenario(scenario, { lost: result.lost.length, duplicated: result.duplicated.length });
  expect(crashed(faulty), faulty.stderr).toBe(false);
  expect(faulty.code).toBe(1);
  expect(recovered.code, recovered.stdout.slice(-2000)).toBe(0);
  expect(result).toEqual({ lost: [], duplicated: [], wrong: [] });
  expect(env.wrongLinks()).toEqual([]);
  const { integrity, runs } = env.snapshot();
  expect(integrity).toBe('ok');
  expect(runs.filter((r) => r.outcome === 'running')).toEqual([]);
}

/** What the operator sees: the CLI's last words (stderr, or the last error log line). */
function complaint(run: CliResult): string {
  const errors = run.logs.filter((l) => levelOf(l) >= 50).map((l) => `${String(l['msg'])} ${String(l['error'] ?? '')}`);
  return `${run.stderr}\n${errors.join('\n')}`;
}

describe('fault scenario 6: the snapshot database', () => {
  it('locked by another process: the cycle fails cleanly, sending nothing, and a later cycle converges', async () => {
    changeSource();
    // Another process holds a write transaction (BEGIN EXCLUSIVE) for as long as the cycle runs.
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import Database from 'better-sqlite3';
         const db = new Database(process.argv[1]);
         db.exec('BEGIN EXCLUSIVE');
         console.log('locked');
         process.stdin.resume();
         process.stdin.on('end', () => { db.exec('COMMIT'); db.close(); });`,
        env.statePath,
      ],
      { cwd: process.cwd(), stdio: ['pipe', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: holder.stdout! }).once('line', (line) => (line === 'locked' ? resolve() : reject(new Error(line))));
      holder.once('exit', (code) => reject(new Error(`lock holder exited ${code}`)));
    });
    env.scim.clearRequests();
    const locked = await env.run();
    const sent: ScimRequestLogEntry[] = writes(env.scim.requests);
    holder.stdin!.end();
    await new Promise((resolve) => holder.once('exit', resolve));

    expect(complaint(locked)).toMatch(/locked|busy/i);
    // Nothing may reach the app while the outcome cannot be written down.
    expect(sent).toEqual([]);
    await expectConvergence('database locked by another process', locked);
  }, 300_000);

  it('read-only: the cycle fails cleanly and a later cycle converges once it is writable', async () => {
    changeSource();
    const asRoot = process.getuid?.() === 0;
    chmodSync(env.statePath, 0o444);
    chmodSync(env.dir, 0o555);
    chmodSync(env.certPath, 0o644);
    let readOnly: CliResult;
    try {
      env.scim.clearRequests();
      readOnly = await env.run(undefined, {}, asRoot ? { uid: 65534, gid: 65534 } : {});
    } finally {
      chmodSync(env.dir, 0o700);
      chmodSync(env.statePath, 0o600);
    }
    expect(complaint(readOnly)).toMatch(/read-?only|permission|EACCES|unable to open|readonly/i);
    expect(writes(env.scim.requests)).toEqual([]);
    await expectConvergence('database read-only', readOnly);
  }, 300_000);

  it('full: the cycle fails cleanly mid-way and the next one links, not duplicates, what it created', async () => {
    for (let i = 0; i < 20; i++) env.addUser(next++);
    // Room in the write-ahead log for the cycle's start and a few recorded creates, not for twenty
    // (each committed operation appends a few 4 KB pages; sh counts 512-byte blocks).
    const limitBlocks = 96;
    env.scim.clearRequests();
    const full = await env.run(undefined, {}, { shell: `trap '' XFSZ; ulimit -f ${limitBlocks}; exec "$@"` });
    const sent = writes(env.scim.requests).length;
    expect(complaint(full)).toMatch(/full|disk|I\/O|EFBIG/i);
    // The limit struck mid-cycle: the app got creates the snapshot could not record.
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(20);
    expect(statSync(env.statePath).size).toBeGreaterThan(0);
    await expectConvergence('database full', full);
  }, 300_000);
});
