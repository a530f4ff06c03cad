/**
 * Graph's group delta query (`/groups/delta?$select=…,members`) as the change feed of groups, so a
 * quiet cycle reads one page instead of every group's member list.
 *
 * members@delta reports *direct* membership changes (users and nested groups, removals with
 * `@removed`), while provisiond flattens nested groups; and a change inside a nested group is
 * reported on that group only, never on the groups that contain it. So a round is turned into
 * flattened changes like this, for each group G whose members changed:
 * - users added to G are added to G and to every group G is nested in (transitiveMemberOf);
 * - users removed from G are removed from G when G holds no nested group (one `$top=1` check);
 *   otherwise, and whenever a nested group joined or left G, G's complete member list is read
 *   again — a user removed directly may still be a member through a nested group;
 * - the groups G is nested in get their complete lists read again when G lost members.
 * All of these extra reads go through JSON batching; a round without member changes needs none.
 *
 * The cursor is the deltaLink with the $select it was taken for in its fragment (never sent), as
 * for users: Graph bakes the $select into the token.
 */
import { z } from 'zod';
import {
  CursorExpiredError,
  SourceReadError,
  type ChangedGroup,
  type GroupChanges,
  type GroupMemberChanges,
  type IncrementalGroupRead,
  type RejectedObject,
} from '../source.js';
import { readMany, type BatchContext, type BatchRead, type JsonObject } from './batch.js';
import { isExpiredSyncState, usableDeltaLink } from './change-feed.js';
import { groupAttributes, memberIdsOf, memberRead } from './group-members.js';

export interface GroupFeedContext {
  /** The configured source name, for messages. */
  readonly source: string;
  /** One delta page through the source's client, its links checked; throws a GraphError for a non-2xx answer. */
  readonly getPage: (url: string, what: string) => Promise<unknown>;
  readonly readError: (error: unknown, what: string) => SourceReadError;
  /** Origins a cursor may point at: the configured Graph endpoint's and the cloud's. */
  readonly origins: ReadonlySet<string>;
  readonly batch: BatchContext;
}

const SELECT_FRAGMENT = '#select=';
const USER = '#microsoft.graph.user';
const GROUP = '#microsoft.graph.group';

const deltaPageSchema = z.looseObject({
  value: z.array(z.unknown()),
  '@odata.nextLink': z.string().optional(),
  '@odata.deltaLink': z.string().optional(),
});
const memberEntrySchema = z.looseObject({
  id: z.string().min(1),
  '@odata.type': z.string().optional(),
  '@removed': z.unknown().optional(),
});
const groupEntrySchema = z.looseObject({
  id: z.string().min(1),
  '@removed': z.unknown().optional(),
  'members@delta': z.array(memberEntrySchema).optional(),
});

/** A deltaLink meaning "group changes from now on" (`$deltatoken=latest` skips the initial enumeration). */
export async function takeGroupChangeCursor(feed: GroupFeedContext, select: string): Promise<string> {
  let url: string | undefined = `/groups/delta?$select=${select},members&$deltatoken=latest`;
  for (let page = 1; url; page++) {
    const body = await deltaPage(feed, url, `starting the group change feed (page ${page})`, false);
    const deltaLink = body['@odata.deltaLink'];
    if (deltaLink) return `${deltaLink}${SELECT_FRAGMENT}${select}`;
    url = body['@odata.nextLink'];
  }
  throw new SourceReadError(feed.source, 'starting the group change feed failed: Graph answered without a deltaLink');
}

/**
 * Follows the cursor's deltaLink and nextLinks. `selected` holds the ids of the groups the job
 * reads (undefined: every group); changes of other groups are read but not reported.
 */
export function readGroupChanges(
  feed: GroupFeedContext,
  select: string,
  cursor: string,
  selected: () => Promise<ReadonlySet<string> | undefined>,
  onRejected: ((rejected: RejectedObject) => void) | undefined,
): IncrementalGroupRead {
  const deltaLink = usableDeltaLink(feed, 'groups', select, cursor);
  let nextDeltaLink: string | undefined;
  async function* pages(): AsyncIterable<GroupChanges> {
    const ids = await selected();
    let url: string | undefined = deltaLink;
    for (let page = 1; url; page++) {
      const body = await deltaPage(feed, url, `reading group changes (page ${page})`, true);
      if (!body['@odata.nextLink'] && !body['@odata.deltaLink']) {
        throw new SourceReadError(feed.source, `reading group changes (page ${page}) failed: Graph answered with neither a nextLink nor a deltaLink`);
      }
      yield await toGroupChanges(feed, body.value, page, ids, onRejected);
      // Set only once the last page has been taken, so nextCursor() cannot skip changes not yet applied.
      nextDeltaLink = body['@odata.deltaLink'];
      url = body['@odata.nextLink'];
    }
  }
  return {
    pages: pages(),
    nextCursor: () => {
      if (nextDeltaLink === undefined) throw new Error('nextCursor() is known only once every page of the incremental read has been read');
      return `${nextDeltaLink}${SELECT_FRAGMENT}${select}`;
    },
  };
}

async function deltaPage(feed: GroupFeedContext, url: string, what: string, expiring: boolean): Promise<z.infer<typeof deltaPageSchema>> {
  let raw: unknown;
  try {
    raw = await feed.getPage(url, what);
  } catch (error) {
    if (expiring && isExpiredSyncState(error)) throw new CursorExpiredError(feed.source, `Graph answered ${error.statusCode} ${error.code ?? ''}`.trim());
    throw feed.readError(error, what);
  }
  const parsed = deltaPageSchema.safeParse(raw);
  if (!parsed.success) throw new SourceReadError(feed.source, `${what} failed: Graph answered with a malformed delta page (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  return parsed.data;
}

interface MemberDelta {
  readonly addedUsers: Set<string>;
  readonly removedUsers: Set<string>;
  /** A nested group joined or left. */
  nested: boolean;
}

/** One delta page as flattened changes of the selected groups. */
export async function toGroupChanges(
  feed: GroupFeedContext,
  entries: readonly unknown[],
  page: number,
  selected: ReadonlySet<string> | undefined,
  onRejected: ((rejected: RejectedObject) => void) | undefined,
): Promise<GroupChanges> {
  const isSelected = (id: string): boolean => selected === undefined || selected.has(id);
  const changed = new Map<string, ChangedGroup>();
  const deleted = new Set<string>();
  const deltas = new Map<string, MemberDelta>();

  entries.forEach((raw, i) => {
    const entry = groupEntrySchema.safeParse(raw);
    if (!entry.success) {
      const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
      if (typeof id !== 'string') {
        const rejected = { label: `group changes page ${page}, item ${i + 1}`, error: 'Graph returned a group without a string id' };
        // Without anyone to report to, a group that cannot be believed fails the read.
        if (!onRejected) throw new SourceReadError(feed.source, `${rejected.label}: ${rejected.error}; the read is incomplete`);
        return onRejected(rejected);
      }
      throw new SourceReadError(feed.source, `reading group changes (page ${page}) failed: Graph answered with a malformed entry for group ${id} (${entry.error.issues[0]?.message ?? 'invalid'})`);
    }
    const { id } = entry.data;
    // Graph may list a group more than once in a round; the later entry wins.
    if (entry.data['@removed'] !== undefined && entry.data['@removed'] !== null) {
      changed.delete(id);
      deltas.delete(id);
      deleted.add(id);
      return;
    }
    deleted.delete(id);
    changed.set(id, { id, attributes: groupAttributes(entry.data) });
    // Devices, contacts and service principals are not provisioned: their comings and goings change nothing.
    const members = (entry.data['members@delta'] ?? []).filter((m) => m['@odata.type'] === USER || m['@odata.type'] === GROUP);
    if (members.length === 0) return;
    const delta = deltas.get(id) ?? { addedUsers: new Set<string>(), removedUsers: new Set<string>(), nested: false };
    deltas.set(id, delta);
    for (const member of members) {
      const removed = member['@removed'] !== undefined && member['@removed'] !== null;
      if (member['@odata.type'] === GROUP) delta.nested = true;
      else {
        (removed ? delta.removedUsers : delta.addedUsers).add(member.id);
        (removed ? delta.addedUsers : delta.removedUsers).delete(member.id);
      }
    }
  });

  const batch = feed.batch;
  // A group that lost users directly: exact only when no nested group can still hold them.
  const toCheck = [...deltas].filter(([, d]) => !d.nested && d.removedUsers.size > 0).map(([id]) => id);
  const checks = await readMany(
    batch,
    toCheck.map((id) => ({ key: id, url: `/groups/${id}/members/microsoft.graph.group?$select=id&$top=1`, what: `reading the nested groups of group ${id}`, collection: true })),
  );
  const reread = new Set<string>();
  for (const [id, delta] of deltas) {
    const check = checks.get(id);
    if (delta.nested || (check !== undefined && check.some((p) => (p.value as unknown[]).length > 0))) reread.add(id);
  }

  // A change inside G is a change of every group G is nested in.
  const parentReads = new Map<string, BatchRead>();
  for (const id of deltas.keys()) parentReads.set(id, { key: id, url: `/groups/${id}/transitiveMemberOf/microsoft.graph.group?$select=id&$top=999`, what: `reading the groups group ${id} is in`, collection: true });
  const parents = await readMany(batch, [...parentReads.values()]);
  const inherited = new Map<string, Set<string>>();
  for (const [id, delta] of deltas) {
    const lostMembers = delta.nested || delta.removedUsers.size > 0;
    for (const parent of idsOf(parents.get(id) ?? [], id, feed.source)) {
      if (!isSelected(parent)) continue;
      if (lostMembers) reread.add(parent);
      else for (const user of delta.addedUsers) (inherited.get(parent) ?? inherited.set(parent, new Set()).get(parent))?.add(user);
    }
  }

  const rereadIds = [...reread].filter(isSelected);
  const lists = await readMany(batch, rereadIds.map((id) => memberRead(id, `reading members of group ${id}`)));
  const members: GroupMemberChanges[] = [];
  for (const id of new Set([...deltas.keys(), ...inherited.keys(), ...rereadIds])) {
    if (!isSelected(id) || deleted.has(id)) continue;
    if (reread.has(id)) {
      const pages = lists.get(id);
      // Deleted since the round was taken: the next round reports it; meanwhile it is gone.
      if (pages === undefined) {
        changed.delete(id);
        deleted.add(id);
        continue;
      }
      members.push({ groupId: id, added: [], removed: [], memberIds: memberIdsOf(feed.source, pages, id, onRejected) });
      continue;
    }
    const added = new Set([...(deltas.get(id)?.addedUsers ?? []), ...(inherited.get(id) ?? [])]);
    members.push({ groupId: id, added: [...added], removed: [...(deltas.get(id)?.removedUsers ?? [])] });
  }
  return {
    changed: [...changed.values()].filter((g) => isSelected(g.id)),
    members,
    deleted: [...deleted].filter(isSelected),
  };
}

/** Ids in a listing of groups; an entry without one fails the read (nobody is told about parents). */
function idsOf(pages: readonly JsonObject[], groupId: string, source: string): string[] {
  return memberIdsOf(source, pages, groupId, undefined);
}
