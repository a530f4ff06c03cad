/**
 * One cycle of one job: read → scope → map → diff/plan → guard → apply/record. The only stage
 * sequencing in the engine; each stage's logic lives in its own module.
 */
import type { DeprovisionRules, GroupsConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { Compat } from '../scim/requests.js';
import { readsGroupChanges } from '../sources/source.js';
import { hashAttributes, type Link, type LinkEntry, type PendingEntry, type RunOutcome, type StateStore } from '../state/store.js';
import type { JobPorts } from './ports.js';
import { applyUserOperation, countByKind, emptyApplySummary, type ApplyContext, type ApplySummary } from './apply.js';
import { applyGroupOperations, applyMembershipChanges, emptyGroupSummary, groupApplyContext } from './apply-groups.js';
import { applyEscrow, escrowVerdict, fingerprintOf, nextAttemptAt } from './escrow.js';
import { FirstContact, matchKey } from './first-contact.js';
import { planGroupChanges, planMembershipChanges, type GroupOperation, type GroupPlan, type MembershipPlan } from './group-plan.js';
import { membersOf, readJobGroups, readScopeGroups, type ObservedGroupRead } from './group-read.js';
import { guardOperations, isDeprovisioning, type GuardResult } from './guard.js';
import {
  desiredAttributes,
  orderOperations,
  planAbsentUser,
  planUser,
  type CreateUser,
  type ObservedUser,
  type PlannedUser,
  type SkippedObject,
  type UserOperation,
  type UserPlan,
} from './plan.js';
import { ProgressReporter } from './progress.js';
import { activeTargetOf, ReferenceBook } from './reference-book.js';
import type { ResolveTarget } from './references.js';
import { isQuarantined, nextQuarantine, targetIsFailing, type QuarantineState } from './quarantine.js';
import { OutcomeRecorder } from './recorder.js';
import { chooseUserRead, saveReadCursor, scopeChangesOf, scopesByGroupRead, streamObservedUsers, type ReadChoice } from './user-read.js';
import { Window } from './window.js';

export interface CycleOptions {
  /** Plan only: send nothing but reads, record nothing. */
  readonly dryRun: boolean;
  readonly allowDeletes: boolean;
  /** An operator asked for this cycle (--sync-now, POST /sync): it runs even while the job is quarantined. */
  readonly force?: boolean;
  /** Read the whole directory even where an incremental read would do (--full). */
  readonly full?: boolean;
}

export interface CycleDependencies extends JobPorts {
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

export const READ_COUNT_CURSOR = 'users.readCount';
export const QUARANTINE_CURSOR = 'quarantine';

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
    return { job: name, runId, outcome: 'quarantined', message, plan: EMPTY_PLAN, guard: PASSED, counts: {}, durationMs: 0 };
  }
  const pendingUsers = store.pendingEntries(name, 'user');
  const choice = chooseUserRead(job, deps.source, store, {
    full: options.full ?? false,
    fullSyncEvery: deps.fullSyncEvery ?? 24 * 3_600_000,
    now: new Date(),
    pendingCount: pendingUsers.size,
  });
  const runId = options.dryRun ? undefined : store.startRun(name, choice.mode);
  const cycleLog = log.child({ job: name, ...(runId === undefined ? { dryRun: true } : { runId }) });
  const counts: Record<string, number> = {};
  try {
    return await runStages({ ...deps, log: cycleLog }, options, { started, runId, choice, pendingUsers, quarantine, counts });
  } catch (error) {
    // Runs always end: an exception (a bug, the state database failing) fails this job's run, never leaves it running.
    const message = `the cycle stopped on an unexpected error: ${error instanceof Error ? error.message : String(error)}`;
    const durationMs = Date.now() - started;
    if (runId !== undefined) {
      try {
        store.finishRun(runId, 'failed', counts, message);
      } catch (recordError) {
        cycleLog.error({ error: recordError instanceof Error ? recordError.message : String(recordError) }, 'could not record the failed run');
      }
    }
    cycleLog.error({ outcome: 'failed', durationMs, error: message }, 'cycle failed');
    return { job: name, runId, outcome: 'failed', message, plan: EMPTY_PLAN, guard: PASSED, counts, durationMs };
  }
}

const EMPTY_PLAN: UserPlan = { operations: [], skipped: [] };
const PASSED: GuardResult<UserOperation | GroupOperation> = { verdict: 'pass', allowed: [], held: [] };

interface CycleState {
  readonly started: number;
  readonly runId: number | undefined;
  readonly choice: ReadChoice;
  readonly pendingUsers: ReadonlyMap<string, PendingEntry>;
  readonly quarantine: QuarantineState | undefined;
  /** Filled as the cycle goes, so a cycle that stops on an error still records what it did. */
  readonly counts: Record<string, number>;
}

async function runStages(deps: CycleDependencies, options: CycleOptions, state: CycleState): Promise<CycleReport> {
  const { job, store, log: cycleLog, client } = deps;
  const { runId, choice, pendingUsers, quarantine, counts } = state;
  const name = job.config.name;
  const dryRun = options.dryRun;
  // One source serves every job that names it: this cycle's cost is the difference.
  const sourceStatsBefore = deps.source.stats();
  cycleLog.info({ mode: choice.mode, reason: choice.reason }, `${choice.mode} read: ${choice.reason}`);
  const progress = new ProgressReporter({ log: cycleLog, onReport: runId === undefined ? undefined : (p) => store.saveRunProgress(runId, p) });

  // --- group read (incremental where the source has a group change feed; see group-read.ts) ---
  const groupsConfig = job.config.groups;
  const groupReadOptions = {
    full: options.full ?? false,
    fullSyncEvery: deps.fullSyncEvery ?? 24 * 3_600_000,
    now: new Date(),
    onFallback: (reason: string) => cycleLog.warn(reason),
  };
  const groupLinks = store.links(name, 'group');
  const readGroupsStage = async () => {
    progress.start('read groups');
    const groupRead = groupsConfig === false ? undefined : await readJobGroups(job, groupsConfig, deps.source, deps.env, store, groupReadOptions);
    // A job that scopes by groups without provisioning them reads the scope groups alone, when the
    // source can follow them with a change feed (otherwise the user read resolves their members).
    const scopeRead =
      groupRead ?? (scopesByGroupRead(job) && readsGroupChanges(deps.source) ? await readScopeGroups(job, deps.source, deps.env, store, groupReadOptions) : undefined);
    if (scopeRead) cycleLog.info({ groupMode: scopeRead.mode, reason: scopeRead.reason }, `${scopeRead.mode} group read: ${scopeRead.reason}`);
    if (groupRead?.error) cycleLog.error({ source: deps.source.name, error: groupRead.error }, 'group read failed');
    else if (scopeRead?.error) cycleLog.warn({ source: deps.source.name, error: scopeRead.error }, 'scope group read failed; the user read resolves the scope groups itself');
    progress.advance(groupRead?.groups.length ?? 0);
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
    return { groupRead, scopeRead, groupPlan };
  };
  // Groups that decide nobody's scope are read after the users: a 5,000-group directory then does
  // not sit in memory through a 100,000-user read (groups only need their members to exist first).
  const groupsAfterUsers = (job.config.scope.groups?.length ?? 0) === 0 && job.config.scope.app === undefined;
  const early = groupsAfterUsers ? undefined : await readGroupsStage();
  // The named scope groups were just read with their members; reading them again for the user scope
  // would double the cost. (With scope.app the group read also holds the app's groups, whose members
  // are not all in scope, so the user scope resolves its own.)
  const scopeMembers = scopesByGroupRead(job) && early?.scopeRead?.complete ? membersOf(early.scopeRead.snapshot) : undefined;
  // Who joined and who left the scope groups since the last saved group read: an incremental user
  // read reads them by id. The saved snapshot moves in step with the user cursor (see below).
  const scopeChanges = scopeMembers && early?.scopeRead?.previous ? scopeChangesOf(membersOf(early.scopeRead.previous), scopeMembers) : undefined;
  // --- end of group read ---

  const userIndex = store.linkIndex(name, 'user');

  const recorder = new OutcomeRecorder(store, name, { user: pendingUsers, group: store.pendingEntries(name, 'group') });
  const compat = job.config.target.compat as Compat;
  const userContext: ApplyContext = {
    client,
    recorder,
    compat,
    mappings: job.users,
    log: cycleLog,
    firstContact: new FirstContact({ client, resourceType: 'Users', matchAttributes: job.config.users.match.map((r) => r.target), log: cycleLog }),
  };
  const summary = emptyApplySummary();
  const escrowOptions = { now: new Date(), maxAttempts: job.config.safety.maxAttempts };
  const previous = store.cursor(name, READ_COUNT_CURSOR);

  // Read, scope, map, plan and apply stream: creates and updates leave for the target while the
  // directory is still being read, through a window a few times the target's concurrency wide.
  // Deprovisioning waits for the end of the read, where the guard can judge it.
  const stream = streamObservedUsers(
    {
      job,
      source: deps.source,
      env: deps.env,
      pendingIds: [...pendingUsers.keys()],
      labelOf: (id) => userIndex.get(id)?.label,
      onFallback: (reason) => cycleLog.warn(reason),
      ...(scopeChanges ? { scopeChanges } : {}),
    },
    choice,
    scopeMembers,
  );
  const window = new Window(Math.max(8, job.config.target.concurrency * 4));
  const planned: UserOperation[] = [];
  const deprovisioning: UserOperation[] = [];
  const skipped: SkippedObject[] = [];
  /**
   * The links of the users the read returned: only a linked user can be absent, so only they are
   * remembered (a first sync remembers no one), by their index entry rather than a copy of their id.
   */
  const seen = new Set<LinkEntry>();
  const see = (sourceId: string): void => {
    const entry = userIndex.get(sourceId);
    if (entry) seen.add(entry);
  };
  const creates = new CreateConflicts();
  let inScope = 0;
  let deferred = 0;
  let parked = 0;
  const loadLink = (sourceId: string): Link | undefined => store.link(name, 'user', sourceId);
  const references = new ReferenceBook(job, store, dryRun);
  const resolveAtStart: ResolveTarget = (sourceId) => activeTargetOf(userIndex.get(sourceId));
  const skip = (object: SkippedObject): void => {
    skipped.push(object);
    cycleLog.warn({ sourceId: object.sourceId, object: object.label, outcome: 'skipped', error: object.error }, `skipped ${object.label}`);
  };

  progress.start('sync users', previous === undefined || choice.mode !== 'full' ? undefined : Number(previous));
  for await (const observed of stream.users) {
    const user = references.resolve(observed, resolveAtStart, compat);
    see(user.sourceId);
    progress.advance();
    if (user.status === 'active') inScope++;
    const result = planObservedUser(user, userIndex.get(user.sourceId), loadLink, job.config.users.deprovision);
    if (result.skipped) skip(result.skipped);
    const operation = result.operation;
    if (!operation) continue;
    if (operation.kind === 'create') {
      const conflict = creates.claim(operation);
      if (conflict) {
        if (dryRun) skip(conflict);
        else refuseConflict(operation, conflict.error, recorder, summary, cycleLog);
        continue;
      }
      userContext.firstContact.noteCreate();
    }
    countPlanned(counts, operation.kind);
    if (isDeprovisioning(operation)) {
      deprovisioning.push(operation);
      continue;
    }
    if (dryRun) {
      planned.push(operation);
      continue;
    }
    const verdict = escrowVerdict(operation, pendingUsers, escrowOptions);
    if (verdict === 'deferred') deferred++;
    if (verdict === 'parked') {
      parked++;
      logParked(cycleLog, operation, pendingUsers.get(operation.sourceId) as PendingEntry);
    }
    if (verdict !== 'due') continue;
    // Refused credentials: nothing more is sent, and the read stops (the next cycle reads it again).
    if (client.halted) break;
    await window.submit(() => applyUserOperation(operation, userContext, summary));
  }
  await window.drain();
  const read = stream.outcome();

  const { groupRead, scopeRead, groupPlan } = early ?? (await readGroupsStage());
  for (const rejected of [...read.rejected, ...(groupRead?.rejected ?? [])]) {
    // An object the source sent but we could not believe: never proof that its user is gone.
    if (rejected.id !== undefined) see(rejected.id);
    skip({ sourceId: rejected.id ?? '(no id)', label: rejected.label, error: `the source's answer for this object is unusable: ${rejected.error}` });
  }
  // Without an id, a rejected object could be any linked user: nobody is deprovisioned this cycle.
  const unidentified = read.rejected.filter((r) => r.id === undefined).length;
  if (unidentified > 0) cycleLog.warn({ unidentified }, `${unidentified} objects from the source had no usable id; no user is disabled or deleted this cycle`);
  if (read.error) cycleLog.error({ source: deps.source.name, error: read.error, status: read.errorStatus }, 'source read failed');
  // Only a complete full read proves, by absence, that a user was deleted.
  const fullyRead = read.complete && read.mode === 'full';
  const removed = new Set(read.removed);
  if (fullyRead || removed.size > 0) {
    for (const [sourceId, entry] of userIndex) {
      if (seen.has(entry) || entry.state === 'deleted' || (!fullyRead && !removed.has(sourceId))) continue;
      const link = loadLink(sourceId);
      const operation = link && planAbsentUser(link, job.config.users.deprovision);
      if (!operation) continue;
      countPlanned(counts, operation.kind);
      deprovisioning.push(operation);
    }
  }
  // What the user phase needed per user is done with: a 100,000-user directory should not keep it through the group phase.
  seen.clear();
  creates.clear();
  for (const op of groupPlan.operations) countPlanned(counts, op.kind);
  for (const object of groupPlan.skipped) skip(object);

  const halted = client.halted;
  const readComplete = read.complete && unidentified === 0 && (groupRead?.complete ?? true);
  const guard = guardOperations<UserOperation | GroupOperation>({
    operations: [...deprovisioning, ...groupPlan.operations],
    readComplete,
    readCount: read.count,
    // A change feed's size says nothing about the directory's; only full reads are compared.
    previousReadCount: previous === undefined || read.mode !== 'full' ? undefined : Number(previous),
    linkedCount: countLive(userIndex.values()) + countLive(groupLinks.values()),
    maxDeletes: job.config.safety.maxDeletes,
    maxSourceDrop: job.config.safety.maxSourceDrop,
    allowDeletes: options.allowDeletes,
  });
  userIndex.clear();
  if (guard.verdict !== 'pass' && !halted) cycleLog.warn({ held: guard.held.length, verdict: guard.verdict }, guard.reason);
  const allowedUsers = guard.allowed.filter(isUserOperation);
  const allowedGroups = guard.allowed.filter((op): op is GroupOperation => !isUserOperation(op));

  Object.assign(counts, {
    read: read.count,
    inScope,
    skipped: skipped.length,
    held: guard.held.length,
    ...(groupRead ? { groupsRead: groupRead.groups.length } : {}),
    sourceRequests: deps.source.stats().requests - sourceStatsBefore.requests,
    sourceThrottledMs: deps.source.stats().throttledMs - sourceStatsBefore.throttledMs,
  });
  const readError = [groupRead?.error, read.error].filter(Boolean).join('; ') || undefined;
  const sourceRefused = read.errorStatus === 401 || read.errorStatus === 403;

  if (dryRun) {
    progress.finish();
    const userLinks = store.links(name, 'user');
    const plan: UserPlan = { operations: orderOperations([...planned, ...deprovisioning]), skipped };
    const membership = groupRead && groupsConfig !== false ? previewMembership(groupRead, groupPlan, plan, groupLinks, userLinks, store.groupMembers(name), groupsConfig) : undefined;
    return {
      job: name,
      outcome: readComplete ? 'success' : 'failed',
      message: readError ? `the source could not be read, so this plan is incomplete: ${readError}` : guard.reason,
      plan,
      groupPlan,
      membership,
      guard,
      counts,
      durationMs: Date.now() - state.started,
    };
  }

  const groupSummary = emptyGroupSummary();
  const groupContext = groupApplyContext({ job: name, client, store, recorder, compat, log: cycleLog }, groupsConfig === false ? [] : groupsConfig.match);
  let membership: MembershipPlan | undefined;
  if (!client.halted) {
    // Groups after their member users; deprovisioning last, so that a user re-created under a new
    // id never races its old record, and group deletes follow their members' changes.
    if (groupRead && groupsConfig !== false) {
      const creates = allowedGroups.filter((op) => op.kind === 'create-group');
      for (let i = 0; i < creates.length; i++) groupContext.firstContact.noteCreate();
      progress.start('sync groups', allowedGroups.length);
      await applyGroupOperations(allowedGroups.filter((op) => op.kind !== 'delete-group'), groupContext, groupSummary);
      recorder.flush();
      membership = planMembershipChanges({
        groups: provisionedGroups(groupRead, store.links(name, 'group')),
        recorded: store.groupMembers(name),
        userLinks: store.linkIndex(name, 'user'),
        batchSize: groupsConfig.batchSize,
      });
      if (groupRead.rejected.length > 0) {
        // A member list the source could not vouch for may be short: add who is there, remove nobody.
        membership = { ...membership, changes: membership.changes.filter((change) => change.kind === 'add-members') };
      }
      progress.start('sync memberships', membership.changes.length);
      await applyMembershipChanges(membership, groupContext, groupSummary);
    }
    // Escrow's own decision for the whole list: deprovisioning is few, and waited for the guard anyway.
    const deprovision = applyEscrow(allowedUsers, pendingUsers, escrowOptions);
    deferred += deprovision.deferred.length;
    parked += deprovision.parked.length;
    for (const { operation } of deprovision.parked) logParked(cycleLog, operation, pendingUsers.get(operation.sourceId) as PendingEntry);
    progress.start('deprovision users', deprovision.due.length);
    for (const operation of deprovision.due) {
      if (client.halted) break;
      await window.submit(async () => {
        await applyUserOperation(operation, userContext, summary);
        progress.advance();
      });
    }
    await window.drain();
    if (!client.halted) await applyGroupOperations(allowedGroups.filter((op) => op.kind === 'delete-group'), groupContext, groupSummary);
    // The second pass: references to users this cycle provisioned or deprovisioned.
    if (!client.halted && references.active) {
      recorder.flush();
      const fixes = references.planFixes(compat);
      progress.start('sync references', fixes.length);
      for (const operation of fixes) {
        countPlanned(counts, 'reference');
        if (client.halted) break;
        await window.submit(async () => {
          await applyUserOperation(operation, userContext, summary);
          progress.advance();
        });
      }
      await window.drain();
      recorder.flush();
      references.settle(fixes);
    }
  }
  recorder.flush();
  progress.finish();
  counts.deferred = deferred;
  counts.parked = parked;
  Object.assign(counts, summary.counts, summary.byKind, groupRead ? { ...groupSummary.counts, ...groupSummary.byKind } : {}, {
    targetRequests: client.stats.requests,
    targetRetries: client.stats.retries,
    targetThrottledMs: client.stats.throttledMs,
  });
  const targetRefused = client.halted;
  // Only a cycle that passed the gates moves the baselines: the next read is compared with a trusted one.
  const passed = guard.verdict === 'pass' && !targetRefused;
  if (fullyRead && passed) store.saveCursor(name, READ_COUNT_CURSOR, String(read.count));
  // A change feed's rejected object is read again only if the cursor stays where it was.
  const userCursorSaved = read.complete && passed && (read.mode === 'full' || read.rejected.length === 0);
  saveReadCursor(store, job, read, new Date(), userCursorSaved);
  // The group snapshot is the IdP's side only: what the app holds is recomputed every cycle from
  // links and group_members, so storing it (and its cursor) after any complete group read is safe —
  // a change the target refused is planned again from the snapshot. But when the user scope comes
  // from it, it moves only with the user cursor: the next cycle's "who joined, who left" must be
  // measured from the scope the users were last read against.
  if (scopeRead && (!scopesByGroupRead(job) || userCursorSaved)) scopeRead.save();
  const attempted = summary.counts.created + summary.counts.recreated + summary.counts.linked + summary.counts.updated + summary.counts.enabled + summary.counts.disabled + summary.counts.deleted + summary.counts.failed;
  const failing = targetRefused
    ? `the target refused the credentials (HTTP ${targetRefused.status}); check jobs[].target.token of job ${name}`
    : targetIsFailing({
        attempted: attempted + allowedGroups.length + (membership?.changes.length ?? 0),
        failed: summary.counts.failed + groupSummary.counts.groupsFailed + groupSummary.counts.membershipFailed,
        failureStatuses: [...summary.failureStatuses, ...groupSummary.failureStatuses],
      });
  const nextState = nextQuarantine(quarantine, failing, new Date());
  if (nextState) {
    store.saveCursor(name, QUARANTINE_CURSOR, JSON.stringify(nextState));
    cycleLog.error({ until: nextState.until, quarantineLevel: nextState.level }, `job quarantined until ${nextState.until}: ${nextState.reason}`);
  } else if (quarantine) {
    store.deleteCursor(name, QUARANTINE_CURSOR);
    cycleLog.info('quarantine lifted: the target accepts operations again');
  }

  const failures = summary.counts.failed + groupSummary.counts.groupsFailed + groupSummary.counts.membershipFailed + skipped.length + parked;
  const outcome: CycleOutcome =
    targetRefused || sourceRefused || (read.error && read.count === 0) || (groupRead?.error && groupRead.groups.length === 0) || failures > 0
      ? 'failed'
      : guard.verdict === 'guarded'
        ? 'guarded'
        : guard.verdict === 'partial'
          ? 'partial'
          : 'success';
  const authMessage = targetRefused
    ? `authentication failed: the target of job ${name} refused the credentials (HTTP ${targetRefused.status}); fix jobs[].target.token — nothing more was sent, and what is left is sent by the next cycle`
    : sourceRefused
      ? `authentication failed: source "${deps.source.name}" refused the credentials (HTTP ${read.errorStatus}); nothing was deprovisioned`
      : undefined;
  const message = [authMessage, readError, halted ? undefined : guard.reason].filter(Boolean).join('; ') || undefined;
  store.finishRun(runId as number, outcome, counts, message);
  const durationMs = Date.now() - state.started;
  const summaryRecord = { outcome, durationMs, counts, ...(message ? { reason: message } : {}) };
  if (outcome === 'failed') cycleLog.error(summaryRecord, `cycle ${outcome}`);
  else if (outcome !== 'success') cycleLog.warn(summaryRecord, `cycle ${outcome}`);
  else cycleLog.info(summaryRecord, `cycle ${outcome}`);
  return { job: name, runId, outcome, message, plan: { operations: [], skipped }, groupPlan, membership, guard, counts, durationMs };
}

/**
 * The plan for one observed user, loading its link's attributes only when they can matter: an
 * active user whose mapped attributes hash to what the snapshot holds has nothing to send.
 */
function planObservedUser(user: ObservedUser, entry: LinkEntry | undefined, loadLink: (sourceId: string) => Link | undefined, rules: DeprovisionRules): PlannedUser {
  if (!entry || entry.state === 'deleted') return planUser(user, undefined, rules);
  if (user.status === 'active' && entry.state === 'active' && user.mapped.ok && hashAttributes(desiredAttributes(user.mapped.value)) === entry.hash) return {};
  return planUser(user, loadLink(user.sourceId), rules);
}

/**
 * One app account, one source object, within a cycle: two creates that share a match value
 * (userName ada@x and ADA@x, say) would find or make the same account. The second is refused.
 */
class CreateConflicts {
  /** A first sync holds one entry per user, so only the match key and the claimant's source id. */
  private readonly claimed = new Map<string, string>();

  clear(): void {
    this.claimed.clear();
  }

  claim(operation: CreateUser): SkippedObject | undefined {
    const keys = operation.match.map((query) => ({ query, key: matchKey(query.attribute, query.value) }));
    for (const { query, key } of keys) {
      const owner = this.claimed.get(key);
      if (owner !== undefined && owner !== operation.sourceId) {
        return {
          sourceId: operation.sourceId,
          label: operation.label,
          error: `conflicts with the source user ${owner}: both match ${query.attribute} eq "${query.value}" in the target, and one app account serves one source user; not created`,
        };
      }
    }
    for (const { key } of keys) this.claimed.set(key, operation.sourceId);
    return undefined;
  }
}

/** A create refused before it was sent: a failed operation of that user, kept in escrow so a change-feed cycle reads the user again. */
function refuseConflict(operation: CreateUser, error: string, recorder: OutcomeRecorder, summary: ApplySummary, log: Logger): void {
  const attempts = recorder.recordFailure('user', {
    sourceId: operation.sourceId,
    operation: operation.kind,
    label: operation.label,
    lastStatus: null,
    lastError: error,
    fingerprint: fingerprintOf(operation),
    retryAt: (n) => nextAttemptAt(n, new Date()),
  });
  summary.counts.failed++;
  countByKind(summary.byKind, operation.kind, 'failed');
  log.warn({ op: operation.kind, sourceId: operation.sourceId, user: operation.label, outcome: 'failed', attempts, error }, `${operation.kind} ${operation.label} failed`);
}

function logParked(log: Logger, operation: UserOperation, entry: PendingEntry): void {
  log.warn(
    { sourceId: operation.sourceId, user: operation.label, op: operation.kind, outcome: 'parked', attempts: entry.attempts, error: entry.lastError },
    `${operation.kind} ${operation.label} is parked after ${entry.attempts} failed attempts; it is retried when the source object changes`,
  );
}

function countPlanned(counts: Record<string, number>, kind: string): void {
  counts[`planned.${kind}`] = (counts[`planned.${kind}`] ?? 0) + 1;
}

function countLive(links: Iterable<{ readonly state: string }>): number {
  let live = 0;
  for (const link of links) if (link.state !== 'deleted') live++;
  return live;
}

function isUserOperation(op: UserOperation | GroupOperation): op is UserOperation {
  return op.kind !== 'create-group' && op.kind !== 'update-group' && op.kind !== 'delete-group';
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
