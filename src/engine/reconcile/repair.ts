/**
 * `reconcile --repair` and `--adopt`: what brings the app back to the desired state, sent through
 * the cycle's own apply stage (apply.ts, apply-groups.ts), so the deletion guard, escrow, the
 * one-account-one-source claims and per-object error handling are the cycle's. Unmanaged accounts
 * are never touched, except that `--adopt` links those an in-scope source user matches.
 */
import type { PreparedJob } from '../../config/load.js';
import type { Logger } from '../../log.js';
import type { ScimObject } from '../../mapping/paths.js';
import type { ScimClient } from '../../scim/client.js';
import type { Compat } from '../../scim/requests.js';
import type { StateStore } from '../../state/store.js';
import { applyUserOperation, emptyApplySummary, type ApplyContext } from '../apply.js';
import { applyGroupOperations, applyMembershipChanges, emptyGroupSummary, groupApplyContext } from '../apply-groups.js';
import { applyChanges } from '../diff.js';
import { FirstContact } from '../first-contact.js';
import { inBatches, type GroupOperation, type MemberRef, type MembershipChange, type ObservedGroup } from '../group-plan.js';
import { guardOperations } from '../guard.js';
import type { CreateUser, UpdateUser, UserOperation } from '../plan.js';
import { OutcomeRecorder } from '../recorder.js';
import { Window } from '../window.js';
import type { DesiredUser } from './classify-users.js';
import { appMemberIds } from './classify-groups.js';
import type { ReconcileOptions } from './reconcile.js';
import type { ReconcileReport, RepairSummary } from './report.js';

export interface RepairContext {
  readonly job: PreparedJob;
  readonly store: StateStore;
  readonly client: ScimClient;
  readonly log: Logger;
  readonly compat: Compat;
  readonly desiredOf: (sourceId: string) => DesiredUser | undefined;
  readonly observedGroups: readonly ObservedGroup[];
  /** The app's provisioned groups as read, by target id. */
  readonly appGroups: ReadonlyMap<string, ScimObject>;
  readonly sourceUsers: number;
}

export async function repair(context: RepairContext, report: ReconcileReport, options: ReconcileOptions): Promise<RepairSummary> {
  const { job, store, client, log } = context;
  const name = job.config.name;
  const recorder = OutcomeRecorder.forJob(store, name);
  const userContext: ApplyContext = {
    client,
    recorder,
    compat: context.compat,
    mappings: job.users,
    log,
    firstContact: new FirstContact({ client, resourceType: 'Users', matchAttributes: job.config.users.match.map((r) => r.target), log }),
  };

  const operations = [...(options.repair ? userRepairs(context, report) : []), ...(options.adopt ? adoptions(context, report) : [])];
  const linkedCount = [...store.linkIndex(name, 'user').values()].filter((l) => l.state !== 'deleted').length;
  // A drifted `active` brought back to false is a disable like any other: the guard counts it.
  const guard = guardOperations<UserOperation>({
    operations,
    readComplete: true,
    readCount: context.sourceUsers,
    linkedCount,
    maxDeletes: job.config.safety.maxDeletes,
    maxSourceDrop: job.config.safety.maxSourceDrop,
    allowDeletes: options.allowDeletes ?? false,
  });
  if (guard.verdict !== 'pass') log.warn({ held: guard.held.length, verdict: guard.verdict }, guard.reason);

  const summary = emptyApplySummary();
  const window = new Window(Math.max(8, job.config.target.concurrency * 4));
  for (const operation of guard.allowed) {
    if (client.halted) break;
    await window.submit(() => applyUserOperation(operation, userContext, summary));
  }
  await window.drain();
  recorder.flush();

  const groupSummary = emptyGroupSummary();
  if (options.repair && job.config.groups !== false && !client.halted) {
    const groupContext = groupApplyContext({ job: name, client, store, recorder, compat: context.compat, log }, job.config.groups.match);
    await applyGroupOperations(groupRepairs(context, report), groupContext, groupSummary);
    recorder.flush();
    const changes = membershipRepairs(context, report);
    await applyMembershipChanges({ changes, forgotten: [] }, groupContext, groupSummary);
    recorder.flush();
  }

  const adopted = operations.filter((op) => op.kind === 'create' && isAdoption(op, report)).length;
  const byKind = (kind: string, result: string) => summary.byKind[`op.${kind}.${result}`] ?? 0;
  return {
    adopted: Math.min(adopted, byKind('create', 'linked')),
    updated: summary.counts.updated + summary.counts.enabled + summary.counts.disabled,
    recreated: byKind('create', 'created') + summary.counts.recreated,
    relinked: byKind('create', 'linked') - Math.min(adopted, byKind('create', 'linked')),
    membersAdded: groupSummary.counts.membersAdded,
    membersRemoved: groupSummary.counts.membersRemoved,
    groupsRecreated: groupSummary.counts.groupsCreated + groupSummary.counts.groupsLinked,
    failed: summary.counts.failed + groupSummary.counts.groupsFailed + groupSummary.counts.membershipFailed,
    held: guard.held.length,
    ...(guard.reason && guard.verdict !== 'pass' ? { heldReason: guard.reason } : {}),
  };
}

function isAdoption(op: CreateUser, report: ReconcileReport): boolean {
  return report.unmanaged.some((u) => u.sourceId === op.sourceId) && !report.missingInApp.some((m) => m.sourceId === op.sourceId);
}

/** A PATCH of each drifted attribute of a linked user; a create (or re-link by the match rules) of each missing one. */
function userRepairs(context: RepairContext, report: ReconcileReport): UserOperation[] {
  const { store, job } = context;
  const name = job.config.name;
  const operations: UserOperation[] = [];
  for (const drifted of report.drifted) {
    if (drifted.kind !== 'user') continue;
    const desired = context.desiredOf(drifted.sourceId);
    const link = store.link(name, 'user', drifted.sourceId);
    if (!desired?.attributes || !link || link.state === 'deleted') continue;
    const kind: UpdateUser['kind'] = desired.attributes.active === false ? 'disable' : link.state === 'disabled' ? 'enable' : 'update';
    const sets = desired.mapped?.valueSets ?? {};
    // Null: the app should hold nothing there (onEmpty: clear, a manager not provisioned), so it is removed.
    const absent = Object.keys(desired.attributes).filter((path) => desired.attributes?.[path] === null);
    const present = Object.fromEntries(Object.entries(desired.attributes).filter(([, value]) => value !== null));
    operations.push({
      kind,
      sourceId: drifted.sourceId,
      label: drifted.label,
      targetId: link.targetId,
      // `old` is what the app holds: a value it lacks is added, not replaced (RFC 7644 noTarget); a set is sent as the cycle sends it.
      changes: drifted.attributes.map((d) => ({
        path: d.path,
        old: d.app ?? undefined,
        new: d.desired === null ? undefined : d.desired,
        ...(Object.hasOwn(sets, d.path) ? { valueSet: sets[d.path] } : {}),
      })),
      attributes: applyChanges(link.attributes, present, absent),
      ...(desired.mapped ? { recreate: { mapped: desired.mapped, match: desired.match } } : {}),
    });
  }
  for (const missing of report.missingInApp) {
    if (missing.kind !== 'user') continue;
    const desired = context.desiredOf(missing.sourceId);
    if (!desired?.mapped) continue;
    operations.push({ kind: 'create', sourceId: missing.sourceId, label: missing.label, mapped: desired.mapped, match: desired.match });
  }
  return operations;
}

/** `--adopt`: first contact for each in-scope source user an unmanaged account matches: linked, then updated to the desired state. */
function adoptions(context: RepairContext, report: ReconcileReport): CreateUser[] {
  const missing = new Set(report.missingInApp.map((m) => m.sourceId));
  const operations: CreateUser[] = [];
  const seen = new Set<string>();
  for (const account of report.unmanaged) {
    const sourceId = account.sourceId;
    if (!account.matchesSourceUser || sourceId === undefined || missing.has(sourceId) || seen.has(sourceId)) continue;
    seen.add(sourceId);
    const desired = context.desiredOf(sourceId);
    if (!desired?.mapped) continue;
    operations.push({ kind: 'create', sourceId, label: desired.label, mapped: desired.mapped, match: desired.match });
  }
  return operations;
}

/** Missing provisioned groups are created again; drifted ones get a PATCH of what drifted. */
function groupRepairs(context: RepairContext, report: ReconcileReport): GroupOperation[] {
  const name = context.job.config.name;
  const observed = new Map(context.observedGroups.map((g) => [g.sourceId, g]));
  const operations: GroupOperation[] = [];
  for (const missing of report.missingInApp) {
    const group = observed.get(missing.sourceId);
    if (missing.kind !== 'group' || !group?.mapped.ok) continue;
    operations.push({ kind: 'create-group', sourceId: group.sourceId, label: group.label, mapped: group.mapped.value, match: group.match });
  }
  for (const drifted of report.drifted) {
    const link = drifted.kind === 'group' ? context.store.link(name, 'group', drifted.sourceId) : undefined;
    const group = observed.get(drifted.sourceId);
    if (!link || !group?.mapped.ok) continue;
    operations.push({
      kind: 'update-group',
      sourceId: drifted.sourceId,
      label: drifted.label,
      targetId: link.targetId,
      changes: drifted.attributes.map((d) => ({ path: d.path, old: d.app ?? undefined, new: d.desired })),
      attributes: { ...link.attributes, ...group.mapped.value.attributes },
    });
  }
  return operations;
}

/**
 * Member adds and removes that make each provisioned group hold its source group's provisioned
 * members, against the app's member list as read (a group created again starts empty). Computed
 * after the user repairs, so a user created again is added under its new id. What the app already
 * holds rightly is recorded, so the snapshot says what the app confirmed.
 */
function membershipRepairs(context: RepairContext, report: ReconcileReport): MembershipChange[] {
  const { store, job } = context;
  const name = job.config.name;
  if (job.config.groups === false) return [];
  const batchSize = job.config.groups.batchSize;
  const userLinks = store.linkIndex(name, 'user');
  const byTarget = new Map<string, string>();
  for (const [sourceId, link] of userLinks) if (link.state !== 'deleted') byTarget.set(link.targetId, sourceId);
  const groupLinks = store.links(name, 'group');
  const recreated = new Set(report.missingInApp.filter((m) => m.kind === 'group').map((m) => m.sourceId));
  const changes: MembershipChange[] = [];
  for (const group of context.observedGroups) {
    const link = groupLinks.get(group.sourceId);
    if (!link || link.state === 'deleted') continue;
    const held = context.appGroups.get(link.targetId);
    if (!held && !recreated.has(group.sourceId)) continue;
    const inApp = held && !recreated.has(group.sourceId) ? appMemberIds(held) : new Set<string>();
    const desired = new Map<string, string>();
    for (const id of group.memberIds) {
      const user = userLinks.get(id);
      if (user && user.state !== 'deleted') desired.set(user.targetId, id);
    }
    const toAdd: MemberRef[] = [];
    const confirmed: string[] = [];
    for (const [targetId, sourceId] of desired) {
      if (inApp.has(targetId)) confirmed.push(sourceId);
      else toAdd.push({ sourceId, targetId });
    }
    // Strangers: accounts this job does not link record nothing when removed.
    const toRemove: MemberRef[] = [...inApp].filter((targetId) => !desired.has(targetId)).map((targetId) => ({ sourceId: byTarget.get(targetId) ?? '', targetId }));
    if (confirmed.length > 0) store.recordGroupMembers(name, group.sourceId, confirmed, 'added');
    const base = { groupSourceId: group.sourceId, groupLabel: group.label, groupTargetId: link.targetId };
    for (const members of inBatches(toAdd, batchSize)) changes.push({ ...base, kind: 'add-members', members });
    for (const members of inBatches(toRemove, batchSize)) changes.push({ ...base, kind: 'remove-members', members });
  }
  return changes;
}
