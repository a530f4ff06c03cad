/**
 * Fault scenario 6: the snapshot database is locked by another process, read-only, or full
 * (database-full.test.ts). Each
 * cycle fails cleanly — an error an operator can act on, never a crash, never a create the
 * snapshot does not know about left to be duplicated — and once the fault is gone the next cycle
 * converges with the snapshot intact (PRAGMA integrity_check).
 *
 * "Read-only" is chmod 0444 on the file
 * and 0555 on its directory; root ignores permission bits, so as root the CLI runs as nobody.
 */
import { spawn } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScimRequestLogEntry } from '../../dev/scim-server.js';
import { complaint, expectConvergence } from './database-support.js';
import { FaultEnv, writes, type CliResult } from './fault-env.js';

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
    await expectConvergence(env, 'database locked by another process', locked);
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
    await expectConvergence(env, 'database read-only', readOnly);
  }, 300_000);
});
