/**
 * The read, scope and map stages for groups: which groups a job provisions, mapped. A cycle reads
 * the selected groups in full, or — when the source can and nothing calls for a full read — applies
 * the changes since the last cycle (Graph's /groups/delta with members@delta) to the IdP's groups as
 * last read (source_groups), so a quiet cycle does not read every member list again.
 */
import { createHash } from 'node:crypto';
import type { PreparedJob } from '../config/load.js';
import type { GroupsConfig } from '../config/schema.js';
import { mapObject, type MappingEnvironment } from '../mapping/map.js';
import { applyGroupChanges, groupsOf, snapshotOf, type GroupSnapshot } from '../sources/group-snapshot.js';
import {
  CursorExpiredError,
  readsGroupChanges,
  SourceReadError,
  type Attributes,
  type GroupChangeSource,
  type GroupQuery,
  type GroupSelection,
  type RejectedObject,
  type Source,
  type SourceGroup,
} from '../sources/source.js';
import type { StateStore } from '../state/store.js';
import type { ObservedGroup } from './group-plan.js';
import type { ReadMode } from './user-read.js';

export interface ObservedGroupRead {
  readonly groups: ObservedGroup[];
  readonly complete: boolean;
  readonly error?: string;
  /**
   * Groups or members the source returned but could not vouch for. The member lists may then be
   * short: no member is removed and no group deleted this cycle.
   */
  readonly rejected: readonly RejectedObject[];
}

/** A group read of a cycle, with what the next cycle needs to read only what changed. */
export interface GroupRead extends ObservedGroupRead {
  readonly mode: ReadMode;
  /** Why this mode, for the log. */
  readonly reason: string;
  /** The groups as the IdP now has them (when the read is complete, every selected group). */
  readonly snapshot: GroupSnapshot;
  /** The groups as stored after the last read this job saved, when there was one. */
  readonly previous?: GroupSnapshot;
  /**
   * Stores the snapshot and the cursor the next incremental read starts from, in one transaction;
   * does nothing after an incomplete read, or for a source without a group change feed.
   */
  save(): void;
}

const CHANGE_CURSOR = 'groups.changeCursor';
const LAST_FULL_READ = 'groups.lastFullReadAt';
const READ_CONFIG = 'groups.readConfig';
/** The groups assigned to the app at the last read (scope.app), to tell an unassignment. */
const APP_GROUPS = 'groups.appGroups';

export interface GroupReadOptions {
  /** Read every selected group in full (--full). */
  readonly full: boolean;
  /** schedule.fullSyncEvery: the longest stretch of incremental group reads. */
  readonly fullSyncEvery: number;
  readonly now: Date;
}

/**
 * What a full group read's results depend on besides the IdP: the attributes read, and which
 * groups are selected. A change reads in full, so that a group selected anew is read with its members.
 */
function readConfigFingerprint(job: PreparedJob, groups: GroupsConfig): string {
  const { scope } = job.config;
  return createHash('sha256')
    .update(JSON.stringify({ attributes: groupAttributes(job, groups), from: groups.from, scopeGroups: scope.groups ?? [], app: scope.app ?? null }))
    .digest('base64url');
}

function groupAttributes(job: PreparedJob, groups: GroupsConfig): string[] {
  return [...(job.groups?.sourceAttributes ?? []), ...groups.match.map((r) => r.source)];
}

type GroupReadChoice = { readonly mode: 'full'; readonly reason: string } | { readonly mode: 'incremental'; readonly cursor: string; readonly reason: string };

/**
 * An incomplete read stores nothing, so the stored snapshot and cursor always belong together:
 * the next incremental read starts from the last complete one and sees everything since.
 */
export function chooseGroupRead(job: PreparedJob, groups: GroupsConfig, source: Source, store: StateStore, options: GroupReadOptions): GroupReadChoice {
  const name = job.config.name;
  if (!readsGroupChanges(source)) return { mode: 'full', reason: `${source.kind} sources read groups in full` };
  if (options.full) return { mode: 'full', reason: 'a full read was asked for (--full)' };
  const cursor = store.cursor(name, CHANGE_CURSOR);
  if (cursor === undefined) return { mode: 'full', reason: 'no group change cursor yet' };
  if (store.cursor(name, READ_CONFIG) !== readConfigFingerprint(job, groups)) return { mode: 'full', reason: 'the groups read or their attributes changed since the last full group read' };
  const lastFull = store.cursor(name, LAST_FULL_READ);
  if (lastFull === undefined || options.now.getTime() - Date.parse(lastFull) >= options.fullSyncEvery) {
    return { mode: 'full', reason: 'schedule.fullSyncEvery has passed since the last full group read' };
  }
  return { mode: 'incremental', cursor, reason: 'group changes since the last cycle' };
}

/**
 * The job's groups, read in full or incrementally (see chooseGroupRead). Reads only: nothing is
 * stored until the cycle calls `save()` — a dry run never does.
 */
export async function readJobGroups(
  job: PreparedJob,
  groups: GroupsConfig,
  source: Source,
  env: MappingEnvironment,
  store: StateStore,
  options: GroupReadOptions & { readonly onFallback?: (reason: string) => void },
): Promise<GroupRead> {
  const name = job.config.name;
  const rejected: RejectedObject[] = [];
  const query: GroupQuery = { attributes: groupAttributes(job, groups), onRejected: (object) => rejected.push(object) };
  const failed = (error: string, snapshot: GroupSnapshot, mode: ReadMode, reason: string): GroupRead => ({
    mode,
    reason,
    groups: observe(groupsOf(snapshot), job, groups, env),
    snapshot,
    rejected,
    complete: false,
    error,
    save: () => undefined,
  });
  if (!source.readGroups) {
    return failed(`source "${source.name}": a ${source.kind} source cannot read groups; set groups: false on job ${name}`, new Map(), 'full', 'no group reads');
  }
  let choice = chooseGroupRead(job, groups, source, store, options);
  const previous = readsGroupChanges(source) ? stored(store, name) : undefined;
  let snapshot: GroupSnapshot = new Map();
  // A full read that fails part way still gives whole groups (each with every member) for the pages it read.
  const partial: SourceGroup[] = [];
  try {
    const appGroups = job.config.scope.app !== undefined && source.resolveAppGroups ? [...(await source.resolveAppGroups(job.config.scope.app))] : [];
    const selection: GroupSelection = groups.from === 'all' ? 'all' : { refs: [...new Set([...(job.config.scope.groups ?? []), ...appGroups])] };
    const cursors = (cursor: string, full: boolean): Record<string, string> => ({
      [CHANGE_CURSOR]: cursor,
      [APP_GROUPS]: JSON.stringify(appGroups),
      ...(full ? { [LAST_FULL_READ]: options.now.toISOString(), [READ_CONFIG]: readConfigFingerprint(job, groups) } : {}),
    });

    if (choice.mode === 'incremental' && readsGroupChanges(source) && previous) {
      // A group the app no longer assigns must leave the snapshot, and the feed cannot say which
      // one left through the app and which stays through scope.groups: such a cycle reads in full.
      const before = new Set<string>(JSON.parse(store.cursor(name, APP_GROUPS) ?? '[]') as string[]);
      const unassigned = [...before].some((id) => !appGroups.includes(id));
      const changes = unassigned ? undefined : await readChanges(source, selection, query, choice.cursor, previous, appGroups, options.onFallback);
      if (changes) {
        snapshot = changes.snapshot;
        const complete = rejected.length === 0;
        return {
          mode: 'incremental',
          reason: choice.reason,
          groups: observe(groupsOf(snapshot), job, groups, env),
          snapshot,
          previous,
          rejected,
          complete,
          save: () => {
            if (!complete) return;
            const written = [...changes.written].flatMap((id) => {
              const group = snapshot.get(id);
              return group ? [[id, group] as const] : [];
            });
            store.saveSourceGroups(name, { replace: false, groups: written, deleted: changes.deleted, cursors: cursors(changes.nextCursor, false) });
          },
        };
      }
      choice = { mode: 'full', reason: unassigned ? 'groups were unassigned from the app since the last group read' : 'the group change cursor expired' };
      if (unassigned) options.onFallback?.(choice.reason);
    }

    // Taken before the read starts, so a change made while it runs is read again next time.
    const cursor = readsGroupChanges(source) ? await source.groupChangeCursor(selection, query) : undefined;
    for await (const page of source.readGroups(selection, query)) partial.push(...page);
    snapshot = snapshotOf(dedupe(partial));
    const complete = rejected.length === 0;
    return {
      mode: 'full',
      reason: choice.reason,
      groups: observe(groupsOf(snapshot), job, groups, env),
      snapshot,
      ...(previous ? { previous } : {}),
      rejected,
      complete,
      save: () => {
        if (complete && cursor !== undefined) store.saveSourceGroups(name, { replace: true, groups: snapshot, cursors: cursors(cursor, true) });
      },
    };
  } catch (error) {
    if (!(error instanceof SourceReadError)) throw error;
    // An incremental read that fails changes nothing: its pages may hold half of a group's changes.
    return failed(error.message, choice.mode === 'full' ? snapshotOf(dedupe(partial)) : new Map(), choice.mode, choice.reason);
  }
}

/** The snapshot the stored cursor belongs to; none before the first complete read was saved. */
function stored(store: StateStore, job: string): GroupSnapshot | undefined {
  return store.cursor(job, CHANGE_CURSOR) === undefined ? undefined : store.sourceGroups(job);
}

interface AppliedRead {
  readonly snapshot: GroupSnapshot;
  /** Groups to write over their stored rows. */
  readonly written: ReadonlySet<string>;
  readonly deleted: ReadonlySet<string>;
  readonly nextCursor: string;
}

/** The stored snapshot brought up to date; undefined when the cursor expired (the caller reads in full). */
async function readChanges(
  source: GroupChangeSource,
  selection: GroupSelection,
  query: GroupQuery,
  cursor: string,
  previous: GroupSnapshot,
  appGroups: readonly string[],
  onFallback: ((reason: string) => void) | undefined,
): Promise<AppliedRead | undefined> {
  // A copy: `previous` stays as stored, for the user scope to tell who joined and who left.
  const snapshot: GroupSnapshot = new Map([...previous].map(([id, g]) => [id, { attributes: g.attributes, memberIds: new Set(g.memberIds) }]));
  const written = new Set<string>();
  const deleted = new Set<string>();
  const unknown = new Set<string>();
  try {
    const read = source.readGroupChanges(selection, query, cursor);
    for await (const page of read.pages) {
      const applied = applyGroupChanges(snapshot, page);
      for (const id of applied.deleted) {
        written.delete(id);
        unknown.delete(id);
        deleted.add(id);
      }
      for (const id of [...applied.touched, ...applied.unknown]) deleted.delete(id);
      for (const id of applied.touched) written.add(id);
      for (const id of applied.unknown) unknown.add(id);
    }
    // Groups the snapshot did not hold: assigned to the app since, or reported by members alone.
    for (const id of appGroups) if (!snapshot.has(id) && !deleted.has(id)) unknown.add(id);
    if (unknown.size > 0) {
      const found = new Set<string>();
      for await (const page of source.readGroups({ refs: [...unknown] }, query)) {
        for (const group of page) {
          found.add(group.id);
          snapshot.set(group.id, { attributes: group.attributes, memberIds: new Set(group.memberIds) });
          written.add(group.id);
        }
      }
      // Not found: deleted since (a group named by id that Graph no longer has is absent).
      for (const id of unknown) {
        if (found.has(id)) continue;
        snapshot.delete(id);
        written.delete(id);
        deleted.add(id);
      }
    }
    return { snapshot, written, deleted, nextCursor: read.nextCursor() };
  } catch (error) {
    if (!(error instanceof CursorExpiredError)) throw error;
    onFallback?.(error.message);
    return undefined;
  }
}

/** A group named in scope.groups and assigned to the app is read twice; it is one group. */
function dedupe(groups: readonly SourceGroup[]): SourceGroup[] {
  const seen = new Set<string>();
  return groups.filter((group) => !seen.has(group.id) && seen.add(group.id));
}

/**
 * The scope groups of a job that does not provision groups (groups: false), read only to know
 * their members — incrementally, like a provisioned group read — so that the user scope can be
 * followed with the users' change feed. Its `groups` is empty: there is nothing to provision.
 */
export async function readScopeGroups(
  job: PreparedJob,
  source: Source,
  env: MappingEnvironment,
  store: StateStore,
  options: GroupReadOptions & { readonly onFallback?: (reason: string) => void },
): Promise<GroupRead> {
  const scopeOnly = { from: 'scope', match: [] } as unknown as GroupsConfig;
  return readJobGroups({ ...job, groups: undefined }, scopeOnly, source, env, store, options);
}

function observe(read: readonly SourceGroup[], job: PreparedJob, groups: GroupsConfig, env: MappingEnvironment): ObservedGroup[] {
  const mappings = job.groups;
  if (!mappings) return [];
  return read.map((group) => {
    const mapped = mapObject(group, false, mappings, env);
    const displayName = mapped.ok ? mapped.value.attributes.displayName : undefined;
    return {
      sourceId: group.id,
      label: typeof displayName === 'string' ? displayName : group.id,
      mapped,
      memberIds: group.memberIds,
      match: groups.match.flatMap((rule) => {
        const value = lookup(group.attributes, rule.source);
        return value === undefined || value === null || value === '' ? [] : [{ attribute: rule.target, value: String(value) }];
      }),
    };
  });
}

/** Ids of every user in the groups of a snapshot. */
export function membersOf(snapshot: GroupSnapshot): Set<string> {
  const members = new Set<string>();
  for (const group of snapshot.values()) for (const id of group.memberIds) members.add(id);
  return members;
}

export function lookup(attributes: Attributes, name: string): unknown {
  if (name in attributes) return attributes[name];
  const lower = name.toLowerCase();
  const key = Object.keys(attributes).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : attributes[key];
}
