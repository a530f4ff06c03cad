/**
 * Fault scenario 6, full database (issue 11): the snapshot
 * cannot grow mid-cycle. The cycle must fail cleanly — an error, exit 1, never an uncaught
 * exception — and the next cycle, with room again, links (not duplicates) the users the app
 * received but the snapshot could not record.
 *
 * "Full" is a file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored) on the CLI process: the kernel
 * refuses writes past it as it would on a full disk (SQLite reports SQLITE_FULL or an I/O error),
 * without the privileges a tiny tmpfs mount takes, so it runs the same in CI.
 */
import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { complaint, expectConvergence } from './database-support.js';
import { FaultEnv, writes } from './fault-env.js';

let env: FaultEnv;

beforeAll(async () => {
  env = await FaultEnv.start({ users: 30 });
  env.writeConfig();
  const initial = await env.run();
  expect(initial.code).toBe(0);
});

afterAll(async () => {
  await env?.stop();
});

describe('fault scenario 6: the snapshot database is full', () => {
  it('full: the cycle fails cleanly mid-way and the next one links, not duplicates, what it created', async () => {
    for (let i = 0; i < 20; i++) env.addUser(400 + i);
    // Room in the write-ahead log for the cycle's start and a few recorded creates, not for twenty
    // (each committed operation appends a few 4 KB pages; sh counts 512-byte blocks).
    const limitBlocks = 96;
    env.scim.clearRequests();
    const full = await env.run(undefined, {}, { shell: `trap '' XFSZ; ulimit -f ${limitBlocks}; exec "$@"` });
    const sent = writes(env.scim.requests).length;
    expect(complaint(full)).toMatch(/full|disk|I\/O|EFBIG/i);
    // The limit struck mid-cycle: the app got creates the snapshot could not record (outcomes are
    // committed in batches, so they may all have been sent before the first batch failed).
    expect(sent).toBeGreaterThan(0);
    expect(env.snapshot().links.length).toBeLessThan(30 + sent);
    expect(statSync(env.statePath).size).toBeGreaterThan(0);
    await expectConvergence(env, 'database full', full);
  }, 300_000);
});
