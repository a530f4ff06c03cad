/**
 * The snapshot: what provisiond last sent to each target, written as the target confirms it (in
 * small batches, see engine/recorder.ts) so that a crash anywhere leaves a state the next cycle can
 * converge from.
 */
import { hash } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { ScimValue } from '../mapping/paths.js';
import type { Attributes } from '../sources/source.js';
import { MIGRATIONS } from './migrations.js';

export type ObjectKind = 'user' | 'group';
export type LinkState = 'active' | 'disabled' | 'deleted';

export interface Link {
  readonly sourceId: string;
  readonly targetId: string;
  /** Human handle (userName) for logs and status. */
  readonly label: string;
  readonly state: LinkState;
  /** Attributes as last confirmed by the target, keyed by target path. */
  readonly attributes: Readonly<Record<string, ScimValue>>;
}

export type RunOutcome = 'running' | 'success' | 'failed' | 'partial' | 'guarded' | 'quarantined';

export interface RunRecord {
  readonly id: number;
  readonly job: string;
  readonly mode: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly outcome: RunOutcome;
  readonly counts: Readonly<Record<string, number>>;
  readonly message: string | null;
  /** While the run is running: its latest progress report. */
  readonly progress?: CycleProgress;
}

/** Where a running cycle is: a phase, how far through it, and at what pace. */
export interface CycleProgress {
  readonly phase: string;
  readonly done: number;
  /** Undefined while the total is not known yet (a full read before it ends). */
  readonly total?: number;
  /** Per second, over the phase so far. */
  readonly rate: number;
  /** Seconds left at that rate, when the total is known. */
  readonly etaSeconds?: number;
  readonly at: string;
}

export interface PendingFailure {
  readonly kind: ObjectKind;
  readonly sourceId: string;
  readonly operation: string;
  readonly label: string;
  readonly attempts: number;
  readonly lastStatus: number | null;
  readonly lastError: string;
  readonly lastFailedAt: string;
  /** When escrow may send it again; null when it is due. */
  readonly nextAttemptAt?: string | null;
}

/** A named, expiring claim: who (process, host) may write a job, or which daemon serves this database. */
export interface LeaseRecord {
  readonly name: string;
  /** Random per process, so a reused pid is not mistaken for the holder. */
  readonly holder: string;
  readonly pid: number;
  readonly hostname: string;
  /** Where the holder answers HTTP (the daemon's POST /sync), when it does. */
  readonly address: string | null;
  /** JSON the holder publishes for `provisiond status` (the daemon's next run per job). */
  readonly detail: string;
  readonly acquiredAt: string;
  /** Epoch milliseconds; a holder that stops renewing loses the lease after this. */
  readonly expiresAt: number;
}

export type LeaseClaim = Omit<LeaseRecord, 'acquiredAt'>;

export type LeaseAcquisition =
  | { readonly acquired: true; /** The dead holder's lease this one replaced. */ readonly reclaimed?: LeaseRecord }
  | { readonly acquired: false; readonly current: LeaseRecord };

export interface LinkCount {
  readonly kind: ObjectKind;
  readonly state: LinkState;
  readonly count: number;
}

/** What the state database holds of one job, as `provisiond reset` reports it. */
export interface JobStateCounts {
  /** Live (not deleted) links. */
  readonly userLinks: number;
  readonly groupLinks: number;
  /** Links of objects provisiond deleted, kept so that "only what we linked" holds. */
  readonly deletedLinks: number;
  readonly memberships: number;
  readonly sourceGroups: number;
  readonly pending: number;
  readonly cursors: readonly string[];
}

interface LeaseRow {
  name: string;
  holder: string;
  pid: number;
  hostname: string;
  address: string | null;
  detail: string;
  acquired_at: string;
  expires_at: number;
}

/** One group of the IdP as last read, for incremental group reads. */
export interface StoredSourceGroup {
  attributes: Attributes;
  memberIds: Set<string>;
}

/** A pending operation as escrow sees it. */
export interface PendingEntry {
  readonly sourceId: string;
  readonly attempts: number;
  readonly nextAttemptAt: string | null;
  readonly fingerprint: string | null;
  readonly lastError: string;
}

/** What a cycle keeps in memory per linked object: enough to decide, without the attributes, whether it changed. */
export interface LinkEntry {
  readonly targetId: string;
  readonly label: string;
  readonly state: LinkState;
  /** hashAttributes() of the attributes last confirmed by the target. */
  readonly hash: string;
}

/**
 * A link as its row holds it: the attributes already as JSON, with their hash. The recorder keeps
 * confirmed links for up to 200 ms before it writes them; as one string each rather than an object
 * graph each, the 100,000 links of a first sync leave V8 far less to promote and collect.
 */
export interface SerializedLink {
  readonly sourceId: string;
  readonly targetId: string;
  readonly label: string;
  readonly state: LinkState;
  readonly attributesJson: string;
  readonly hash: string;
}

export function serializeLink(link: Link): SerializedLink {
  return { sourceId: link.sourceId, targetId: link.targetId, label: link.label, state: link.state, attributesJson: JSON.stringify(link.attributes), hash: hashAttributes(link.attributes) };
}

/** One confirmed outcome or refusal, as the engine's recorder hands them over in batches. */
export type StateWrite =
  | {
      readonly type: 'link';
      readonly kind: ObjectKind;
      readonly link: SerializedLink;
      /** False when the writer knows the object has no pending failure to clear (saves a DELETE per link). */
      readonly clearsPending?: boolean;
    }
  | {
      readonly type: 'failure';
      readonly kind: ObjectKind;
      readonly failure: FailureRecord;
    };

/**
 * A refused operation. `spendsAttempt: false` keeps it pending without counting an attempt (the
 * target refused our credentials: the object is not at fault), due again next cycle.
 */
export type FailureRecord = Omit<PendingFailure, 'attempts' | 'lastFailedAt' | 'kind'> & {
  fingerprint?: string;
  retryAt?: (attempts: number) => Date;
  spendsAttempt?: boolean;
};

interface LinkRow {
  source_id: string;
  target_id: string;
  label: string;
  state: LinkState;
  attributes: string;
}

/** A reference a user holds in the app, or should hold once its referenced user is provisioned (referenceCandidates). */
export interface StoredReference {
  readonly sourceId: string;
  readonly targetId: string;
  readonly label: string;
  readonly path: string;
  readonly held: ScimValue | undefined;
  readonly refSourceId?: string;
}

/** SQLite hands every row its own copy of the state's text; a link index of 100,000 shares these three. */
const LINK_STATES: Readonly<Record<LinkState, LinkState>> = { active: 'active', disabled: 'disabled', deleted: 'deleted' };

/** SQLite's JSON path of one top-level key of the stored attributes (target paths contain dots and colons). */
function jsonPath(key: string): string {
  return `$.${JSON.stringify(key)}`;
}

/**
 * Computed for every user of every full read: sha-256 of the attributes as sorted [key, value]
 * pairs in JSON, cut to 22 characters. Stored hashes depend on that exact text, so it never changes.
 */
export function hashAttributes(attributes: Readonly<Record<string, ScimValue>>): string {
  return hash('sha256', canonicalAttributesJson(attributes), 'base64url').slice(0, 22);
}

/** Target paths repeat for every user of a job: each is quoted once. */
const quotedKeys = new Map<string, string>();

/**
 * `JSON.stringify(Object.keys(attributes).sort().map((k) => [k, attributes[k]]))`, byte for byte,
 * without building the pairs (half the time, measured over 100,000 users).
 */
export function canonicalAttributesJson(attributes: Readonly<Record<string, ScimValue>>): string {
  const keys = Object.keys(attributes).sort();
  let text = '[';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    let quoted = quotedKeys.get(key);
    if (quoted === undefined) {
      quoted = JSON.stringify(key);
      if (quotedKeys.size < 10_000) quotedKeys.set(key, quoted);
    }
    // In an array, JSON.stringify writes null where a value has no JSON form (undefined).
    text += `${i === 0 ? '[' : ',['}${quoted},${JSON.stringify(attributes[key]) ?? 'null'}]`;
  }
  return `${text}]`;
}

export class StateStore {
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(private readonly db: Database.Database) {}

  /**
   * The snapshot holds names, emails and ids: the database and its -wal/-shm files are private
   * (0600; SQLite gives the side files the database's mode), and a directory provisiond creates is 0700.
   */
  static open(path: string): StateStore {
    if (path !== ':memory:') {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
      for (const file of [path, `${path}-wal`, `${path}-shm`]) {
        try {
          chmodSync(file, 0o600);
        } catch {
          // A side file that does not exist yet, or a file we do not own: SQLite copies the database's mode to new side files.
        }
      }
    }
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    // NORMAL is durable across process crashes in WAL mode; only an OS crash can lose the last commit.
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    // SQLite's temporary files (large sorts, index builds, statement journals) would go to $TMPDIR,
    // /var/tmp, /tmp or the working directory, none of them writable in a container with a
    // read-only root filesystem; the state directory is the only place provisiond writes. The
    // snapshot's sorts and index builds are small enough to stay in memory.
    db.pragma('temp_store = MEMORY');
    // A checkpoint copies every page the WAL holds back into the database; a first sync that
    // confirms 100,000 links would run one every second at SQLite's default of 1,000 pages. At
    // 10,000 (about 40 MB of WAL) a page rewritten by many commits is copied once. The WAL shrinks
    // back to 8 MB when a checkpoint resets it.
    db.pragma('wal_autocheckpoint = 10000');
    db.pragma('journal_size_limit = 8388608');
    const store = new StateStore(db);
    store.migrate();
    return store;
  }

  /** Statements are prepared once: preparing one costs more than running it. */
  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) this.statements.set(sql, (statement = this.db.prepare(sql)));
    return statement;
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  private migrate(): void {
    const current = this.schemaVersion;
    if (current > MIGRATIONS.length) {
      throw new Error(`state database schema version ${current} is newer than this provisiond (${MIGRATIONS.length}); upgrade provisiond`);
    }
    for (let version = current; version < MIGRATIONS.length; version++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[version] as string);
        this.db.pragma(`user_version = ${version + 1}`);
      })();
    }
  }

  links(job: string, kind: ObjectKind): Map<string, Link> {
    const rows = this.statement('SELECT source_id, target_id, label, state, attributes FROM links NOT INDEXED WHERE job = ? AND kind = ?').all(job, kind) as LinkRow[];
    return new Map(rows.map((r) => [r.source_id, toLink(r)]));
  }

  /**
   * Every link of a job without its attributes: what a cycle holds in memory (a few dozen bytes
   * per object), loading a link's attributes only for the objects that changed.
   */
  linkIndex(job: string, kind: ObjectKind): Map<string, LinkEntry> {
    const index = new Map<string, LinkEntry>();
    this.forEachLinkEntry(job, kind, (entry, sourceId) => index.set(sourceId, entry));
    return index;
  }

  /** One link without its attributes (linkIndex's entry), for callers that look links up one by one. */
  linkEntry(job: string, kind: ObjectKind, sourceId: string): LinkEntry | undefined {
    const row = this.statement('SELECT target_id, label, state, hash FROM links WHERE job = ? AND kind = ? AND source_id = ?').get(job, kind, sourceId) as
      | { target_id: string; label: string; state: LinkState; hash: string }
      | undefined;
    return row ? { targetId: row.target_id, label: row.label, state: row.state, hash: row.hash } : undefined;
  }

  /**
   * Every link of a job without its attributes, one row at a time (linkIndex's order), never held
   * together. The connection is busy until the walk ends: `visit` must not use the store.
   */
  forEachLinkEntry(job: string, kind: ObjectKind, visit: (entry: LinkEntry, sourceId: string) => void): void {
    // A walk of the table in row order: through an index on (job, kind, …) each of a 100,000 rows
    // would be a lookup of its own in the table, twice as slow (250 ms against 550 for 100,000 links).
    const rows = this.statement('SELECT source_id, target_id, label, state, hash FROM links NOT INDEXED WHERE job = ? AND kind = ?').iterate(job, kind) as IterableIterator<{
      source_id: string;
      target_id: string;
      label: string;
      state: LinkState;
      hash: string;
    }>;
    for (const row of rows) visit({ targetId: row.target_id, label: row.label, state: LINK_STATES[row.state], hash: row.hash }, row.source_id);
  }

  /** How many links of a job are live (not deleted). */
  liveLinkCount(job: string, kind: ObjectKind): number {
    return (this.statement("SELECT count(*) AS n FROM links WHERE job = ? AND kind = ? AND state != 'deleted'").get(job, kind) as { n: number }).n;
  }

  link(job: string, kind: ObjectKind, sourceId: string): Link | undefined {
    const row = this.statement('SELECT source_id, target_id, label, state, attributes FROM links WHERE job = ? AND kind = ? AND source_id = ?').get(job, kind, sourceId) as
      | LinkRow
      | undefined;
    return row ? toLink(row) : undefined;
  }

  /**
   * The source object a target object is linked to (deleted links aside): one app account serves
   * one source object. The index is named because without statistics SQLite prefers the primary
   * key's (job, kind) prefix — a scan of the job's links for every create.
   */
  linkedSourceOf(job: string, kind: ObjectKind, targetId: string): { sourceId: string; label: string } | undefined {
    const row = this.statement("SELECT source_id, label FROM links INDEXED BY links_by_target WHERE job = ? AND kind = ? AND target_id = ? AND state != 'deleted' LIMIT 1").get(job, kind, targetId) as
      | { source_id: string; label: string }
      | undefined;
    return row ? { sourceId: row.source_id, label: row.label } : undefined;
  }

  /** Records what the target confirmed; clears any pending failure of the object in the same transaction. */
  saveLink(job: string, kind: ObjectKind, link: Link): void {
    this.writeBatch(job, [{ type: 'link', kind, link: serializeLink(link) }]);
  }

  /**
   * Records several confirmed outcomes and refusals in one transaction: a cycle hands them over
   * every few dozen milliseconds instead of paying a transaction per operation.
   * @returns the attempt count of each failure, in order
   */
  writeBatch(job: string, writes: readonly StateWrite[]): number[] {
    return this.db.transaction(() =>
      writes.flatMap((write) => (write.type === 'link' ? (this.writeLink(job, write.kind, write.link, write.clearsPending ?? true), []) : [this.writeFailure(job, write.kind, write.failure)])),
    )();
  }

  private writeLink(job: string, kind: ObjectKind, link: SerializedLink, clearsPending: boolean): void {
    const now = new Date().toISOString();
    this.statement(
      `INSERT INTO links (job, kind, source_id, target_id, label, state, attributes, hash, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (job, kind, source_id) DO UPDATE SET target_id = excluded.target_id, label = excluded.label,
         state = excluded.state, attributes = excluded.attributes, hash = excluded.hash, updated_at = excluded.updated_at`,
    ).run(job, kind, link.sourceId, link.targetId, link.label, link.state, link.attributesJson, link.hash, now, now);
    if (clearsPending) this.statement('DELETE FROM pending WHERE job = ? AND kind = ? AND source_id = ?').run(job, kind, link.sourceId);
  }

  /**
   * Records a refused operation. Attempts count up while the object stays the same (same
   * fingerprint) and restart at one when it changed; `retryAt` says when escrow may send it again.
   */
  recordFailure(
    job: string,
    kind: ObjectKind,
    failure: FailureRecord,
  ): number {
    return this.writeBatch(job, [{ type: 'failure', kind, failure }])[0] as number;
  }

  private writeFailure(job: string, kind: ObjectKind, failure: FailureRecord): number {
    const now = new Date().toISOString();
    {
      const previous = this.statement('SELECT attempts, fingerprint FROM pending WHERE job = ? AND kind = ? AND source_id = ?').get(job, kind, failure.sourceId) as
        | { attempts: number; fingerprint: string | null }
        | undefined;
      const attempts = failureAttempts(previous, failure);
      this.statement(
          `INSERT INTO pending (job, kind, source_id, operation, label, attempts, last_status, last_error, first_failed_at, last_failed_at, next_attempt_at, fingerprint)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (job, kind, source_id) DO UPDATE SET operation = excluded.operation, label = excluded.label,
             attempts = excluded.attempts, last_status = excluded.last_status, last_error = excluded.last_error,
             last_failed_at = excluded.last_failed_at, next_attempt_at = excluded.next_attempt_at, fingerprint = excluded.fingerprint`,
        )
        .run(
          job,
          kind,
          failure.sourceId,
          failure.operation,
          failure.label,
          attempts,
          failure.lastStatus,
          failure.lastError,
          now,
          now,
          failure.retryAt && failure.spendsAttempt !== false ? failure.retryAt(attempts).toISOString() : null,
          failure.fingerprint ?? null,
        );
      return attempts;
    }
  }

  /** Escrow's view of the pending operations of a job, by source id. */
  pendingEntries(job: string, kind: ObjectKind): Map<string, PendingEntry> {
    const rows = this.db
      .prepare<[string, string], { source_id: string; attempts: number; next_attempt_at: string | null; fingerprint: string | null; last_error: string }>(
        'SELECT source_id, attempts, next_attempt_at, fingerprint, last_error FROM pending WHERE job = ? AND kind = ?',
      )
      .all(job, kind);
    return new Map(
      rows.map((r) => [r.source_id, { sourceId: r.source_id, attempts: r.attempts, nextAttemptAt: r.next_attempt_at, fingerprint: r.fingerprint, lastError: r.last_error }]),
    );
  }

  clearFailure(job: string, kind: ObjectKind, sourceId: string): void {
    this.db.prepare('DELETE FROM pending WHERE job = ? AND kind = ? AND source_id = ?').run(job, kind, sourceId);
  }

  pendingFailures(job: string): PendingFailure[] {
    return this.db
      .prepare<[string], Record<string, unknown>>(
        'SELECT kind, source_id, operation, label, attempts, last_status, last_error, last_failed_at, next_attempt_at FROM pending WHERE job = ? ORDER BY last_failed_at',
      )
      .all(job)
      .map((r) => ({
        kind: r.kind as ObjectKind,
        sourceId: r.source_id as string,
        operation: r.operation as string,
        label: r.label as string,
        attempts: r.attempts as number,
        lastStatus: (r.last_status as number | null) ?? null,
        lastError: r.last_error as string,
        lastFailedAt: r.last_failed_at as string,
        nextAttemptAt: (r.next_attempt_at as string | null) ?? null,
      }));
  }

  startRun(job: string, mode: string): number {
    const result = this.db
      .prepare("INSERT INTO runs (job, mode, started_at, outcome) VALUES (?, ?, ?, 'running')")
      .run(job, mode, new Date().toISOString());
    return Number(result.lastInsertRowid);
  }

  finishRun(id: number, outcome: Exclude<RunOutcome, 'running'>, counts: Readonly<Record<string, number>>, message?: string): void {
    this.db
      .prepare('UPDATE runs SET finished_at = ?, outcome = ?, counts = ?, message = ? WHERE id = ?')
      .run(new Date().toISOString(), outcome, JSON.stringify(counts), message ?? null, id);
  }

  saveRunProgress(id: number, progress: CycleProgress): void {
    this.statement('UPDATE runs SET progress = ? WHERE id = ?').run(JSON.stringify(progress), id);
  }

  recentRuns(job: string, limit = 10): RunRecord[] {
    return this.db
      .prepare<[string, number], Record<string, unknown>>('SELECT * FROM runs WHERE job = ? ORDER BY id DESC LIMIT ?')
      .all(job, limit)
      .map(toRun);
  }

  cursor(job: string, name: string): string | undefined {
    const row = this.db.prepare<[string, string], { value: string }>('SELECT value FROM cursors WHERE job = ? AND name = ?').get(job, name);
    return row?.value;
  }

  saveCursor(job: string, name: string, value: string): void {
    this.db
      .prepare(
        `INSERT INTO cursors (job, name, value, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (job, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      )
      .run(job, name, value, new Date().toISOString());
  }

  /** Latest run of a job, optionally only among the given outcomes. */
  latestRun(job: string, outcomes?: readonly RunOutcome[]): RunRecord | undefined {
    const filter = outcomes ? ` AND outcome IN (${outcomes.map(() => '?').join(', ')})` : '';
    const row = this.db
      .prepare<unknown[], Record<string, unknown>>(`SELECT * FROM runs WHERE job = ?${filter} ORDER BY id DESC LIMIT 1`)
      .get(job, ...(outcomes ?? []));
    return row ? toRun(row) : undefined;
  }

  /** Closes runs left 'running' by a process that died or was stopped mid-cycle, so status does not show them as live. */
  interruptRunningRuns(job: string, message: string): number {
    return this.db
      .prepare("UPDATE runs SET finished_at = ?, outcome = 'failed', message = ? WHERE job = ? AND outcome = 'running'")
      .run(new Date().toISOString(), message, job).changes;
  }

  linkCounts(job: string): LinkCount[] {
    return this.db
      .prepare<[string], LinkCount>('SELECT kind, state, COUNT(*) AS count FROM links WHERE job = ? GROUP BY kind, state')
      .all(job);
  }

  /**
   * Takes lease `claim.name` when it is free, already ours, or `canReclaim` judges its holder gone.
   * The check and the write share one IMMEDIATE transaction, so two processes never both win.
   */
  acquireLease(claim: LeaseClaim, canReclaim: (current: LeaseRecord) => boolean): LeaseAcquisition {
    return this.db
      .transaction((): LeaseAcquisition => {
        const current = this.lease(claim.name);
        if (current && current.holder !== claim.holder && !canReclaim(current)) return { acquired: false, current };
        this.db
          .prepare(
            `INSERT INTO leases (name, holder, pid, hostname, address, detail, acquired_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, pid = excluded.pid, hostname = excluded.hostname,
               address = excluded.address, detail = excluded.detail, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at`,
          )
          .run(claim.name, claim.holder, claim.pid, claim.hostname, claim.address, claim.detail, new Date().toISOString(), claim.expiresAt);
        return current && current.holder !== claim.holder ? { acquired: true, reclaimed: current } : { acquired: true };
      })
      .immediate();
  }

  /** Extends a lease we hold; false when it is no longer ours (expired and taken over). */
  renewLease(name: string, holder: string, expiresAt: number, detail?: string): boolean {
    const result = detail === undefined
      ? this.db.prepare('UPDATE leases SET expires_at = ? WHERE name = ? AND holder = ?').run(expiresAt, name, holder)
      : this.db.prepare('UPDATE leases SET expires_at = ?, detail = ? WHERE name = ? AND holder = ?').run(expiresAt, detail, name, holder);
    return result.changes === 1;
  }

  releaseLease(name: string, holder: string): void {
    this.db.prepare('DELETE FROM leases WHERE name = ? AND holder = ?').run(name, holder);
  }

  lease(name: string): LeaseRecord | undefined {
    const row = this.db.prepare<[string], LeaseRow>('SELECT * FROM leases WHERE name = ?').get(name);
    return row ? toLease(row) : undefined;
  }

  leases(): LeaseRecord[] {
    return this.db.prepare<[], LeaseRow>('SELECT * FROM leases ORDER BY name').all().map(toLease);
  }

  /** Recorded membership of every group of a job: group source id → user source ids. */
  groupMembers(job: string): Map<string, Set<string>> {
    const members = new Map<string, Set<string>>();
    const rows = this.db
      .prepare<[string], { group_source_id: string; user_source_id: string }>('SELECT group_source_id, user_source_id FROM group_members WHERE job = ?')
      .all(job);
    for (const row of rows) {
      let set = members.get(row.group_source_id);
      if (!set) members.set(row.group_source_id, (set = new Set()));
      set.add(row.user_source_id);
    }
    return members;
  }

  /** The groups a user is recorded a member of (what the target confirmed): group source ids. */
  groupsOfMember(job: string, userSourceId: string): Set<string> {
    const rows = this.statement('SELECT group_source_id FROM group_members WHERE job = ? AND user_source_id = ?').all(job, userSourceId) as { group_source_id: string }[];
    return new Set(rows.map((r) => r.group_source_id));
  }

  /** Records members the target confirmed adding (or removing), in one transaction per request. */
  recordGroupMembers(job: string, groupSourceId: string, userSourceIds: readonly string[], change: 'added' | 'removed'): void {
    const statement =
      change === 'added'
        ? this.db.prepare('INSERT OR IGNORE INTO group_members (job, group_source_id, user_source_id) VALUES (?, ?, ?)')
        : this.db.prepare('DELETE FROM group_members WHERE job = ? AND group_source_id = ? AND user_source_id = ?');
    this.db.transaction(() => {
      for (const id of userSourceIds) statement.run(job, groupSourceId, id);
    })();
  }

  /** A group was created anew or deleted: whatever was recorded for it no longer holds. */
  forgetGroupMembers(job: string, groupSourceId: string): void {
    this.db.prepare('DELETE FROM group_members WHERE job = ? AND group_source_id = ?').run(job, groupSourceId);
  }

  /** The IdP's groups of a job as last read: group source id → attributes and flattened user members. */
  sourceGroups(job: string): Map<string, StoredSourceGroup> {
    const groups = new Map<string, StoredSourceGroup>();
    const rows = this.statement('SELECT group_source_id, attributes FROM source_groups WHERE job = ?').iterate(job) as IterableIterator<{ group_source_id: string; attributes: string }>;
    for (const row of rows) groups.set(row.group_source_id, { attributes: JSON.parse(row.attributes) as Attributes, memberIds: new Set() });
    const members = this.statement('SELECT group_source_id, user_source_id FROM source_group_members WHERE job = ?').iterate(job) as IterableIterator<{
      group_source_id: string;
      user_source_id: string;
    }>;
    for (const row of members) groups.get(row.group_source_id)?.memberIds.add(row.user_source_id);
    return groups;
  }

  /**
   * Stores what a complete group read learned together with the cursors that say where it ended,
   * in one transaction: a change cursor is never stored without the changes it covers.
   * `replace` (a full read) drops every group of the job first; otherwise `groups` are written
   * over their stored rows and `deleted` removed.
   */
  saveSourceGroups(
    job: string,
    write: {
      readonly replace: boolean;
      readonly groups: Iterable<readonly [string, StoredSourceGroup]>;
      readonly deleted?: Iterable<string>;
      readonly cursors: Readonly<Record<string, string>>;
    },
  ): void {
    const dropGroup = this.statement('DELETE FROM source_groups WHERE job = ? AND group_source_id = ?');
    const dropMembers = this.statement('DELETE FROM source_group_members WHERE job = ? AND group_source_id = ?');
    const insertGroup = this.statement('INSERT INTO source_groups (job, group_source_id, attributes) VALUES (?, ?, ?)');
    const insertMember = this.statement('INSERT OR IGNORE INTO source_group_members (job, group_source_id, user_source_id) VALUES (?, ?, ?)');
    this.db.transaction(() => {
      if (write.replace) {
        this.statement('DELETE FROM source_groups WHERE job = ?').run(job);
        this.statement('DELETE FROM source_group_members WHERE job = ?').run(job);
      }
      for (const id of write.deleted ?? []) {
        dropGroup.run(job, id);
        dropMembers.run(job, id);
      }
      for (const [id, group] of write.groups) {
        if (!write.replace) {
          dropGroup.run(job, id);
          dropMembers.run(job, id);
        }
        insertGroup.run(job, id, JSON.stringify(group.attributes));
        for (const member of group.memberIds) insertMember.run(job, id, member);
      }
      for (const [name, value] of Object.entries(write.cursors)) this.saveCursor(job, name, value);
    })();
  }

  /** What `provisiond reset` would forget of a job: counts, and the names of its cursors. */
  jobState(job: string): JobStateCounts {
    const count = (sql: string, ...params: unknown[]) => (this.db.prepare(sql).get(...params) as { n: number }).n;
    return {
      userLinks: count("SELECT COUNT(*) AS n FROM links WHERE job = ? AND kind = 'user' AND state != 'deleted'", job),
      groupLinks: count("SELECT COUNT(*) AS n FROM links WHERE job = ? AND kind = 'group' AND state != 'deleted'", job),
      deletedLinks: count("SELECT COUNT(*) AS n FROM links WHERE job = ? AND state = 'deleted'", job),
      memberships: count('SELECT COUNT(*) AS n FROM group_members WHERE job = ?', job),
      sourceGroups: count('SELECT COUNT(*) AS n FROM source_groups WHERE job = ?', job),
      pending: count('SELECT COUNT(*) AS n FROM pending WHERE job = ?', job),
      cursors: this.db.prepare<[string], { name: string }>('SELECT name FROM cursors WHERE job = ? ORDER BY name').all(job).map((r) => r.name),
    };
  }

  /**
   * Forgets parts of what provisiond knows about a job, in one transaction (`provisiond reset`).
   * `links` drops every user and group link and recorded membership; `sourceGroups` the IdP's
   * groups as last read; `cursors` the named cursors; `escrow` every pending operation.
   */
  resetJob(job: string, parts: { readonly links: boolean; readonly sourceGroups: boolean; readonly cursors: readonly string[]; readonly escrow: boolean }): void {
    this.db.transaction(() => {
      if (parts.links) {
        this.db.prepare('DELETE FROM links WHERE job = ?').run(job);
        this.db.prepare('DELETE FROM group_members WHERE job = ?').run(job);
        // A reference waits for a user's link; with the links gone, the next full read records them anew.
        this.db.prepare('DELETE FROM pending_references WHERE job = ?').run(job);
      }
      if (parts.sourceGroups) {
        this.db.prepare('DELETE FROM source_groups WHERE job = ?').run(job);
        this.db.prepare('DELETE FROM source_group_members WHERE job = ?').run(job);
      }
      for (const name of parts.cursors) this.deleteCursor(job, name);
      if (parts.escrow) this.db.prepare('DELETE FROM pending WHERE job = ?').run(job);
    })();
  }

  /** References waiting for their referenced user to be provisioned: source id → path → the referenced user's source id. */
  pendingReferences(job: string): Map<string, Map<string, string>> {
    const rows = this.statement('SELECT source_id, path, ref_source_id FROM pending_references WHERE job = ?').all(job) as {
      source_id: string;
      path: string;
      ref_source_id: string;
    }[];
    const pending = new Map<string, Map<string, string>>();
    for (const row of rows) {
      let paths = pending.get(row.source_id);
      if (!paths) pending.set(row.source_id, (paths = new Map()));
      paths.set(row.path, row.ref_source_id);
    }
    return pending;
  }

  /** The user the app knows by `targetId`, live links first: whom a reference the app holds names. */
  userByTarget(job: string, targetId: string): { sourceId: string; state: LinkState } | undefined {
    const row = this.statement(
      "SELECT source_id, state FROM links INDEXED BY links_by_target WHERE job = ? AND kind = 'user' AND target_id = ? ORDER BY state = 'deleted' LIMIT 1",
    ).get(job, targetId) as { source_id: string; state: LinkState } | undefined;
    return row ? { sourceId: row.source_id, state: row.state } : undefined;
  }

  savePendingReference(job: string, sourceId: string, path: string, refSourceId: string): void {
    this.statement('INSERT INTO pending_references (job, source_id, path, ref_source_id) VALUES (?, ?, ?, ?) ON CONFLICT (job, source_id, path) DO UPDATE SET ref_source_id = excluded.ref_source_id').run(
      job,
      sourceId,
      path,
      refSourceId,
    );
  }

  deletePendingReference(job: string, sourceId: string, path: string): void {
    this.statement('DELETE FROM pending_references WHERE job = ? AND source_id = ? AND path = ?').run(job, sourceId, path);
  }

  /**
   * Active users whose reference at one of `paths` may need setting or removing: every pending
   * reference, and every reference the snapshot says the app holds to a user who is not an active
   * link any more (found in SQL, from the stored JSON, so a quiet cycle does not load every user's
   * attributes). A pending entry wins over the held value's own manager: it is the source's latest word.
   */
  referenceCandidates(job: string, paths: readonly string[]): StoredReference[] {
    const parse = (type: string | null, value: unknown): ScimValue | undefined =>
      type === null ? undefined : type === 'object' || type === 'array' ? (JSON.parse(value as string) as ScimValue) : (value as ScimValue);
    const found = new Map<string, StoredReference>();
    for (const path of paths) {
      const json = jsonPath(path);
      // The id a held reference names: `{"value": id}` (SCIM mode) or the bare id (entra-legacy).
      const rows = this.statement(
        `SELECT u.source_id, u.target_id, u.label, json_type(u.attributes, @json) AS type, json_extract(u.attributes, @json) AS value
         FROM links u
         WHERE u.job = @job AND u.kind = 'user' AND u.state = 'active' AND json_type(u.attributes, @json) IS NOT NULL
           AND NOT EXISTS (
             SELECT 1 FROM links m INDEXED BY links_by_target
             WHERE m.job = u.job AND m.kind = 'user' AND m.state = 'active'
               AND m.target_id = coalesce(json_extract(u.attributes, @json || '.value'), json_extract(u.attributes, @json)))`,
      ).all({ json, job }) as { source_id: string; target_id: string; label: string; type: string | null; value: unknown }[];
      for (const row of rows) {
        found.set(`${row.source_id}\u0000${path}`, { sourceId: row.source_id, targetId: row.target_id, label: row.label, path, held: parse(row.type, row.value) });
      }
    }
    const pending = this.statement(
      `SELECT p.source_id, p.path, p.ref_source_id, l.target_id, l.label, json_type(l.attributes, '$."' || p.path || '"') AS type, json_extract(l.attributes, '$."' || p.path || '"') AS value
       FROM pending_references p JOIN links l ON l.job = p.job AND l.kind = 'user' AND l.source_id = p.source_id AND l.state = 'active'
       WHERE p.job = ?`,
    ).all(job) as { source_id: string; path: string; ref_source_id: string; target_id: string; label: string; type: string | null; value: unknown }[];
    for (const row of pending) {
      found.set(`${row.source_id}\u0000${row.path}`, {
        sourceId: row.source_id,
        targetId: row.target_id,
        label: row.label,
        path: row.path,
        held: parse(row.type, row.value),
        refSourceId: row.ref_source_id,
      });
    }
    return [...found.values()];
  }

  /** A job's last reconcile, as the JSON summary the engine stored (see engine/reconcile/report.ts). */
  saveReconcileResult(job: string, summary: string, finishedAt = new Date()): void {
    this.statement('INSERT INTO reconcile_results (job, finished_at, summary) VALUES (?, ?, ?) ON CONFLICT (job) DO UPDATE SET finished_at = excluded.finished_at, summary = excluded.summary').run(
      job,
      finishedAt.toISOString(),
      summary,
    );
  }

  reconcileResult(job: string): { finishedAt: string; summary: string } | undefined {
    const row = this.statement('SELECT finished_at, summary FROM reconcile_results WHERE job = ?').get(job) as { finished_at: string; summary: string } | undefined;
    return row ? { finishedAt: row.finished_at, summary: row.summary } : undefined;
  }

  deleteCursor(job: string, name: string): void {
    this.db.prepare('DELETE FROM cursors WHERE job = ? AND name = ?').run(job, name);
  }

  close(): void {
    this.db.close();
  }
}

/** Attempts count up while the object stays the same (same fingerprint) and restart at one when it changed. */
export function failureAttempts(previous: { attempts: number; fingerprint: string | null } | undefined, failure: FailureRecord): number {
  const same = previous !== undefined && previous.fingerprint === (failure.fingerprint ?? null);
  if (failure.spendsAttempt === false) return same ? previous.attempts : 0;
  return same ? previous.attempts + 1 : 1;
}

function toLease(row: LeaseRow): LeaseRecord {
  return {
    name: row.name,
    holder: row.holder,
    pid: row.pid,
    hostname: row.hostname,
    address: row.address,
    detail: row.detail,
    acquiredAt: row.acquired_at,
    expiresAt: row.expires_at,
  };
}

function toRun(r: Record<string, unknown>): RunRecord {
  return {
    id: r.id as number,
    job: r.job as string,
    mode: r.mode as string,
    startedAt: r.started_at as string,
    finishedAt: (r.finished_at as string | null) ?? null,
    outcome: r.outcome as RunOutcome,
    counts: JSON.parse(r.counts as string) as Record<string, number>,
    message: (r.message as string | null) ?? null,
    ...(typeof r.progress === 'string' && r.outcome === 'running' ? { progress: JSON.parse(r.progress) as CycleProgress } : {}),
  };
}

function toLink(row: LinkRow): Link {
  return {
    sourceId: row.source_id,
    targetId: row.target_id,
    label: row.label,
    state: row.state,
    attributes: JSON.parse(row.attributes) as Record<string, ScimValue>,
  };
}
