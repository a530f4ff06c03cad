/**
 * `provisiond reconcile`: the source's desired state (a fresh full read, mapped), the snapshot and
 * what the app really holds, compared object by object (classify-users.ts, classify-groups.ts);
 * with `repair` or `adopt`, the difference is sent through the cycle's own apply stage.
 * The imperative shell: reads, then the pure classification, then repair.
 */
import { parseTargetPath } from '../../mapping/paths.js';
import type { MappingSet } from '../../mapping/map.js';
import type { Compat } from '../../scim/requests.js';
import type { StateStore } from '../../state/store.js';
import { listedAttribute } from '../first-contact.js';
import type { JobPorts } from '../ports.js';
import { readJobGroups } from '../group-read.js';
import { streamObservedUsers } from '../user-read.js';
import { classifyGroups } from './classify-groups.js';
import { UserClassifier, type UserLinks } from './classify-users.js';
import { ignoreSet, isComparable } from './compare.js';
import { readAppObjects, type AppRead } from './read-app.js';
import { repair } from './repair.js';
import { hasDrift, summaryOf, type ReconcileCounts, type ReconcileReport } from './report.js';
import type { ScimObject } from '../../mapping/paths.js';

export interface ReconcileOptions {
  /** Send what brings the app back to the desired state (never touching unmanaged accounts). */
  readonly repair: boolean;
  /** Link unmanaged accounts an in-scope source user matches, then update them like any linked user. */
  readonly adopt: boolean;
  /** Let disables above safety.maxDeletes through, once. */
  readonly allowDeletes?: boolean;
}

export interface ReconcileDependencies extends JobPorts {
  readonly fullSyncEvery?: number;
}

const LAST_RESULT_VERSION = 1;

export async function runReconcile(deps: ReconcileDependencies, options: ReconcileOptions): Promise<ReconcileReport> {
  const started = new Date();
  const { job, store, log } = deps;
  const name = job.config.name;
  const ignored = job.config.reconcile.ignore;
  let report: ReconcileReport;
  try {
    report = await reconcile(deps, options, started);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    report = failedReport(name, started, ignored, [message]);
  }
  const level = report.outcome === 'failed' ? 'error' : report.outcome === 'drift' ? 'warn' : 'info';
  log[level]({ job: name, outcome: report.outcome, durationMs: report.durationMs, counts: report.counts, ...(report.repair ? { repair: report.repair } : {}), ...(report.errors.length > 0 ? { reason: report.errors.join('; ') } : {}) }, `reconcile ${report.outcome}`);
  try {
    store.saveReconcileResult(name, JSON.stringify({ version: LAST_RESULT_VERSION, ...summaryOf(report) }));
  } catch (error) {
    log.error({ job: name, error: error instanceof Error ? error.message : String(error) }, 'could not record the reconcile result');
  }
  return report;
}

async function reconcile(deps: ReconcileDependencies, options: ReconcileOptions, started: Date): Promise<ReconcileReport> {
  const { job, store, client, log } = deps;
  const name = job.config.name;
  const ignored = job.config.reconcile.ignore;
  const ignore = ignoreSet(ignored);
  const notes: string[] = [];
  const window = Math.max(8, job.config.target.concurrency * 4);

  // --- the desired state: a full read of the source, scoped and mapped as a cycle would ---
  // Links are looked up in the snapshot one by one: at 100,000 users, an index of them in memory is what pushed RSS past 300 MB.
  const userLinks: UserLinks = {
    get: (sourceId) => store.linkEntry(name, 'user', sourceId),
    sourceOf: (targetId) => store.linkedSourceOf(name, 'user', targetId)?.sourceId,
    forEach: (visit) => store.forEachLinkEntry(name, 'user', visit),
  };
  const classifier = new UserClassifier({ links: userLinks, recorded: (sourceId) => store.link(name, 'user', sourceId)?.attributes, matchAttributes: job.config.users.match.map((r) => r.target), ignore, rules: job.config.users.deprovision, compat: job.config.target.compat as Compat });
  const stream = streamObservedUsers(
    { job, source: deps.source, env: deps.env, pendingIds: [], labelOf: (id) => userLinks.get(id)?.label, onFallback: (reason) => log.warn({ job: name }, reason) },
    { mode: 'full', reason: 'reconcile reads the whole directory' },
  );
  for await (const user of stream.users) classifier.addSourceUser(user);
  const read = stream.outcome();
  if (!read.complete) return failedReport(name, started, ignored, [`the source could not be read, so nothing was compared: ${read.error ?? 'the read did not complete'}`]);
  if (read.rejected.length > 0) notes.push(`${read.rejected.length} source object(s) could not be believed and were not compared`);

  const groupsConfig = job.config.groups;
  const groupRead =
    groupsConfig === false
      ? undefined
      : await readJobGroups(job, groupsConfig, deps.source, deps.env, store, { full: true, fullSyncEvery: deps.fullSyncEvery ?? 86_400_000, now: new Date(), onFallback: (reason) => log.warn({ job: name }, reason) });
  if (groupRead && !groupRead.complete) return failedReport(name, started, ignored, [`the source's groups could not be read: ${groupRead.error ?? 'the read did not complete'}`]);

  // --- what the app holds ---
  const userRead: AppRead = await readAppObjects(
    {
      client,
      resourceType: 'Users',
      attributes: readAttributes(job.users, ['id', 'userName', 'externalId', 'active', ...job.config.users.match.map((r) => listedAttribute(r.target))]),
      // Only an app that cannot list reads by id; the ids are gathered first, since a walk of the links holds the database.
      linkedTargetIds: () => liveUserTargets(store, name),
      linkedCount: store.liveLinkCount(name, 'user'),
      window,
    },
    (account) => classifier.observeAccount(account),
  );
  if (userRead.mode === 'by-id') notes.push(`${userRead.reason}: each linked user was read by id, so accounts provisiond does not manage cannot be discovered on this app`);
  else if (userRead.reason) notes.push(userRead.reason);
  const users = classifier.finish();

  let groups: ReturnType<typeof classifyGroups> | undefined;
  let appGroups = new Map<string, ScimObject>();
  const groupLinks = store.links(name, 'group');
  if (groupRead && job.groups) {
    const linked = new Set(liveTargetIds(groupLinks));
    const groupAppRead = await readAppObjects(
      { client, resourceType: 'Groups', attributes: readAttributes(job.groups, ['id', 'displayName', 'externalId', 'members']), linkedTargetIds: () => liveTargetIds(groupLinks), linkedCount: linked.size, window },
      // Only provisioned groups matter; the others' member lists are dropped as they stream by.
      (group) => {
        if (linked.has(String(group.id))) appGroups.set(String(group.id), group);
      },
    );
    if (groupAppRead.mode === 'by-id') notes.push(`${groupAppRead.reason}: each provisioned group was read by id`);
    else if (groupAppRead.reason) notes.push(groupAppRead.reason);
    groups = classifyGroups({ observed: groupRead.groups, groupLinks, userLinks: store.linkIndex(name, 'user'), appGroups, ignore });
  }
  if (ignored.length > 0) notes.push(`not compared (jobs[].reconcile.ignore): ${ignored.join(', ')}`);

  const drifted = [...users.drifted, ...(groups?.drifted ?? [])];
  const missingInApp = [...users.missingInApp, ...(groups?.missingInApp ?? [])];
  const membership = groups?.membership ?? [];
  const counts: ReconcileCounts = {
    appUsers: users.appUsers,
    appGroups: appGroups.size,
    sourceUsers: users.sourceUsers,
    inSync: users.inSync + (groups?.inSync ?? 0),
    drifted: drifted.length,
    missingInApp: missingInApp.length,
    unmanaged: users.unmanaged.length,
    unmanagedMatching: users.unmanaged.filter((u) => u.matchesSourceUser).length,
    membershipDrift: membership.length,
    pendingCreate: users.pendingCreate.length,
    notCompared: users.notCompared,
    skipped: users.skipped,
  };
  const found = { drifted, missingInApp, membership };
  const base: ReconcileReport = {
    job: name,
    startedAt: started.toISOString(),
    durationMs: 0,
    outcome: hasDrift(found) ? 'drift' : 'in-sync',
    appRead: userRead.mode,
    ignored,
    notes,
    errors: [],
    counts,
    drifted,
    missingInApp,
    unmanaged: users.unmanaged,
    membership,
    pendingCreate: users.pendingCreate,
  };
  if (!options.repair && !options.adopt) return { ...base, durationMs: Date.now() - started.getTime() };

  const repaired = await repair(
    {
      job,
      store,
      client,
      log: log.child({ job: name, reconcile: true }),
      compat: job.config.target.compat as Compat,
      desiredOf: (sourceId) => classifier.desiredOf(sourceId),
      observedGroups: groupRead?.groups ?? [],
      appGroups,
      sourceUsers: users.sourceUsers,
    },
    base,
    options,
  );
  appGroups = new Map();
  const errors = repaired.failed > 0 ? [`${repaired.failed} repair operation(s) failed; see the log`] : [];
  return { ...base, repair: repaired, errors, outcome: errors.length > 0 ? 'failed' : base.outcome, durationMs: Date.now() - started.getTime() };
}

/**
 * What to ask the app for (`attributes=`): the top-level attribute of every compared target path
 * (`emails[type eq "work"].value` → `emails`, an extension's `urn:…:User:department` as is), plus
 * `always`. RFC 7643 attribute names are case-insensitive, so duplicates differing in case are dropped.
 */
export function readAttributes(mappings: MappingSet, always: readonly string[]): string[] {
  const wanted = new Map<string, string>();
  const add = (attribute: string) => {
    if (!wanted.has(attribute.toLowerCase())) wanted.set(attribute.toLowerCase(), attribute);
  };
  for (const attribute of always) add(attribute);
  for (const mapping of mappings.mappings) {
    if (mapping.apply === 'on-create' || !isComparable(mapping.target.text)) continue;
    const path = parseTargetPath(mapping.target.text);
    add(path.schema ? `${path.schema}:${path.attribute}` : path.attribute);
  }
  return [...wanted.values()];
}

function* liveTargetIds(links: ReadonlyMap<string, { targetId: string; state: string }>): Generator<string> {
  for (const link of links.values()) if (link.state !== 'deleted') yield link.targetId;
}

function liveUserTargets(store: StateStore, job: string): string[] {
  const ids: string[] = [];
  store.forEachLinkEntry(job, 'user', (entry) => {
    if (entry.state !== 'deleted') ids.push(entry.targetId);
  });
  return ids;
}

const ZERO_COUNTS: ReconcileCounts = {
  appUsers: 0,
  appGroups: 0,
  sourceUsers: 0,
  inSync: 0,
  drifted: 0,
  missingInApp: 0,
  unmanaged: 0,
  unmanagedMatching: 0,
  membershipDrift: 0,
  pendingCreate: 0,
  notCompared: 0,
  skipped: 0,
};

function failedReport(job: string, started: Date, ignored: readonly string[], errors: string[]): ReconcileReport {
  return {
    job,
    startedAt: started.toISOString(),
    durationMs: Date.now() - started.getTime(),
    outcome: 'failed',
    appRead: 'listed',
    ignored,
    notes: ['nothing was repaired: a reconcile that cannot read both sides in full compares nothing'],
    errors,
    counts: ZERO_COUNTS,
    drifted: [],
    missingInApp: [],
    unmanaged: [],
    membership: [],
    pendingCreate: [],
  };
}
