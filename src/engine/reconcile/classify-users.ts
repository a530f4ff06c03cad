/**
 * The user half of reconcile, as an accumulator: source users (mapped) go in first, checked
 * against the snapshot's links, then the app's accounts stream through page by page, each
 * classified as it arrives and then dropped; `finish()` names what was never seen. Memory: one
 * compact entry per source user until its account is seen; links are looked up (UserLinks),
 * never held, and so are the app's accounts (unmanaged ones aside).
 */
import type { DeprovisionRules } from '../../config/schema.js';
import type { MappedObject } from '../../mapping/map.js';
import type { ScimObject, ScimValue } from '../../mapping/paths.js';
import type { Compat } from '../../scim/requests.js';
import { hashAttributes, type LinkEntry } from '../../state/store.js';
import { matchKey, valuesAt } from '../first-contact.js';
import { desiredAttributes, type MatchQuery, type ObservedUser } from '../plan.js';
import { resolveReferences } from '../references.js';
import { driftOf } from './compare.js';
import type { DriftedObject, MissingObject, PendingCreate, UnmanagedAccount } from './report.js';

/** What one source user asks of the app, kept as JSON between the source read and the app read. */
export interface DesiredUser {
  readonly label: string;
  /**
   * What the app should hold; absent when the user is not compared (the next cycle deprovisions it,
   * or the rules say ignore). A null value: the app should hold nothing there (onEmpty: clear, a
   * manager who is not provisioned).
   */
  readonly attributes?: Record<string, ScimValue>;
  /** For repairs: what a create sends, and how first contact finds the account. */
  readonly mapped?: MappedObject;
  readonly match: readonly MatchQuery[];
}

export interface UserClassification {
  readonly inSync: number;
  readonly drifted: DriftedObject[];
  readonly missingInApp: MissingObject[];
  readonly unmanaged: UnmanagedAccount[];
  readonly pendingCreate: PendingCreate[];
  readonly notCompared: number;
  readonly skipped: number;
  readonly sourceUsers: number;
  readonly appUsers: number;
}

/**
 * How a source user's desired state is kept until its account streams by. Most linked users want
 * exactly what the snapshot recorded (their hash says so): for them only the match values and
 * create-only values are kept, and the attributes are read back from the snapshot when needed.
 */
interface StoredDesired {
  readonly label: string;
  readonly match: readonly MatchQuery[];
  /** Not provisioned (any more): what the app should show, if anything. */
  readonly fixed?: Record<string, ScimValue>;
  readonly mapped?: MappedObject;
  /** As the snapshot: the link's recorded attributes are the desired ones. */
  readonly asRecorded?: Pick<MappedObject, 'createOnly' | 'valueSets' | 'cleared'>;
}

/**
 * The snapshot's user links as the classifier asks for them, one at a time: at 100,000 users an
 * in-memory index of every link (and of every target id) is tens of megabytes the database
 * already holds, indexed. linksOf() wraps a map, for callers that hold one anyway.
 */
export interface UserLinks {
  /** The link of a source user, deleted ones included. */
  get(sourceId: string): LinkEntry | undefined;
  /** The source user a live link ties an app account to. */
  sourceOf(targetId: string): string | undefined;
  /** Every link, in the snapshot's order; the callback must not read links itself. */
  forEach(visit: (entry: LinkEntry, sourceId: string) => void): void;
}

export function linksOf(links: ReadonlyMap<string, LinkEntry>): UserLinks {
  const byTarget = new Map<string, string>();
  for (const [sourceId, entry] of links) if (entry.state !== 'deleted') byTarget.set(entry.targetId, sourceId);
  return {
    get: (sourceId) => links.get(sourceId),
    sourceOf: (targetId) => byTarget.get(targetId),
    forEach: (visit) => links.forEach(visit),
  };
}

export interface UserClassifierOptions {
  /** The snapshot's user links. */
  readonly links: UserLinks;
  /** A link's recorded attributes (read from the snapshot on demand). */
  readonly recorded: (sourceId: string) => Readonly<Record<string, ScimValue>> | undefined;
  readonly matchAttributes: readonly string[];
  readonly ignore: ReadonlySet<string>;
  readonly rules: DeprovisionRules;
  /** How a reference (the manager) is sent, so it is compared in the shape the cycle sends. */
  readonly compat: Compat;
}

interface UnmanagedCandidate {
  account: UnmanagedAccount;
  /** Match keys of the account, for a second look at the end (missing users' own match values). */
  keys: { attribute: string; key: string }[];
}

export class UserClassifier {
  /** Source id → JSON of DesiredUser (a string per user is a fraction of the object graph). */
  private readonly desired = new Map<string, string>();
  /** Match key → unlinked, in-scope source users (for unmanaged accounts). */
  private readonly unlinkedIndex = new Map<string, string[]>();
  private readonly unlinked = new Map<string, string>();
  /** Linked users whose account was seen and whose desired state is kept (drifted: for repairs). */
  private readonly seenAndKept = new Set<string>();
  private readonly matchedUnlinked = new Set<string>();
  private readonly drifted: DriftedObject[] = [];
  private readonly unmanaged: UnmanagedCandidate[] = [];
  private inSync = 0;
  private notCompared = 0;
  private skipped = 0;
  private sourceUsers = 0;
  private appUsers = 0;

  constructor(private readonly options: UserClassifierOptions) {}

  /** One source user of a complete read. */
  addSourceUser(user: ObservedUser): void {
    this.sourceUsers++;
    const link = this.options.links.get(user.sourceId);
    const live = link && link.state !== 'deleted';
    const keep = (stored: StoredDesired) => this.desired.set(user.sourceId, JSON.stringify(stored));
    if (user.status !== 'active') {
      if (!live) return;
      // Linked but not provisioned any more: a disabled account is what the rules want, or nothing.
      const disabled = this.options.rules[user.status] === 'disable' && link.state === 'disabled';
      keep({ label: user.label, match: user.match, ...(disabled ? { fixed: { active: false } } : {}) });
      return;
    }
    if (!user.mapped.ok) {
      this.skipped++;
      if (live) keep({ label: user.label, match: user.match });
      return;
    }
    // The manager as the cycle sends it: the app id it resolves to, or expected absent while it is not provisioned.
    const mapped = resolveReferences(user.mapped.value, (id) => this.activeTarget(id), this.options.compat).mapped;
    if (live && link.state === 'active' && hashAttributes(desiredAttributes(mapped)) === link.hash) {
      const { createOnly, valueSets, cleared } = mapped;
      // The common case at scale, so the most compact: see packRecorded.
      if (Object.keys(createOnly).length === 0 && !valueSets && !cleared) this.desired.set(user.sourceId, this.packRecorded(user.label, user.match));
      else keep({ label: user.label, match: user.match, asRecorded: { createOnly, ...(valueSets ? { valueSets } : {}), ...(cleared ? { cleared } : {}) } });
      return;
    }
    keep({ label: user.label, match: user.match, mapped });
    if (live) return;
    this.unlinked.set(user.sourceId, user.label);
    for (const query of user.match) {
      const key = matchKey(query.attribute, query.value);
      const owners = this.unlinkedIndex.get(key);
      if (!owners) this.unlinkedIndex.set(key, [user.sourceId]);
      else owners.push(user.sourceId);
    }
  }

  /** One account the app returned (in a listing, or read by id). */
  observeAccount(account: ScimObject): void {
    this.appUsers++;
    const targetId = String(account.id);
    const sourceId = this.options.links.sourceOf(targetId);
    if (sourceId === undefined) {
      this.unmanaged.push(this.classifyUnmanaged(account, targetId));
      return;
    }
    const desired = this.desiredOf(sourceId);
    const drift = desired?.attributes ? driftOf(account, desired.attributes, this.options.ignore, desired.mapped?.valueSets) : [];
    if (!desired?.attributes) this.notCompared++;
    else if (drift.length === 0) this.inSync++;
    else {
      this.drifted.push({ kind: 'user', sourceId, targetId, label: desired.label, attributes: drift });
      this.seenAndKept.add(sourceId);
      return;
    }
    // Seen and settled: its desired state is not needed any more (memory is freed as the listing goes).
    this.desired.delete(sourceId);
  }

  /** The desired state of a source user, for the comparison and for repairs. */
  desiredOf(sourceId: string): DesiredUser | undefined {
    const text = this.desired.get(sourceId);
    if (text === undefined) return undefined;
    const stored = text.startsWith(RECORDED) ? this.unpackRecorded(text) : (JSON.parse(text) as StoredDesired);
    const base = { label: stored.label, match: stored.match };
    if (stored.fixed) return { ...base, attributes: stored.fixed };
    if (stored.mapped) return { ...base, attributes: expectAbsent(desiredAttributes(stored.mapped), stored.mapped.cleared), mapped: stored.mapped };
    if (stored.asRecorded) {
      const recorded = this.options.recorded(sourceId);
      if (!recorded) return base;
      const { createOnly, valueSets, cleared } = stored.asRecorded;
      const mapped: MappedObject = { attributes: { ...recorded }, createOnly, ...(valueSets ? { valueSets } : {}), ...(cleared ? { cleared } : {}) };
      return { ...base, attributes: expectAbsent({ ...recorded }, cleared), mapped };
    }
    return base;
  }

  /**
   * Linked users the app did not return are missing — when they should be there. Unlinked source
   * users no account matched are pending creates.
   */
  finish(): UserClassification {
    const missingInApp: MissingObject[] = [];
    const missingKeys = new Map<string, number>();
    const unseen: { sourceId: string; targetId: string }[] = [];
    this.options.links.forEach((entry, sourceId) => {
      // Seen accounts dropped their desired state, or kept it as drifted; never-expected ones had none.
      if (entry.state !== 'deleted' && this.desired.has(sourceId) && !this.seenAndKept.has(sourceId)) unseen.push({ sourceId, targetId: entry.targetId });
    });
    for (const entry of unseen) {
      const sourceId = entry.sourceId;
      const desired = this.desiredOf(sourceId);
      // A linked user the source no longer has, or one being deprovisioned, is not expected in the app.
      if (!desired?.attributes) continue;
      missingInApp.push({ kind: 'user', sourceId, targetId: entry.targetId, label: desired.label });
      for (const query of desired.match) missingKeys.set(matchKey(query.attribute, query.value), missingInApp.length - 1);
    }
    // An account re-created by hand under a new id matches its missing user: repair links it.
    const unmanaged = this.unmanaged.map((candidate) => {
      if (candidate.account.matchesSourceUser) return candidate.account;
      for (const { attribute, key } of candidate.keys) {
        const at = missingKeys.get(key);
        if (at === undefined) continue;
        const missing = missingInApp[at] as MissingObject;
        if (missing.matchingTargetId !== undefined) continue;
        missingInApp[at] = { ...missing, matchingTargetId: candidate.account.targetId };
        return { ...candidate.account, matchesSourceUser: true, sourceId: missing.sourceId, sourceLabel: missing.label, matchedBy: attribute };
      }
      return candidate.account;
    });
    const pendingCreate: PendingCreate[] = [];
    for (const [sourceId, label] of this.unlinked) if (!this.matchedUnlinked.has(sourceId)) pendingCreate.push({ kind: 'user', sourceId, label });
    return {
      inSync: this.inSync,
      drifted: this.drifted,
      missingInApp,
      unmanaged,
      pendingCreate,
      notCompared: this.notCompared,
      skipped: this.skipped,
      sourceUsers: this.sourceUsers,
      appUsers: this.appUsers,
    };
  }

  private activeTarget(sourceId: string): string | undefined {
    const entry = this.options.links.get(sourceId);
    return entry?.state === 'active' ? entry.targetId : undefined;
  }

  /**
   * A user the snapshot already holds as desired, with nothing create-only, in a third of its JSON:
   * RECORDED + [label, then per match query the rule's index (or its attribute) and its value,
   * 0 when the value is the label] — usually `["ada@x.example",0,0]`. 100,000 of them wait for
   * the app's listing, so the bytes count.
   */
  private packRecorded(label: string, match: readonly MatchQuery[]): string {
    const packed: (string | number)[] = [label];
    for (const query of match) {
      const rule = this.options.matchAttributes.indexOf(query.attribute);
      packed.push(rule === -1 ? query.attribute : rule, query.value === label ? 0 : query.value);
    }
    return RECORDED + JSON.stringify(packed);
  }

  private unpackRecorded(text: string): StoredDesired {
    const [label, ...rest] = JSON.parse(text.slice(RECORDED.length)) as [string, ...(string | number)[]];
    const match: MatchQuery[] = [];
    for (let i = 0; i + 1 < rest.length; i += 2) {
      const attribute = rest[i] as string | number;
      const value = rest[i + 1] as string | number;
      match.push({ attribute: typeof attribute === 'number' ? (this.options.matchAttributes[attribute] as string) : attribute, value: value === 0 ? label : String(value) });
    }
    return { label, match, asRecorded: { createOnly: {} } };
  }

  private classifyUnmanaged(account: ScimObject, targetId: string): UnmanagedCandidate {
    const keys: { attribute: string; key: string }[] = [];
    for (const attribute of this.options.matchAttributes) for (const value of valuesAt(account, attribute)) keys.push({ attribute, key: matchKey(attribute, value) });
    const base: UnmanagedAccount = {
      kind: 'user',
      targetId,
      label: labelOf(account, targetId),
      ...(typeof account.externalId === 'string' ? { externalId: account.externalId } : {}),
      ...(activeOf(account) === undefined ? {} : { active: activeOf(account) }),
      matchesSourceUser: false,
    };
    for (const { attribute, key } of keys) {
      const owners = this.unlinkedIndex.get(key);
      if (!owners || owners.length !== 1) continue; // several source users share the value: no guess
      const sourceId = owners[0] as string;
      this.matchedUnlinked.add(sourceId);
      return { account: { ...base, matchesSourceUser: true, sourceId, sourceLabel: this.unlinked.get(sourceId) as string, matchedBy: attribute }, keys };
    }
    return { account: base, keys };
  }
}

/** Cleared paths (onEmpty: clear, an unresolved manager) are compared as "the app holds nothing here". */
function expectAbsent(attributes: Record<string, ScimValue>, cleared: readonly string[] | undefined): Record<string, ScimValue> {
  for (const path of cleared ?? []) if (!(path in attributes)) attributes[path] = null;
  return attributes;
}

/** Marks a packed "as recorded" entry; JSON never starts with it. */
const RECORDED = '\u0001';

function labelOf(account: ScimObject, targetId: string): string {
  for (const key of ['userName', 'displayName']) if (typeof account[key] === 'string' && account[key] !== '') return account[key];
  return targetId;
}

function activeOf(account: ScimObject): boolean | undefined {
  const active = account.active;
  if (typeof active === 'boolean') return active;
  if (typeof active === 'string' && /^(true|false)$/i.test(active)) return active.toLowerCase() === 'true';
  return undefined;
}
