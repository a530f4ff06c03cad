/**
 * provisiond's request executor under the real Okta SDK: 429s waited out until X-Rate-Limit-Reset,
 * requests paced before a bucket is spent, 5xx and network errors retried, all of it counted.
 */
import { Client } from '@okta/okta-sdk-nodejs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startOktaFake, type OktaFake } from '../../../dev/okta-fake.js';
import { OktaSource } from '../../../src/sources/okta/okta-source.js';
import { ThrottleBudgetError, ThrottlingRequestExecutor } from '../../../src/sources/okta/throttling-executor.js';
import type { ReadStats } from '../../../src/sources/source.js';
import { oktaConfig, QUERY, readAll, TOKEN } from './fixtures.js';

let fake: OktaFake;

beforeAll(async () => {
  fake = await startOktaFake({ tokens: [TOKEN] });
  for (let i = 0; i < 10; i++) fake.createUser({ created: new Date(Date.now() - 3_600_000), profile: { login: `user${i}@example.com` } });
});

afterAll(async () => {
  await fake?.close();
});

beforeEach(() => {
  fake.clearFaults();
  fake.setRateLimit({ limit: 600, windowSeconds: 60 });
  fake.resetLog();
});

/** The SDK with provisiond's executor, whose sleeps are recorded and skipped. */
function clientWithRecordedSleeps(maxRetries: number, maxThrottleWaitMs?: number) {
  const stats: ReadStats = { requests: 0, retries: 0, throttledMs: 0 };
  const sleeps: number[] = [];
  const executor = new ThrottlingRequestExecutor({
    maxRetries,
    stats,
    sleep: async (ms) => void sleeps.push(ms),
    ...(maxThrottleWaitMs === undefined ? {} : { maxThrottleWaitMs }),
  });
  const client = new Client({ orgUrl: fake.orgUrl, token: TOKEN, requestExecutor: executor, cacheMiddleware: null });
  return { client, stats, sleeps };
}

describe('ThrottlingRequestExecutor', () => {
  it('waits a 429 out until X-Rate-Limit-Reset (measured on Okta’s clock) and never retries early', async () => {
    fake.throttle({ next: 1, resetSeconds: 1 });
    const source = new OktaSource('corp', oktaConfig(fake));
    const users = await readAll(source.readUsers(QUERY));
    expect(users).toHaveLength(10);
    // The 429 said "reset 1 s after this response's Date": waited that (plus a 100 ms margin), retried once, and was not throttled again.
    expect(source.stats()).toEqual({ requests: 4, retries: 1, throttledMs: 1100 });
    expect(fake.stats().throttled).toBe(1);
  });

  it('slows down before a bucket is spent instead of earning 429s', async () => {
    fake.setRateLimit({ limit: 10, windowSeconds: 1 });
    const source = new OktaSource('corp', oktaConfig(fake, { pageSize: 1 }));
    const users = await readAll(source.readUsers(QUERY));
    expect(users).toHaveLength(10);
    expect(fake.stats().byStatus['429']).toBeUndefined();
    expect(source.stats().requests).toBe(12);
    expect(source.stats().throttledMs).toBeGreaterThan(0);
  });

  it('retries 5xx with backoff up to maxRetries', async () => {
    fake.fail({ status: 503, times: 2 });
    const { client, stats, sleeps } = clientWithRecordedSleeps(2);
    let count = 0;
    for await (const user of await client.userApi.listUsers({ limit: 200 })) if (user) count++;
    expect(count).toBe(10);
    expect(stats).toEqual({ requests: 3, retries: 2, throttledMs: 0 });
    expect(sleeps).toHaveLength(2);
    expect(sleeps[1]).toBeGreaterThanOrEqual(sleeps[0] as number / 2);

    fake.fail({ status: 502, times: 5 });
    const exhausted = clientWithRecordedSleeps(1);
    await expect((await exhausted.client.userApi.listUsers({})).next()).rejects.toMatchObject({ status: 502 });
    expect(exhausted.stats.requests).toBe(2);
  });

  it('gives up on a request Okta keeps throttling beyond the wait budget', async () => {
    fake.throttle({ next: 3, resetSeconds: 30 });
    const { client, stats } = clientWithRecordedSleeps(2, 10_000);
    const error = await (await client.userApi.listUsers({})).next().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThrottleBudgetError);
    expect((error as Error).message).toBe('Okta kept answering 429 (rate limit): waited 0 s, and it asked for 30 s more');
    expect(stats.throttledMs).toBe(0);
  });
});
