/**
 * The fault suite's world: the Graph fake and the real SCIM server in this process (so a test can
 * revoke the app's token, take it down, or make it fail a share of requests), the built CLI as a
 * child process, and a real SQLite snapshot in a temp directory. Every environment has its own
 * ports and directory, so test files run in parallel.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import Database from 'better-sqlite3';
import { startGraphFake, type GraphFake } from '../../dev/graph-fake.js';
import { startScimServer, type ScimResource, type ScimServer } from '../../dev/scim-server.js';
import { writeTestCertificate } from '../../dev/tls.js';
import { CLI, type CliResult } from '../e2e/scim-environment.js';
import { parseLogOutput } from '../e2e/log-lines.js';

export { cycleSummary, writes, type CliResult } from '../e2e/scim-environment.js';

export const FAULT_SECRETS = {
  ENTRA_CLIENT_SECRET: 'faults-client-secret-7c1e',
  SCIM_TOKEN: 'faults-scim-token-93ab4d',
} as const;

export const USER_MAPPINGS = [
  { target: 'userName', source: 'userPrincipalName', required: true },
  { target: 'externalId', source: 'objectId' },
  { target: 'displayName', source: 'displayName' },
  { target: 'name.givenName', source: 'givenName' },
  { target: 'name.familyName', source: 'surname' },
  { target: 'emails[type eq "work"].value', source: 'mail' },
];

export interface FaultEnvOptions {
  /** Users seeded as u000@faults.example … (default 40). */
  readonly users?: number;
  /** Graph page size: the fake's default and the source's $top (default 100). */
  readonly pageSize?: number;
}

export interface Expected {
  readonly userName: string;
  readonly externalId: string;
  readonly displayName: string;
  readonly active: boolean;
}

export interface Comparison {
  /** Source users the target lacks (or holds with other attributes: listed in `wrong`). */
  readonly lost: string[];
  /** Target users beyond one per source user: a userName or externalId twice, or a user nobody asked for. */
  readonly duplicated: string[];
  readonly wrong: string[];
}

export interface LinkRow {
  readonly sourceId: string;
  readonly targetId: string;
  readonly label: string;
  readonly state: string;
}

export interface RunRow {
  readonly id: number;
  readonly outcome: string;
  readonly message: string | null;
  readonly counts: Record<string, number>;
}

export class FaultEnv {
  private constructor(
    readonly dir: string,
    readonly graph: GraphFake,
    readonly scim: ScimServer,
    readonly certPath: string,
    private readonly pageSize: number,
  ) {}

  static async start(options: FaultEnvOptions = {}): Promise<FaultEnv> {
    const dir = mkdtempSync(join(tmpdir(), 'provisiond-faults-'));
    const tls = writeTestCertificate(dir);
    const graph = await startGraphFake({
      tls,
      tenantId: '22222222-3333-4444-5555-666666666666',
      clientId: 'bbbbbbbb-cccc-dddd-eeee-ffffffffffff',
      clientSecret: FAULT_SECRETS.ENTRA_CLIENT_SECRET,
      ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
    });
    const scim = await startScimServer({ token: FAULT_SECRETS.SCIM_TOKEN });
    const env = new FaultEnv(dir, graph, scim, tls.certPath, options.pageSize ?? 100);
    for (let i = 0; i < (options.users ?? 40); i++) env.addUser(i);
    return env;
  }

  get statePath(): string {
    return join(this.dir, 'state.db');
  }

  addUser(i: number, extra: Record<string, unknown> = {}): string {
    const n = String(i).padStart(3, '0');
    return this.graph.upsertUser({
      userPrincipalName: `u${n}@faults.example`,
      displayName: `User ${n}`,
      givenName: 'User',
      surname: n,
      mail: `u${n}@faults.example`,
      accountEnabled: true,
      ...extra,
    });
  }

  /** A config as an admin writes it (secrets as ${ENV}); the target's timeout is short so hangs cost little. */
  writeConfig(job: Record<string, unknown> = {}, options: { source?: Record<string, unknown>; top?: Record<string, unknown>; name?: string } = {}): string {
    const config = {
      state: { path: this.statePath },
      log: { level: 'info' },
      sources: {
        corp: {
          type: 'entra',
          tenantId: this.graph.tenantId,
          clientId: this.graph.clientId,
          clientSecret: '${ENTRA_CLIENT_SECRET}',
          graphUrl: this.graph.graphUrl,
          authorityHost: this.graph.authorityHost,
          maxRetries: 3,
          pageSize: this.pageSize,
          ...options.source,
        },
      },
      jobs: [
        {
          name: 'app',
          source: 'corp',
          target: { url: this.scim.url, token: '${SCIM_TOKEN}', concurrency: 4, maxRetries: 4, timeout: '1s' },
          users: { match: [{ target: 'userName', source: 'userPrincipalName' }], mappings: USER_MAPPINGS },
          safety: { maxDeletes: 20 },
          ...job,
        },
      ],
      ...options.top,
    };
    const path = join(this.dir, options.name ?? 'provisiond.yaml');
    writeFileSync(path, JSON.stringify(config, null, 2));
    return path;
  }

  /** Starts the CLI; the caller may kill it. */
  spawnCli(args: readonly string[], extraEnv: Record<string, string> = {}, spawnOptions: { uid?: number; gid?: number; shell?: string } = {}): ChildProcess {
    const env = { PATH: process.env.PATH ?? '', NODE_EXTRA_CA_CERTS: this.certPath, ...FAULT_SECRETS, ...extraEnv };
    const command = spawnOptions.shell ? '/bin/sh' : process.execPath;
    const argv = spawnOptions.shell ? ['-c', spawnOptions.shell, 'sh', process.execPath, CLI, ...args] : [CLI, ...args];
    return spawn(command, argv, {
      cwd: this.dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(spawnOptions.uid === undefined ? {} : { uid: spawnOptions.uid, gid: spawnOptions.gid ?? spawnOptions.uid }),
    });
  }

  async run(args: readonly string[] = ['--sync-now', '--config', 'provisiond.yaml'], extraEnv: Record<string, string> = {}, spawnOptions: { uid?: number; gid?: number; shell?: string } = {}): Promise<CliResult> {
    const result = await collect(this.spawnCli(args, extraEnv, spawnOptions));
    this.keepLog(args, result);
    return result;
  }

  private runCount = 0;

  /** FAULTS_LOG_DIR=dir keeps every CLI run's output there, for reading a failure after the fact. */
  private keepLog(args: readonly string[], result: CliResult): void {
    const dir = process.env['FAULTS_LOG_DIR'];
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    this.runCount += 1;
    const name = `${basename(this.dir)}-${String(this.runCount).padStart(2, '0')}.log`;
    writeFileSync(join(dir, name), `$ provisiond ${args.join(' ')}\nexit ${result.code}\n${result.stdout}\n--- stderr\n${result.stderr}`);
  }

  /** Runs cycles until one succeeds (exit 0), at most `max`; returns them all. */
  async runUntilSuccess(max: number, args?: readonly string[]): Promise<CliResult[]> {
    const runs: CliResult[] = [];
    for (let i = 0; i < max; i++) {
      const run = await this.run(args);
      runs.push(run);
      if (run.code === 0) break;
    }
    return runs;
  }

  /** What the target should hold: each active Entra user, mapped. */
  expected(): Expected[] {
    return this.graph.users().map((u) => ({
      userName: String(u['userPrincipalName']),
      externalId: String(u['id']),
      displayName: String(u['displayName']),
      active: u['accountEnabled'] !== false,
    }));
  }

  targetUsers(): ScimResource[] {
    return this.scim.users();
  }

  /** The target against the expected mapping of the source. */
  compare(expected: readonly Expected[] = this.expected()): Comparison {
    const target = this.targetUsers();
    const lost: string[] = [];
    const wrong: string[] = [];
    const duplicated: string[] = [];
    const byName = new Map<string, ScimResource[]>();
    for (const user of target) {
      const key = String(user['userName']).toLowerCase();
      byName.set(key, [...(byName.get(key) ?? []), user]);
    }
    const byExternal = new Map<string, number>();
    for (const user of target) if (typeof user['externalId'] === 'string') byExternal.set(user['externalId'], (byExternal.get(user['externalId']) ?? 0) + 1);
    for (const [name, users] of byName) if (users.length > 1) duplicated.push(`${name} ×${users.length}`);
    for (const [externalId, count] of byExternal) if (count > 1) duplicated.push(`externalId ${externalId} ×${count}`);
    const wanted = new Set(expected.map((e) => e.userName.toLowerCase()));
    for (const user of target) if (!wanted.has(String(user['userName']).toLowerCase())) duplicated.push(`unexpected ${String(user['userName'])}`);
    for (const e of expected) {
      const found = byName.get(e.userName.toLowerCase())?.[0];
      if (!found) {
        lost.push(e.userName);
        continue;
      }
      const actual = { userName: found['userName'], externalId: found['externalId'], displayName: found['displayName'], active: found['active'] };
      if (JSON.stringify(actual) !== JSON.stringify({ ...e })) wrong.push(`${e.userName}: ${JSON.stringify(actual)} ≠ ${JSON.stringify(e)}`);
    }
    return { lost, duplicated, wrong };
  }

  /** Reads the snapshot as an operator would inspect it, with a second connection (read-only). */
  snapshot(): { links: LinkRow[]; groupLinks: LinkRow[]; runs: RunRow[]; pending: { sourceId: string; label: string; lastError: string }[]; integrity: string } {
    const db = new Database(this.statePath, { readonly: true, fileMustExist: true });
    try {
      const integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
      const links = db.prepare("SELECT source_id AS sourceId, target_id AS targetId, label, state FROM links WHERE kind = 'user'").all() as LinkRow[];
      const groupLinks = db.prepare("SELECT source_id AS sourceId, target_id AS targetId, label, state FROM links WHERE kind = 'group'").all() as LinkRow[];
      const runs = (db.prepare('SELECT id, outcome, message, counts FROM runs ORDER BY id').all() as { id: number; outcome: string; message: string | null; counts: string }[]).map(
        (r) => ({ ...r, counts: JSON.parse(r.counts) as Record<string, number> }),
      );
      const pending = db.prepare("SELECT source_id AS sourceId, label, last_error AS lastError FROM pending WHERE kind = 'user'").all() as {
        sourceId: string;
        label: string;
        lastError: string;
      }[];
      return { links, groupLinks, runs, pending, integrity };
    } finally {
      db.close();
    }
  }

  /**
   * Links that point at the wrong thing: a live link whose target user is gone or belongs to
   * another source user (its externalId is the source id), or two links to one target user.
   */
  wrongLinks(): string[] {
    const byId = new Map(this.targetUsers().map((u) => [u.id, u]));
    const problems: string[] = [];
    const seen = new Map<string, string>();
    for (const link of this.snapshot().links) {
      if (link.state === 'deleted') continue;
      const user = byId.get(link.targetId);
      if (!user) problems.push(`${link.label} → ${link.targetId}: no such target user`);
      else if (user['externalId'] !== undefined && user['externalId'] !== link.sourceId) problems.push(`${link.label} → ${link.targetId}: holds ${String(user['externalId'])}`);
      const other = seen.get(link.targetId);
      if (other) problems.push(`${link.label} and ${other} share target ${link.targetId}`);
      seen.set(link.targetId, link.label);
    }
    return problems;
  }

  /** Permission bits of the snapshot and its WAL/SHM files, where they exist: state is private (0600). */
  stateFileModes(): Record<string, string> {
    const modes: Record<string, string> = {};
    for (const suffix of ['', '-wal', '-shm']) {
      const path = `${this.statePath}${suffix}`;
      if (existsSync(path)) modes[`state.db${suffix}`] = (statSync(path).mode & 0o777).toString(8);
    }
    return modes;
  }

  async stop(): Promise<void> {
    await this.graph.close();
    await this.scim.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function collect(child: ChildProcess): Promise<CliResult> {
  return new Promise((resolveRun, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      // Parsed strictly, as in the e2e harnesses: a line that repeats a key fails the run.
      const { records, repeated } = parseLogOutput(stdout);
      if (repeated.length > 0) reject(new Error(`log lines repeat a key: ${repeated.map((r) => `${r.duplicates.join(', ')} in ${r.line.slice(0, 300)}`).join('\n')}`));
      else resolveRun({ code: code ?? (signal ? -1 : -1), stdout, stderr, logs: records });
    });
  });
}

/** Polls a condition the system under test will make true (a request arrived, a line was logged). */
export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** pino writes the level as a label ("warn") or a number (40), depending on its formatter. */
export function levelOf(record: Record<string, unknown>): number {
  const level = record['level'];
  if (typeof level === 'number') return level;
  return { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 }[String(level)] ?? 0;
}

/** A crash shows as an uncaught error on stderr or a signal; a handled failure is a logged exit 1 (or 3). */
export function crashed(run: CliResult): boolean {
  return ![0, 1, 3].includes(run.code) || /\n\s+at |Uncaught|TypeError|ReferenceError|RangeError/.test(run.stderr);
}
