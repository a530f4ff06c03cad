/**
 * Provision on demand: one user, now, step by step as Entra shows it — import from the source,
 * scope, match, perform the action, group memberships. The stages are the cycle's own (scope,
 * observeUser, planUser, applyUserOperation, planMembershipChanges, the recorder's claims); only
 * the sequencing is this module's. Nothing else is sent, and no cursor moves: the next cycle
 * still reads and sends every other change.
 */
import type { PreparedJob } from '../config/load.js';
import type { Logger } from '../log.js';
import type { ScimObject } from '../mapping/paths.js';
import type { ScimClient } from '../scim/client.js';
import { equalityFilter, type Compat } from '../scim/requests.js';
import { SourceReadError, type RejectedObject, type SourceUser } from '../sources/source.js';
import type { Link } from '../state/store.js';
import { applyUserOperation, emptyApplySummary, type ApplyContext, type OperationResult } from './apply.js';
import { applyMembershipChanges, emptyGroupSummary, groupApplyContext } from './apply-groups.js';
import { FirstContact, type FirstContactOptions } from './first-contact.js';
import { planMembershipChanges } from './group-plan.js';
import { lookup } from './group-read.js';
import { planUser, type MatchQuery, type ObservedUser, type UserOperation } from './plan.js';
import { OutcomeRecorder } from './recorder.js';
import { ReferenceBook } from './reference-book.js';
import { compileUserScope, describeFilter, type ScopeVerdict } from './scope.js';
import type { JobPorts } from './ports.js';
import { observeUser, scopeMembers, withAppRoles } from './user-read.js';

export type OnDemandDependencies = JobPorts;

export type StepOutcome = 'ok' | 'skipped' | 'failed';

export interface OnDemandStep {
  readonly step: number;
  readonly title: string;
  readonly outcome: StepOutcome;
  /** What the step found or did, for a person: "in scope (all users of the source)", "created id 42". */
  readonly detail: string;
}

export interface OnDemandReport {
  readonly job: string;
  /** The user as asked for: a source id or a sign-in name. */
  readonly user: string;
  readonly sourceId?: string;
  /** The user's id in the app afterwards, when it has one. */
  readonly targetId?: string;
  readonly outcome: 'success' | 'failed';
  readonly steps: readonly OnDemandStep[];
  readonly durationMs: number;
}

const TITLES = ['Import user from source', 'Determine if user is in scope', 'Match user between source and target', 'Perform action', 'Group memberships'] as const;

/** Step by step, as Entra's provision on demand; a failed step ends it and the steps after it are shown as not run. */
class Steps {
  readonly list: OnDemandStep[] = [];

  constructor(
    private readonly log: Logger,
    private readonly sourceName: string,
  ) {}

  add(outcome: StepOutcome, detail: string): StepOutcome {
    const number = this.list.length + 1;
    const title = number === 1 ? `${TITLES[0]} "${this.sourceName}"` : (TITLES[number - 1] as string);
    this.list.push({ step: number, title, outcome, detail });
    const level = outcome === 'failed' ? 'error' : 'info';
    this.log[level]({ step: number, outcome, detail }, `${number}. ${title}: ${detail}`);
    return outcome;
  }

  /** A failed step: the ones after it did not run. */
  fail(detail: string): void {
    this.add('failed', detail);
    const failed = this.list.length;
    while (this.list.length < TITLES.length) this.add('skipped', `not run: step ${failed} failed`);
  }

  get failed(): boolean {
    return this.list.some((s) => s.outcome === 'failed');
  }
}

/** A request that could not start (the source could not be set up, the daemon ran nothing): its first step failed with why. */
export function failedOnDemand(job: string, user: string, sourceName: string, message: string, durationMs = 0): OnDemandReport {
  const steps: OnDemandStep[] = TITLES.map((title, i) => ({
    step: i + 1,
    title: i === 0 ? `${title} "${sourceName}"` : title,
    outcome: i === 0 ? 'failed' : 'skipped',
    detail: i === 0 ? message : 'not run: step 1 failed',
  }));
  return { job, user, outcome: 'failed', steps, durationMs };
}

/** Provisions one user of the job now: the user is named by source id or sign-in name. Never throws for what the source or app answer. */
export async function provisionOnDemand(deps: OnDemandDependencies, userRef: string): Promise<OnDemandReport> {
  const started = Date.now();
  const { job, source } = deps;
  const name = job.config.name;
  const log = deps.log.child({ job: name, onDemand: userRef });
  const steps = new Steps(log, source.name);
  let sourceId: string | undefined;
  let targetId: string | undefined;
  try {
    ({ sourceId, targetId } = await runSteps({ ...deps, log }, userRef, steps));
  } catch (error) {
    // Runs always end: a bug or a broken state database fails the request with the error, never half-reports it.
    steps.fail(`stopped on an unexpected error: ${messageOf(error)}`);
  }
  const report: OnDemandReport = {
    job: name,
    user: userRef,
    ...(sourceId === undefined ? {} : { sourceId }),
    ...(targetId === undefined ? {} : { targetId }),
    outcome: steps.failed ? 'failed' : 'success',
    steps: steps.list,
    durationMs: Date.now() - started,
  };
  log[report.outcome === 'failed' ? 'error' : 'info']({ outcome: report.outcome, durationMs: report.durationMs, ...(sourceId ? { sourceId } : {}), ...(targetId ? { targetId } : {}) }, `provision on demand ${report.outcome}`);
  return report;
}

async function runSteps(deps: OnDemandDependencies, userRef: string, steps: Steps): Promise<{ sourceId?: string; targetId?: string }> {
  const { job, source, store, client, log } = deps;
  const name = job.config.name;
  const filters = job.config.scope.filters;

  // 1. Import: the attributes a cycle reads for this job, through the adapter's validation.
  const rejected: RejectedObject[] = [];
  let user: SourceUser | undefined;
  try {
    user = await source.readUser(userRef, {
      attributes: [...job.users.sourceAttributes, ...filters.map((f) => f.attribute), ...job.config.users.match.map((r) => r.source)],
      onRejected: (object) => rejected.push(object),
    });
  } catch (error) {
    steps.fail(`the source could not be read: ${messageOf(error)}`);
    return {};
  }
  if (!user && rejected.length > 0) {
    // An answer that cannot be believed is a failed read, never "no such user".
    steps.fail(`the source's answer for this user is unusable: ${rejected.map((r) => r.error).join('; ')}`);
    return {};
  }
  if (!user) {
    steps.fail(`job "${name}": source "${source.name}" has no user "${userRef}" (looked up by object id and by sign-in name)`);
    return {};
  }
  const sourceId = user.id;
  const state = user.deleted ? ', soft-deleted' : user.enabled ? '' : ', disabled';
  steps.add('ok', `${signInName(user, job) ?? user.id} (source id ${user.id}${state})`);

  // 2. Scope: the job's scope groups, app assignments and filters, as a cycle resolves them.
  const scopeRejected: RejectedObject[] = [];
  let members: Awaited<ReturnType<typeof scopeMembers>>;
  try {
    members = await scopeMembers(job, source, undefined, (object) => scopeRejected.push(object));
  } catch (error) {
    steps.fail(`the scope could not be read: ${messageOf(error)}`);
    return { sourceId };
  }
  // The app roles come with the assignments, as in a cycle.
  user = withAppRoles(user, members.roles);
  const scope = compileUserScope(filters, members.ids);
  const verdict = scope.explain(user);
  if (verdict.failed === 'membership' && scopeRejected.length > 0) {
    // A member the source could not vouch for may be this user: out of scope is not proven, and must not disable anyone.
    steps.fail(`cannot tell: the scope's members could not all be read (${scopeRejected.map((r) => r.error).join('; ')})`);
    return { sourceId };
  }
  steps.add('ok', describeScope(verdict, job));

  // 3. Match: the snapshot's link, else the job's match rules against the app (first contact).
  // The manager as the cycle sends it: the app id of a provisioned manager, else left out and kept pending for the cycle that provisions it.
  const compat = job.config.target.compat as Compat;
  const resolveTarget = (id: string) => {
    const link = store.link(name, 'user', id);
    return link?.state === 'active' ? link.targetId : undefined;
  };
  const observed = new ReferenceBook(job, store, false).resolve(observeUser(user, scope, { job, env: deps.env }), resolveTarget, compat);
  const link = store.link(name, 'user', sourceId);
  const live = link && link.state !== 'deleted' ? link : undefined;
  let firstContact: { readonly found?: ScimObject; readonly by?: MatchQuery } | undefined;
  if (live) {
    steps.add('ok', `matched id ${live.targetId}: linked by an earlier cycle (${live.state})`);
  } else if (verdict.status !== 'active') {
    steps.add('skipped', 'not linked, and a user who is not provisioned is never looked up or created');
  } else {
    try {
      firstContact = await matchInTarget(client, observed.match);
    } catch (error) {
      steps.fail(`the app could not be searched: ${messageOf(error)}`);
      return { sourceId };
    }
    const found = firstContact.found;
    if (found) {
      const id = String(found.id);
      const owner = store.linkedSourceOf(name, 'user', id);
      if (owner && owner.sourceId !== sourceId) {
        steps.fail(`matched id ${id}, which is linked to ${owner.label} (source id ${owner.sourceId}); one app account serves one source user, so it is not linked to this one`);
        return { sourceId };
      }
      steps.add('ok', `matched id ${id} by ${describeQueries(firstContact.by ? [firstContact.by] : observed.match)}`);
    } else {
      steps.add('ok', observed.match.length > 0 ? `not found by ${describeQueries(observed.match)}: it is created` : 'no match rule has a value for this user: it is created');
    }
  }

  // 4. Perform action: the cycle's plan for this user, sent and recorded by the cycle's apply path.
  const planned = planUser(observed, link, job.config.users.deprovision);
  if (planned.skipped) {
    steps.fail(`not sent: ${planned.skipped.error}`);
    return { sourceId, targetId: live?.targetId };
  }
  const recorder = OutcomeRecorder.forJob(store, name);
  const operation = planned.operation;
  if (!operation) {
    steps.add('ok', nothingToDo(observed, live, job));
  } else {
    const firstContactOptions: FirstContactOptions = { client, resourceType: 'Users', matchAttributes: job.config.users.match.map((r) => r.target), log };
    const context: ApplyContext = {
      client,
      recorder,
      compat,
      mappings: job.users,
      log,
      firstContact: firstContact ? new KnownFirstContact(firstContactOptions, firstContact.found) : new FirstContact(firstContactOptions),
    };
    const summary = emptyApplySummary();
    await applyUserOperation(operation, context, summary);
    recorder.flush();
    const result = (Object.keys(summary.counts) as OperationResult[]).find((key) => summary.counts[key] > 0) ?? 'notSent';
    const after = store.link(name, 'user', sourceId);
    if (result === 'failed' || result === 'notSent') {
      const error = store.pendingEntries(name, 'user').get(sourceId)?.lastError ?? 'the app refused it';
      steps.fail(`${operation.kind} failed: ${error}`);
      return { sourceId, targetId: live?.targetId };
    }
    steps.add('ok', describeAction(operation, result, after, live));
  }

  // 5. Group memberships: this user's, in the job's groups the app already has.
  const userLink = store.link(name, 'user', sourceId);
  const targetId = userLink && userLink.state !== 'deleted' ? userLink.targetId : undefined;
  const groupsConfig = job.config.groups;
  if (groupsConfig === false) {
    steps.add('skipped', 'the job provisions no groups');
    return { sourceId, targetId };
  }
  const groupLinks = [...store.links(name, 'group').values()].filter((g) => g.state !== 'deleted');
  if (groupLinks.length === 0) {
    steps.add('ok', 'the app has none of the job’s groups yet: the next cycle creates them with their members');
    return { sourceId, targetId };
  }
  // One read of the user's groups where the source has it; else each provisioned group's members.
  let userGroups: ReadonlySet<string> | undefined;
  if (source.groupsOfUser) {
    try {
      userGroups = await source.groupsOfUser(sourceId);
    } catch (error) {
      // A user the directory no longer has active (soft-deleted) is in no group, as a cycle's member lists show it.
      if (error instanceof SourceReadError && error.status === 404) userGroups = new Set();
      else {
        steps.fail(`the user's groups could not be read: ${messageOf(error)}`);
        return { sourceId, targetId };
      }
    }
  }
  const groups: { sourceId: string; label: string; targetId: string; memberIds: string[] }[] = [];
  const gone: string[] = [];
  for (const group of groupLinks) {
    try {
      const member = userGroups ? userGroups.has(group.sourceId) : (await source.resolveGroupMembers(group.sourceId)).has(sourceId);
      groups.push({ sourceId: group.sourceId, label: group.label, targetId: group.targetId, memberIds: member ? [sourceId] : [] });
    } catch (error) {
      // Deleted in the source: the next cycle deletes it in the app; its membership is no business of this request.
      if (error instanceof SourceReadError && error.status === 404) gone.push(group.label);
      else {
        steps.fail(`the members of group ${group.label} could not be read: ${messageOf(error)}`);
        return { sourceId, targetId };
      }
    }
  }
  const recordedGroups = store.groupsOfMember(name, sourceId);
  const membership = planMembershipChanges({
    groups,
    recorded: new Map(groups.map((g) => [g.sourceId, new Set(recordedGroups.has(g.sourceId) ? [sourceId] : [])])),
    userLinks: userLink ? new Map([[sourceId, userLink]]) : new Map(),
    batchSize: groupsConfig.batchSize,
  });
  const groupContext = groupApplyContext({ job: name, client, store, recorder, compat, log }, groupsConfig.match);
  await applyMembershipChanges(membership, groupContext, emptyGroupSummary());
  recorder.flush();
  // What the app confirmed is what was recorded: a change whose record did not move failed (the error waits in escrow).
  const recordedAfter = store.groupsOfMember(name, sourceId);
  const pendingGroups = store.pendingEntries(name, 'group');
  const failures = membership.changes.filter((c) => recordedAfter.has(c.groupSourceId) !== (c.kind === 'add-members'));
  const parts = [
    ...membership.changes.filter((c) => !failures.includes(c)).map((c) => `${c.kind === 'add-members' ? 'added to' : 'removed from'} ${c.groupLabel}`),
    ...failures.map((c) => `${c.kind === 'add-members' ? 'adding to' : 'removing from'} ${c.groupLabel} failed: ${pendingGroups.get(c.groupSourceId)?.lastError ?? 'the app refused it'}`),
  ];
  const memberOf = groups.filter((g) => g.memberIds.length > 0 && !membership.changes.some((c) => c.groupSourceId === g.sourceId)).map((g) => g.label);
  if (parts.length === 0) parts.push(memberOf.length > 0 ? `no change: a member of ${memberOf.join(', ')} in the app, as in the source` : `no change: in none of the job’s ${groups.length} groups`);
  else if (memberOf.length > 0) parts.push(`still a member of ${memberOf.join(', ')}`);
  if (gone.length > 0) parts.push(`${gone.join(', ')} no longer in the source (the next cycle deletes ${gone.length === 1 ? 'it' : 'them'})`);
  if (failures.length > 0) steps.fail(parts.join('; '));
  else steps.add('ok', parts.join('; '));
  return { sourceId, targetId };
}

/**
 * The match rules in order against the app, one filtered search each, stopping at the first hit;
 * several hits are an error, never a guess (as a cycle's first contact).
 */
async function matchInTarget(client: ScimClient, match: readonly MatchQuery[]): Promise<{ found?: ScimObject; by?: MatchQuery }> {
  for (const query of match) {
    const hits = await client.search('Users', equalityFilter(query.attribute, query.value));
    if (hits.length > 1) throw new Error(`${hits.length} users in the app match ${describeQueries([query])}; refusing to guess which one is this user`);
    if (hits.length === 1) return { found: hits[0], by: query };
  }
  return {};
}

/** First contact already done by step 3: the apply path adopts what it found, or creates, without searching again. */
class KnownFirstContact extends FirstContact {
  constructor(
    options: FirstContactOptions,
    private readonly known: ScimObject | undefined,
  ) {
    super(options);
  }

  override find(): Promise<ScimObject | undefined> {
    return Promise.resolve(this.known);
  }
}

function describeQueries(queries: readonly MatchQuery[]): string {
  return queries.map((q) => `${q.attribute} eq ${JSON.stringify(q.value)}`).join(', then ');
}

function signInName(user: SourceUser, job: PreparedJob): string | undefined {
  for (const name of ['userPrincipalName', 'login', ...job.config.users.match.map((r) => r.source)]) {
    const value = lookup(user.attributes, name);
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

function describeScope(verdict: ScopeVerdict, job: PreparedJob): string {
  const { scope, users } = job.config;
  const groups = scope.groups && scope.groups.length > 0 ? `a member of scope.groups (${scope.groups.join(', ')})` : undefined;
  const app = scope.app === undefined ? undefined : `assigned to app ${scope.app}`;
  switch (verdict.status) {
    case 'active': {
      const rules = [groups, app, scope.filters.length > 0 ? `scoping filters hold: ${scope.filters.map(describeFilter).join(' AND ')}` : undefined].filter(Boolean);
      return `in scope (${rules.length > 0 ? rules.join('; ') : 'the job takes every user of the source'})`;
    }
    case 'outOfScope':
      return verdict.failed === 'membership' || verdict.failed === undefined
        ? `out of scope: not ${[groups, app].filter(Boolean).join(' and ')} (rule outOfScope: ${users.deprovision.outOfScope})`
        : `out of scope: the scoping filter ${describeFilter(verdict.failed)} does not hold (rule outOfScope: ${users.deprovision.outOfScope})`;
    case 'disabled':
      return `not provisioned: the account is disabled in the source (rule disabled: ${users.deprovision.disabled})`;
    case 'softDeleted':
      return `not provisioned: soft-deleted in the source (rule softDeleted: ${users.deprovision.softDeleted})`;
  }
}

function nothingToDo(user: ObservedUser, live: Link | undefined, job: PreparedJob): string {
  if (user.status === 'active') return `no change: id ${live?.targetId ?? '?'} already holds what the mappings give`;
  if (!live) return 'nothing to do: the user is not provisioned and was never linked';
  if (job.config.users.deprovision[user.status] === 'ignore') return `nothing to do: the ${user.status} rule is ignore`;
  return `nothing to do: id ${live.targetId} is already disabled`;
}

function describeAction(operation: UserOperation, result: OperationResult, after: Link | undefined, before: Link | undefined): string {
  const id = after?.targetId ?? '?';
  const changed = operation.kind === 'update' || operation.kind === 'enable' || operation.kind === 'disable' ? operation.changes.map((c) => c.path) : [];
  switch (result) {
    case 'created':
      return `created id ${id}`;
    case 'recreated':
      return `created again as id ${id} (the app no longer had id ${before?.targetId ?? '?'})`;
    case 'linked':
      return `linked the app's existing id ${id}, and sent what it held differently`;
    case 'updated':
      return `updated id ${id}: ${changed.join(', ')}`;
    case 'enabled':
      return `enabled id ${id}${changed.length > 0 ? `: ${changed.join(', ')}` : ''}`;
    case 'disabled':
      return `disabled id ${id}${operation.kind === 'disable' && operation.reason ? ` (${operation.reason})` : ''}`;
    case 'deleted':
      return `deleted id ${id}${operation.kind === 'delete' ? ` (${operation.reason})` : ''}`;
    default:
      return result;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
