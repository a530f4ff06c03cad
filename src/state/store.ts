/**
 * The snapshot: what provisiond last sent to each target, written one confirmed operation at a
 * time so that a crash anywhere leaves a state the next cycle can converge from.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { ScimValue } from '../mapping/paths.js';
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

export type RunOutcome = 'running' | 'success' | 'failed' | 'partial' | 'guarded';

export interface RunRecord {
  readonly id: number;
  readonly job: string;
  readonly mode: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly outcome: RunOutcome;
  readonly counts: Readonly<Record<string, number>>;
  readonly message: string | null;
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
}

interface LinkRow {
  source_id: string;
  target_id: string;
  label: string;
  state: LinkState;
  attributes: string;
}

export function hashAttributes(attributes: Readonly<Record<string, ScimValue>>): string {
  const sorted = Object.keys(attributes).sort().map((k) => [k, attributes[k]]);
  return createHash('sha256').update(JSON.stringify(sorted)).digest('base64url').slice(0, 22);
}

export class StateStore {
  private constructor(private readonly db: Database.Database) {}

  static open(path: string): StateStore {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    // NORMAL is durable across process crashes in WAL mode; only an OS crash can lose the last commit.
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    const store = new StateStore(db);
    store.migrate();
    return store;
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
    const rows = this.db
      .prepare<[string, string], LinkRow>('SELECT source_id, target_id, label, state, attributes FROM links WHERE job = ? AND kind = ?')
      .all(job, kind);
    return new Map(rows.map((r) => [r.source_id, toLink(r)]));
  }

  link(job: string, kind: ObjectKind, sourceId: string): Link | undefined {
    const row = this.db
      .prepare<[string, string, string], LinkRow>(
        'SELECT source_id, target_id, label, state, attributes FROM links WHERE job = ? AND kind = ? AND source_id = ?',
      )
      .get(job, kind, sourceId);
    return row ? toLink(row) : undefined;
  }

  /** Records what the target confirmed; clears any pending failure of the object in the same transaction. */
  saveLink(job: string, kind: ObjectKind, link: Link): void {
    const now = new Date().toISOString();
    const attributes = JSON.stringify(link.attributes);
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO links (job, kind, source_id, target_id, label, state, attributes, hash, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (job, kind, source_id) DO UPDATE SET target_id = excluded.target_id, label = excluded.label,
             state = excluded.state, attributes = excluded.attributes, hash = excluded.hash, updated_at = excluded.updated_at`,
        )
        .run(job, kind, link.sourceId, link.targetId, link.label, link.state, attributes, hashAttributes(link.attributes), now, now);
      this.db.prepare('DELETE FROM pending WHERE job = ? AND kind = ? AND source_id = ?').run(job, kind, link.sourceId);
    })();
  }

  recordFailure(job: string, kind: ObjectKind, failure: Omit<PendingFailure, 'attempts' | 'lastFailedAt' | 'kind'>): void {
    const now = new Date().toISOString();
    this.db
      .prepare(
        `INSERT INTO pending (job, kind, source_id, operation, label, attempts, last_status, last_error, first_failed_at, last_failed_at)
         VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?)
         ON CONFLICT (job, kind, source_id) DO UPDATE SET operation = excluded.operation, label = excluded.label,
           attempts = pending.attempts + 1, last_status = excluded.last_status, last_error = excluded.last_error,
           last_failed_at = excluded.last_failed_at`,
      )
      .run(job, kind, failure.sourceId, failure.operation, failure.label, failure.lastStatus, failure.lastError, now, now);
  }

  clearFailure(job: string, kind: ObjectKind, sourceId: string): void {
    this.db.prepare('DELETE FROM pending WHERE job = ? AND kind = ? AND source_id = ?').run(job, kind, sourceId);
  }

  pendingFailures(job: string): PendingFailure[] {
    return this.db
      .prepare<[string], Record<string, unknown>>(
        'SELECT kind, source_id, operation, label, attempts, last_status, last_error, last_failed_at FROM pending WHERE job = ? ORDER BY last_failed_at',
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

  recentRuns(job: string, limit = 10): RunRecord[] {
    return this.db
      .prepare<[string, number], Record<string, unknown>>('SELECT * FROM runs WHERE job = ? ORDER BY id DESC LIMIT ?')
      .all(job, limit)
      .map((r) => ({
        id: r.id as number,
        job: r.job as string,
        mode: r.mode as string,
        startedAt: r.started_at as string,
        finishedAt: (r.finished_at as string | null) ?? null,
        outcome: r.outcome as RunOutcome,
        counts: JSON.parse(r.counts as string) as Record<string, number>,
        message: (r.message as string | null) ?? null,
      }));
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

  close(): void {
    this.db.close();
  }
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
