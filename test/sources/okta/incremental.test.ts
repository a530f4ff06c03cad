/** Incremental reads (changeCursor / readUserChanges) of the Okta adapter against the fake. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startOktaFake, type OktaFake } from '../../../dev/okta-fake.js';
import { OktaSource } from '../../../src/sources/okta/okta-source.js';
import { CursorExpiredError, isIncremental, type IncrementalRead, type SourceUser } from '../../../src/sources/source.js';
import { oktaConfig, QUERY, TOKEN } from './fixtures.js';

let fake: OktaFake;
const ids: Record<string, string> = {};
const anHourAgo = () => new Date(Date.now() - 3_600_000);

beforeAll(async () => {
  fake = await startOktaFake({ tokens: [TOKEN] });
  for (const name of ['ada', 'grace', 'ken', 'linus']) {
    ids[name] = fake.createUser({ created: anHourAgo(), profile: { login: `${name}@example.com`, title: 'Staff' } });
  }
});

afterAll(async () => {
  await fake?.close();
});

beforeEach(() => fake.resetLog());

async function drain(read: IncrementalRead): Promise<{ changed: SourceUser[]; removed: string[] }> {
  const changed: SourceUser[] = [];
  const removed: string[] = [];
  for await (const page of read.pages) {
    changed.push(...page.changed);
    removed.push(...page.removed);
  }
  return { changed, removed };
}

describe('Okta incremental reads', () => {
  it('is an IncrementalSource', () => {
    expect(isIncremental(new OktaSource('corp', oktaConfig(fake)))).toBe(true);
  });

  it('reads users changed since the cursor, DEPROVISIONED ones as soft-deleted, and nothing else', async () => {
    const source = new OktaSource('corp', oktaConfig(fake, { incrementalOverlap: '1m' }));
    const cursor = await source.changeCursor(QUERY);
    expect(cursor).toMatch(/^okta-lastUpdated:\d{4}-\d\d-\d\dT[\d:.]+Z$/);
    fake.updateUser(ids.ada as string, { title: 'Countess' });
    fake.deactivateUser(ids.ken as string);

    const read = source.readUserChanges(QUERY, cursor);
    const { changed, removed } = await drain(read);
    expect(changed.map((u) => u.id).sort()).toEqual([ids.ada, ids.ken].sort());
    expect(changed.find((u) => u.id === ids.ada)?.attributes.title).toBe('Countess');
    expect(changed.find((u) => u.id === ids.ken)).toMatchObject({ deleted: true, enabled: false });
    expect(removed).toEqual([]);

    // One request for the clock, one for the changes: a filter (strongly consistent), the cursor less the overlap.
    const since = new Date(Date.parse(cursor.slice('okta-lastUpdated:'.length)) - 60_000).toISOString();
    expect(fake.requests.map((r) => decodeURIComponent(r.path.replace(/\+/g, ' ')))).toEqual([
      '/api/v1/users?limit=1',
      `/api/v1/users?filter=lastUpdated gt "${since}"&limit=200`,
    ]);
    expect(Date.parse(read.nextCursor().slice('okta-lastUpdated:'.length))).toBeGreaterThanOrEqual(Date.parse(cursor.slice('okta-lastUpdated:'.length)));
    fake.activateUser(ids.ken as string);
  });

  it('reads a change stamped just before the cursor thanks to the overlap window', async () => {
    const source = new OktaSource('corp', oktaConfig(fake));
    const cursor = await source.changeCursor(QUERY);
    // A change committed 30 s before the cursor but visible only now (a slow write, a clock step).
    const stampedAt = new Date(Date.parse(cursor.slice('okta-lastUpdated:'.length)) - 30_000);
    fake.updateUser(ids.grace as string, { title: 'Rear Admiral' }, stampedAt);

    // The default overlap (5m) also re-reads the changes of the test before: harmless, the engine diffs them away.
    const withOverlap = await drain(source.readUserChanges(QUERY, cursor));
    expect(withOverlap.changed.map((u) => u.id)).toContain(ids.grace);
    const withoutOverlap = await drain(new OktaSource('corp', oktaConfig(fake, { incrementalOverlap: '0s' })).readUserChanges(QUERY, cursor));
    expect(withoutOverlap.changed.map((u) => u.id)).not.toContain(ids.grace);
  });

  it('hands on a cursor that only moves forward, taken from Okta’s clock', async () => {
    const source = new OktaSource('corp', oktaConfig(fake, { incrementalOverlap: '0s' }));
    const first = await source.changeCursor(QUERY);
    const read = source.readUserChanges(QUERY, first);
    expect(() => read.nextCursor()).toThrow(/only once every page/);
    await drain(read);
    const second = read.nextCursor();
    expect(second >= first).toBe(true);
    fake.updateUser(ids.linus as string, { title: 'Kernel' });
    const next = await drain(source.readUserChanges(QUERY, second));
    expect(next.changed.map((u) => u.id)).toContain(ids.linus);
  });

  it('answers a cursor it did not write with CursorExpiredError, so the engine reads in full', () => {
    const source = new OktaSource('corp', oktaConfig(fake));
    expect(() => source.readUserChanges(QUERY, 'https://graph.microsoft.com/v1.0/users/delta?$deltatoken=x')).toThrow(CursorExpiredError);
    expect(() => source.readUserChanges(QUERY, 'okta-lastUpdated:yesterday')).toThrow(/source "corp": change cursor no longer valid/);
  });

  it('fails with the source’s hint when the token is revoked', async () => {
    const source = new OktaSource('corp', oktaConfig(fake, { token: 'revoked-token' }));
    await expect(source.changeCursor(QUERY)).rejects.toThrow(/source "corp": reading the time of the Okta org failed: Okta answered 401 E0000011/);
  });
});
