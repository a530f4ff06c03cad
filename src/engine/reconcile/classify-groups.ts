/**
 * The group half of reconcile: provisioned groups against what the app holds — their attributes
 * and their members. Pure. Groups are few (thousands), so the app's groups are held as read.
 */
import type { ScimObject } from '../../mapping/paths.js';
import type { Link, LinkEntry } from '../../state/store.js';
import type { ObservedGroup } from '../group-plan.js';
import { driftOf } from './compare.js';
import type { DriftedObject, MemberRefOut, MembershipDrift, MissingObject } from './report.js';

export interface GroupClassificationInput {
  readonly observed: readonly ObservedGroup[];
  readonly groupLinks: ReadonlyMap<string, Pick<Link, 'targetId' | 'state' | 'label'>>;
  readonly userLinks: ReadonlyMap<string, LinkEntry>;
  /** The app's groups by id, each with its members (those it returned: linked groups at least). */
  readonly appGroups: ReadonlyMap<string, ScimObject>;
  readonly ignore: ReadonlySet<string>;
}

export interface GroupClassification {
  readonly inSync: number;
  readonly drifted: DriftedObject[];
  readonly missingInApp: MissingObject[];
  readonly membership: MembershipDrift[];
}

export function classifyGroups(input: GroupClassificationInput): GroupClassification {
  const drifted: DriftedObject[] = [];
  const missingInApp: MissingObject[] = [];
  const membership: MembershipDrift[] = [];
  let inSync = 0;
  const userByTarget = new Map<string, { sourceId: string; label: string }>();
  for (const [sourceId, entry] of input.userLinks) if (entry.state !== 'deleted') userByTarget.set(entry.targetId, { sourceId, label: entry.label });

  for (const group of input.observed) {
    const link = input.groupLinks.get(group.sourceId);
    // Not provisioned yet (the next cycle creates it), or its mappings failed: nothing to compare.
    if (!link || link.state === 'deleted' || !group.mapped.ok) continue;
    const base = { kind: 'group' as const, sourceId: group.sourceId, targetId: link.targetId, label: group.label };
    const held = input.appGroups.get(link.targetId);
    if (!held) {
      missingInApp.push(base);
      continue;
    }
    const drift = driftOf(held, group.mapped.value.attributes, input.ignore);
    const members = membersDrift(group, held, input.userLinks, userByTarget);
    if (drift.length > 0) drifted.push({ ...base, attributes: drift });
    if (members.added.length > 0 || members.removed.length > 0) membership.push({ ...base, ...members });
    if (drift.length === 0 && members.added.length === 0 && members.removed.length === 0) inSync++;
  }
  return { inSync, drifted, missingInApp, membership };
}

/** Target ids of a group's members as the app returned them (`members[].value`). */
export function appMemberIds(group: ScimObject): Set<string> {
  const ids = new Set<string>();
  const key = Object.keys(group).find((k) => k.toLowerCase() === 'members');
  const members = key === undefined ? undefined : group[key];
  if (!Array.isArray(members)) return ids;
  for (const member of members) {
    if (member === null || typeof member !== 'object' || Array.isArray(member)) continue;
    const value = (member as ScimObject).value;
    if (typeof value === 'string' || typeof value === 'number') ids.add(String(value));
  }
  return ids;
}

function membersDrift(
  group: ObservedGroup,
  held: ScimObject,
  userLinks: ReadonlyMap<string, LinkEntry>,
  userByTarget: ReadonlyMap<string, { sourceId: string; label: string }>,
): { added: MemberRefOut[]; removed: MemberRefOut[] } {
  const inApp = appMemberIds(held);
  const desired = new Set<string>();
  const removed: MemberRefOut[] = [];
  for (const id of group.memberIds) {
    const link = userLinks.get(id);
    // Only users provisioned to this app can be members; the others join once they are.
    if (!link || link.state === 'deleted') continue;
    desired.add(link.targetId);
    if (!inApp.has(link.targetId)) removed.push({ targetId: link.targetId, sourceId: id, label: link.label });
  }
  const added: MemberRefOut[] = [];
  for (const targetId of inApp) {
    if (desired.has(targetId)) continue;
    const linked = userByTarget.get(targetId);
    added.push(linked ? { targetId, sourceId: linked.sourceId, label: linked.label } : { targetId });
  }
  return { added, removed };
}
