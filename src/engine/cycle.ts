/**
 * One cycle of one job: read → scope → map → diff/plan → guard → apply/record. The only stage
 * sequencing in the engine; each stage's logic lives in its own module.
 */
import type { PreparedJob } from '../config/load.js';
import type { GroupsConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { MappingEnvironment } from '../mapping/map.js';
import type { ScimClient } from '../scim/client.js';
import type { Compat } from '../scim/requests.js';
import type { Source } from '../sources/source.js';
import type { Link, RunOutcome, StateStore } from '../state/store.js';
import { applyUserOperations, type ApplySummary, type OperationResult } from './apply.js';
import { applyEscrow } from './escrow.js';
import { guardOperations, isDeprovisioning, type GuardResult } from './guard.js';
import { planUserChanges, type UserOperation, type UserPlan } from './plan.js';
import { isQuarantined, nextQuarantine, targetIsFailing, type QuarantineState } from './quarantine.js';
import { chooseUserRead, readObservedUsers, saveReadCursor, type ObservedUserRead } from './user-read.js';
import { applyGroupOperations, applyMembershipChanges, emptyGroupSummary } from './apply-groups.js';
import { planGroupChanges, planMembershipChanges, type GroupOperation, type GroupPlan, type MembershipPlan } from './group-plan.js';
import { readObservedGroups, type ObservedGroupRead } from './group-read.js';

export interface CycleOptions {
  /** Plan only: send nothing but reads, record nothing. */
  readonly dryRun: boolean;
  readonly allowDeletes: boolean;
  /** An operator asked for this cycle (--sync-now, POST /sync): it runs even while the job is quarantined. */
  readonly force?: boolean;
  /** Read the whole directory even where an incremental read would do (--full). */
  readonly full?: boolean;
}

export interface CycleDependencies {
  readonly job: PreparedJob;
  readonly source: Source;
  readonly store: StateStore;
  readonly client: ScimClient;
  readonly log: Logger;
  readonly env: MappingEnvironment;
  /** schedule.fullSyncEvery: the longest stretch of incremental cycles. */
  readonly fullSyncEvery?: number;
}

export type CycleOutcome = Exclude<RunOutcome, 'running'>;

export interface CycleReport {
  readonly job: string;
  readonly runId?: number;
  readonly outcome: CycleOutcome;
  readonly message?: string;
  readonly plan: UserPlan;
  readonly groupPlan?: GroupPlan;
  /** Member changes sent (or, in a dry run, that would be sent against the current snapshot). */
  readonly membership?: MembershipPlan;
  readonly guard: GuardResult<UserOperation | GroupOperation>;
  readonly counts: Readonly<Record<string, number>>;
  readonly durationMs: number;
}

const READ_COUNT_CURSOR = 'users.readCount';
const QUARANTINE_CURSOR = 'quarantine';

/** The job's quarantine, if any (also read by status and metrics). */
export function readQuarantine(store: StateStore, job: string): QuarantineState | undefined {
  const raw = store.cursor(job, QUARANTINE_CURSOR);
  return raw ? (JSON.parse(raw) as QuarantineState) : undefined;
}

export async function runCycle(deps: CycleDependencies, options: CycleOptions): Promise<CycleReport> {
  const started = Date.now();
  const { job, store, log } = deps;
  const name = job.config.name;
  const quarantine = readQuarantine(store, name);
  if (!options.dryRun && !options.force && isQuarantined(quarantine, new Date())) {
    const message = `quarantined until ${quarantine!.until}: ${quarantine!.reason}; \`provisiond --sync-now\` tries now`;
    const runId = store.startRun(name, 'full');
    store.finishRun(runId, 'quarantined', {}, message);
    log.warn({ job: name, runId, until: quarantine!.until }, message);
    const empty = { operations: [], skipped: [] };
    return { job: name, runId, outcome: 'quarantined', message, plan: empty, guard: { verdict: 'pass', allowed: [], held: [] }, counts: {}, durationMs: 0 };
  }
  // One source serves every job that names it: this cycle's cost is the difference.
  const sourceStatsBefore = deps.source.stats();
  const choice = chooseUserRead(job, deps.source, store, { full: options.full ?? false, fullSyncEvery: deps.fullSyncEvery ?? 24 * 3_600_000, now: new Date() });
  const runId = options.dryRun ? undefined : store.startRun(name, choice.mode);
  const cycleLog = log.child({ job: name, ...(runId === undefined ? { dryRun: true } : { runId }) });
  cycleLog.info({ mode: choice.mode, reason: choice.reason }, `${choice.mode} read: ${choice.reason}`);

  const groupsConfig = job.config.groups;
  const groupRead = groupsConfig === false ? undefined : await readObservedGroups(job, groupsConfig, deps.source, deps.env);
  if (groupRead?.error) cycleLog.error({ source: deps.source.name, error: groupRead.error }, 'group read failed');
  // The named scope groups were just read with their members; reading them again for the user scope
  // would double the cost. (With scope.app the group read also holds the app's groups, whose members
  // are not all in scope, so the user scope resolves its own.)
  const scopeMembers =
    groupsConfig !== false && groupsConfig.from === 'scope' && groupRead?.complete && (job.config.scope.groups?.length ?? 0) > 0 && job.config.scope.app === undefined
      ? new Set(groupRead.groups.flatMap((g) => g.memberIds))
      : undefined;
  const links = store.links(name, 'user');
  const read = await readObservedUsers(
    {
      job,
      source: deps.source,
      env: deps.env,
      pendingIds: [...store.pendingEntries(name, 'user').keys()],
      labelOf: (id) => links.get(id)?.label,
      onFallback: (reason) => cycleLog.warn(reason),
    },
    choice,
    scopeMembers,
  );
  if (read.error) cycleLog.error({ source: deps.source.name, error: read.error }, 'source read failed');

  const groupLinks = store.links(name, 'group');
  // Only a complete full read proves, by absence, that a user was deleted.
  const plan = planUserChanges({
    observed: read.users,
    links,
    readComplete: read.complete && read.mode === 'full',
    removed: read.removed,
    rules: job.config.users.deprovision,
  });
  const groupPlan: GroupPlan =
    groupsConfig === false || !groupRead
      ? { operations: [], skipped: [] }
      : planGroupChanges({
          observed: groupRead.groups,
          links: groupLinks,
          readComplete: groupRead.complete,
          rules: groupsConfig.deprovision,
          missingMeans: groupsConfig.from === 'all' ? 'hardDeleted' : 'outOfScope',
        });
  const previous = store.cursor(name, READ_COUNT_CURSOR);
  const guard = guardOperations<UserOperation | GroupOperation>({
    operations: [...plan.operations, ...groupPlan.operations],
    readComplete: read.complete && (groupRead?.complete ?? true),
    readCount: read.users.length,
    // A change feed's size says nothing about the directory's; only full reads are compared.
    previousReadCount: previous === undefined || read.mode !== 'full' ? undefined : Number(previous),
    linkedCount: [...links.values(), ...groupLinks.values()].filter((l) => l.state !== 'deleted').length,
    maxDeletes: job.config.safety.maxDeletes,
    maxSourceDrop: job.config.safety.maxSourceDrop,
    allowDeletes: options.allowDeletes,
  });
  if (guard.verdict !== 'pass') cycleLog.warn({ held: guard.held.length, verdict: guard.verdict }, guard.reason);
  for (const skipped of [...plan.skipped, ...groupPlan.skipped]) {
    cycleLog.warn({ sourceId: skipped.sourceId, object: skipped.label, outcome: 'skipped', error: skipped.error }, `skipped ${skipped.label}`);
  }
  const allowedUsers = guard.allowed.filter(isUserOperation);
  const allowedGroups = guard.allowed.filter((op): op is GroupOperation => !isUserOperation(op));

  const counts: Record<string, number> = {
    read: read.users.length,
    inScope: read.users.filter((u) => u.status === 'active').length,
    skipped: plan.skipped.length + groupPlan.skipped.length,
    held: guard.held.length,
    ...(groupRead ? { groupsRead: groupRead.groups.length } : {}),
    sourceRequests: deps.source.stats().requests - sourceStatsBefore.requests,
    sourceThrottledMs: deps.source.stats().throttledMs - sourceStatsBefore.throttledMs,
  };
  for (const op of [...plan.operations, ...groupPlan.operations]) counts[`planned.${op.kind}`] = (counts[`planned.${op.kind}`] ?? 0) + 1;
  const readError = [groupRead?.error, read.error].filter(Boolean).join('; ') || undefined;

  if (options.dryRun) {
    const membership = groupRead && groupsConfig !== false ? previewMembership(groupRead, groupPlan, plan, groupLinks, links, store.groupMembers(name), groupsConfig) : undefined;
    return {
      job: name,
      outcome: read.complete && (groupRead?.complete ?? true) ? 'success' : 'partial',
      message: readError ?? guard.reason,
      plan,
      groupPlan,
      membership,
      guard,
      counts,
      durationMs: Date.now() - started,
    };
  }

  const escrow = applyEscrow(allowedUsers, store.pendingEntries(name, 'user'), { now: new Date(), maxAttempts: job.config.safety.maxAttempts });
  counts.deferred = escrow.deferred.length;
  counts.parked = escrow.parked.length;
  for (const { operation, lastError, attempts } of escrow.parked) {
    cycleLog.warn(
      { sourceId: operation.sourceId, user: operation.label, op: operation.kind, outcome: 'parked', attempts, error: lastError },
      `${operation.kind} ${operation.label} is parked after ${attempts} failed attempts; it is retried when the source object changes`,
    );
  }

  const userContext = { job: name, client: deps.client, store, compat: job.config.target.compat as Compat, mappings: job.users, log: cycleLog };
  const groupContext = { job: name, client: deps.client, store, compat: job.config.target.compat as Compat, log: cycleLog };
  const groupSummary = emptyGroupSummary();
  // Users first, so that groups can reference them; deprovisioning last, so that a user re-created
  // under a new id never races its old record, and group deletes follow their members' changes.
  const applied = await applyUserOperations(escrow.due.filter((op) => !isDeprovisioning(op)), userContext);
  let membership: MembershipPlan | undefined;
  if (groupRead && groupsConfig !== false) {
    await applyGroupOperations(allowedGroups.filter((op) => op.kind !== 'delete-group'), groupContext, groupSummary);
    membership = planMembershipChanges({
      groups: provisionedGroups(groupRead, store.links(name, 'group')),
      recorded: store.groupMembers(name),
      userLinks: store.links(name, 'user'),
      batchSize: groupsConfig.batchSize,
    });
    await applyMembershipChanges(membership, groupContext, groupSummary);
  }
  mergeApplied(applied, await applyUserOperations(escrow.due.filter(isDeprovisioning), userContext));
  await applyGroupOperations(allowedGroups.filter((op) => op.kind === 'delete-group'), groupContext, groupSummary);
  Object.assign(counts, applied.counts, applied.byKind, groupRead ? { ...groupSummary.counts, ...groupSummary.byKind } : {}, {
    targetRequests: deps.client.stats.requests,
    targetRetries: deps.client.stats.retries,
    targetThrottledMs: deps.client.stats.throttledMs,
  });
  if (read.complete && read.mode === 'full') store.saveCursor(name, READ_COUNT_CURSOR, String(read.users.length));
  saveReadCursor(store, job, read, new Date(), guard.verdict === 'pass');
  const failing = targetIsFailing({
    attempted: escrow.due.length + allowedGroups.length + (membership?.changes.length ?? 0),
    failed: applied.counts.failed + groupSummary.counts.groupsFailed + groupSummary.counts.membershipFailed,
    failureStatuses: [...applied.failureStatuses, ...groupSummary.failureStatuses],
  });
  const nextState = nextQuarantine(quarantine, failing, new Date());
  if (nextState) {
    store.saveCursor(name, QUARANTINE_CURSOR, JSON.stringify(nextState));
    cycleLog.error({ until: nextState.until, level: nextState.level }, `job quarantined until ${nextState.until}: ${nextState.reason}`);
  } else if (quarantine) {
    store.deleteCursor(name, QUARANTINE_CURSOR);
    cycleLog.info('quarantine lifted: the target accepts operations again');
  }

  const failures = applied.counts.failed + groupSummary.counts.groupsFailed + groupSummary.counts.membershipFailed + plan.skipped.length + groupPlan.skipped.length + escrow.parked.length;
  const outcome = decideOutcome(read, groupRead, guard, failures);
  const message = [readError, guard.reason].filter(Boolean).join('; ') || undefined;
  store.finishRun(runId as number, outcome, counts, message);
  const durationMs = Date.now() - started;
  cycleLog.info({ outcome, durationMs, counts, ...(message ? { reason: message } : {}) }, `cycle ${outcome}`);
  return { job: name, runId, outcome, message, plan, groupPlan, membership, guard, counts, durationMs };
}

function decideOutcome(read: ObservedUserRead, groupRead: ObservedGroupRead | undefined, guard: GuardResult<UserOperation | GroupOperation>, failures: number): CycleOutcome {
  if (read.error && read.users.length === 0) return 'failed';
  if (groupRead?.error && groupRead.groups.length === 0) return 'failed';
  if (failures > 0) return 'failed';
  if (guard.verdict === 'guarded') return 'guarded';
  if (guard.verdict === 'partial') return 'partial';
  return 'success';
}

function isUserOperation(op: UserOperation | GroupOperation): op is UserOperation {
  return op.kind !== 'create-group' && op.kind !== 'update-group' && op.kind !== 'delete-group';
}

function mergeApplied(into: ApplySummary, more: ApplySummary): void {
  for (const key of Object.keys(more.counts) as OperationResult[]) into.counts[key] += more.counts[key];
  for (const [key, count] of Object.entries(more.byKind)) into.byKind[key] = (into.byKind[key] ?? 0) + count;
  into.failureStatuses.push(...more.failureStatuses);
}

/** The groups that exist in the target after this cycle's group operations, with their desired members. */
function provisionedGroups(read: ObservedGroupRead, links: ReadonlyMap<string, Link>) {
  return read.groups.flatMap((g) => {
    const link = links.get(g.sourceId);
    return link && link.state !== 'deleted' ? [{ sourceId: g.sourceId, label: g.label, targetId: link.targetId, memberIds: g.memberIds }] : [];
  });
}

/**
 * For a dry run: membership changes as they would be sent if the planned creates succeed, with
 * "(new)" standing in for target ids the app has not assigned yet.
 */
function previewMembership(
  read: ObservedGroupRead,
  groupPlan: GroupPlan,
  userPlan: UserPlan,
  groupLinks: ReadonlyMap<string, Link>,
  userLinks: ReadonlyMap<string, Link>,
  recorded: ReadonlyMap<string, ReadonlySet<string>>,
  groups: GroupsConfig,
): MembershipPlan {
  const pending = (sourceId: string, label: string): Link => ({ sourceId, label, targetId: '(new)', state: 'active', attributes: {} });
  const users = new Map(userLinks);
  for (const op of userPlan.operations) if (op.kind === 'create') users.set(op.sourceId, pending(op.sourceId, op.label));
  const created = new Map(groupLinks);
  for (const op of groupPlan.operations) if (op.kind === 'create-group') created.set(op.sourceId, pending(op.sourceId, op.label));
  const fresh = new Set(groupPlan.operations.filter((op) => op.kind === 'create-group').map((op) => op.sourceId));
  const effective = new Map([...recorded].filter(([id]) => !fresh.has(id)));
  return planMembershipChanges({ groups: provisionedGroups(read, created), recorded: effective, userLinks: users, batchSize: groups.batchSize });
}
