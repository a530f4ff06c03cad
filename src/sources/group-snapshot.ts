/**
 * The IdP's groups as last read — attributes and flattened user members — brought up to date with
 * the pages of an incremental group read (Source.readGroupChanges). Pure: the engine loads the
 * snapshot it stored, applies every page in order, and stores the result together with the read's
 * next cursor, so a cursor is never stored without the changes it covers.
 */
import type { Attributes, GroupChanges, SourceGroup } from './source.js';

export interface SnapshotGroup {
  attributes: Attributes;
  memberIds: Set<string>;
}

export type GroupSnapshot = Map<string, SnapshotGroup>;

export function snapshotOf(groups: Iterable<SourceGroup>): GroupSnapshot {
  const snapshot: GroupSnapshot = new Map();
  for (const group of groups) snapshot.set(group.id, { attributes: group.attributes, memberIds: new Set(group.memberIds) });
  return snapshot;
}

export interface AppliedChanges {
  /** Groups whose attributes or members changed (or that were created), for the plan to look at. */
  readonly touched: ReadonlySet<string>;
  /** Groups that were deleted in the IdP. */
  readonly deleted: ReadonlySet<string>;
  /**
   * Groups the page changed members of but that the snapshot does not hold and the page gave no
   * attributes for (e.g. a group that joined the selection since the last full read): read them in full.
   */
  readonly unknown: ReadonlySet<string>;
}

/** Applies one page to the snapshot, in place. Pages must be applied in the order they were read. */
export function applyGroupChanges(snapshot: GroupSnapshot, page: GroupChanges): AppliedChanges {
  const touched = new Set<string>();
  const deleted = new Set<string>();
  const unknown = new Set<string>();
  for (const group of page.changed) {
    const known = snapshot.get(group.id);
    if (known) known.attributes = group.attributes;
    else snapshot.set(group.id, { attributes: group.attributes, memberIds: new Set() });
    touched.add(group.id);
  }
  for (const change of page.members) {
    const group = snapshot.get(change.groupId);
    if (!group) {
      unknown.add(change.groupId);
      continue;
    }
    if (change.memberIds !== undefined) group.memberIds = new Set(change.memberIds);
    for (const id of change.removed) group.memberIds.delete(id);
    for (const id of change.added) group.memberIds.add(id);
    touched.add(change.groupId);
  }
  for (const id of page.deleted) {
    snapshot.delete(id);
    touched.delete(id);
    unknown.delete(id);
    deleted.add(id);
  }
  return { touched, deleted, unknown };
}

/** The snapshot as the groups a full readGroups would have returned. */
export function groupsOf(snapshot: GroupSnapshot): SourceGroup[] {
  return [...snapshot].map(([id, group]) => ({ id, attributes: group.attributes, memberIds: [...group.memberIds] }));
}
