/** toGroupChanges on delta pages Graph could send, with every extra read it makes scripted. */
import { describe, expect, it } from 'vitest';
import type { BatchContext } from '../../../src/sources/entra/batch.js';
import { toGroupChanges, type GroupFeedContext } from '../../../src/sources/entra/group-changes.js';
import { SourceReadError, type RejectedObject } from '../../../src/sources/source.js';

const USER = '#microsoft.graph.user';

function feed(answers: Record<string, unknown> = {}): { feed: GroupFeedContext; asked: string[] } {
  const asked: string[] = [];
  const get = async (url: string, _what?: string, _collection?: boolean): Promise<unknown> => {
    asked.push(url);
    if (!(url in answers)) throw new Error(`unexpected read ${url}`);
    return answers[url];
  };
  const batch: BatchContext = {
    source: 'corp',
    get,
    post: async () => {
      throw new Error('unexpected batch');
    },
    readError: (error, what) => new SourceReadError('corp', `${what} failed: ${String(error)}`),
    versionRoots: ['https://graph.example/v1.0'],
    maxRetries: 0,
    stats: { requests: 0, retries: 0, throttledMs: 0 },
  };
  return { feed: { source: 'corp', getPage: get, readError: batch.readError, origins: new Set(['https://graph.example']), batch }, asked };
}

describe('toGroupChanges', () => {
  it('reads nothing more for renamed groups and devices joining, and reports a group without id as rejected', async () => {
    const { feed: f, asked } = feed();
    const rejected: RejectedObject[] = [];
    const changes = await toGroupChanges(
      f,
      [
        { id: 'g1', displayName: 'Renamed', 'members@delta': [] },
        { displayName: 'no id' },
        { id: 'g2', displayName: 'Laptops', 'members@delta': [{ '@odata.type': '#microsoft.graph.device', id: 'd1' }] },
      ],
      1,
      undefined,
      (r) => rejected.push(r),
    );
    expect(asked).toEqual([]);
    expect(rejected).toEqual([{ label: 'group changes page 1, item 2', error: 'Graph returned a group without a string id' }]);
    expect(changes).toEqual({
      changed: [
        { id: 'g1', attributes: { objectId: 'g1', id: 'g1', displayName: 'Renamed' } },
        { id: 'g2', attributes: { objectId: 'g2', id: 'g2', displayName: 'Laptops' } },
      ],
      members: [],
      deleted: [],
    });
  });

  it('fails the read on a member entry without an id: the group’s changes cannot be believed', async () => {
    const { feed: f } = feed();
    const error = await toGroupChanges(f, [{ id: 'g1', 'members@delta': [{ '@odata.type': USER }] }], 3, undefined, () => undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceReadError);
    expect((error as Error).message).toContain('reading group changes (page 3) failed: Graph answered with a malformed entry for group g1');
  });

  it('keeps the later of two entries for one member, and a removal from a group without nested groups is exact', async () => {
    const { feed: f, asked } = feed({
      '/groups/g1/members/microsoft.graph.group?$select=id&$top=1': { value: [] },
      '/groups/g1/transitiveMemberOf/microsoft.graph.group?$select=id&$top=999': { value: [] },
    });
    const changes = await toGroupChanges(
      f,
      [
        { id: 'g1', 'members@delta': [{ '@odata.type': USER, id: 'u1' }] },
        { id: 'g1', 'members@delta': [{ '@odata.type': USER, id: 'u1', '@removed': { reason: 'deleted' } }, { '@odata.type': USER, id: 'u2' }] },
      ],
      1,
      undefined,
      () => undefined,
    );
    expect(changes.members).toEqual([{ groupId: 'g1', added: ['u2'], removed: ['u1'] }]);
    expect(asked).toHaveLength(2);
  });
});
