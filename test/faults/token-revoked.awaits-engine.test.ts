/**
 * Fault scenario 4, the engine's side (issue 11; fails until the engine stops at the first 401):
 * a rejected token is the whole target refusing us, not one object failing. The first 401 stops
 * the cycle from starting new requests — only requests already in flight may be refused too —
 * what was left stays pending (token-revoked.test.ts: the next cycle sends it), and the outcome says authentication failed and names target.token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cycleSummary, type FaultEnv } from './fault-env.js';
import { revokeMidCycle, type Revocation } from './token-revocation.js';

const CONCURRENCY = 4;

let env: FaultEnv;
let revocation: Revocation;

beforeAll(async () => {
  revocation = await revokeMidCycle();
  env = revocation.env;
}, 300_000);

afterAll(async () => {
  await env?.stop();
});

describe('fault scenario 4 (engine): the first 401 from the target', () => {
  it('stops the cycle from starting new requests', () => {
    const refused = env.scim.requests.filter((r) => r.status === 401);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.length).toBeLessThanOrEqual(CONCURRENCY);
  });

  it('says authentication failed and names target.token, in the cycle summary and the run record', () => {
    const summary = cycleSummary(revocation.revoked);
    expect(summary?.['outcome']).toBe('failed');
    expect(String(summary?.['reason'] ?? '')).toMatch(/authenticat/i);
    expect(String(summary?.['reason'] ?? '')).toContain('target.token');
    const run = env.snapshot().runs.at(-1)!;
    expect(run.outcome).toBe('failed');
    expect(run.message ?? '').toMatch(/authenticat/i);
    expect(run.message ?? '').toContain('target.token');
  });
});
