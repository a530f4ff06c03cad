/** The test side of entra-host.mjs: EntraSource with the real SDKs, in a child process, against a Graph fake in this one. */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { GraphFake } from '../../../dev/graph-fake.js';
import type { AppRole, GroupChanges, RejectedObject, SourceGroup, SourceUser, UserChanges } from '../../../src/sources/source.js';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
export const SECRET = 'entra-host-secret';

export interface HostError {
  readonly name: string;
  readonly message: string;
  readonly status?: number;
}

/** What each operation answers, as JSON. */
export interface Operations {
  readUsers: { args: [attributes: string[]]; value: SourceUser[] };
  readFirstUsersPage: { args: [attributes: string[]]; value: SourceUser[] };
  readGroups: { args: [selection: { refs: string[] } | 'all', attributes: string[]]; value: SourceGroup[] };
  readGroupPages: { args: [selection: { refs: string[] } | 'all', attributes: string[]]; value: { pages: SourceGroup[][]; rejected: RejectedObject[] } };
  groupChangeCursor: { args: [selection: { refs: string[] } | 'all', attributes: string[]]; value: string };
  readGroupChanges: { args: [selection: { refs: string[] } | 'all', attributes: string[], cursor: string]; value: { pages: GroupChanges[]; nextCursor: string } };
  resolveGroupMembers: { args: [ref: string]; value: string[] };
  groupsOfUser: { args: [userId: string]; value: string[] };
  resolveAppAssignments: { args: [appRef: string]; value: string[] };
  resolveAppGroups: { args: [appRef: string]; value: string[] };
  readAppRoleAssignments: { args: [appRef: string]; value: { users: string[]; roles: Record<string, AppRole[]> } };
  changeCursor: { args: [attributes: string[]]; value: string };
  readUserChanges: { args: [attributes: string[], cursor: string]; value: { pages: UserChanges[]; nextCursor: string } };
  stats: { args: []; value: { requests: number; retries: number; throttledMs: number } };
  readUsersReporting: { args: [attributes: string[]]; value: Reported<SourceUser[]> };
  readGroupsReporting: { args: [selection: { refs: string[] } | 'all', attributes: string[]]; value: Reported<SourceGroup[]> };
  readUserChangesReporting: { args: [attributes: string[], cursor: string]; value: Reported<{ pages: UserChanges[]; nextCursor: string }> };
  readUserReporting: { args: [idOrUserName: string, attributes: string[]]; value: Reported<SourceUser | null> };
}

/** A read's value with the objects it reported through onRejected. */
export interface Reported<T> {
  readonly value: T;
  readonly rejected: RejectedObject[];
}

export type Answer<T> = { ok: true; value: T } | { ok: false; error: HostError };

export class EntraHost {
  private readonly pending = new Map<number, (answer: Answer<unknown>) => void>();
  private nextId = 1;

  private constructor(private readonly child: ChildProcessByStdio<Writable, Readable, null>) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const answer = JSON.parse(line) as Answer<unknown> & { id: number };
      this.pending.get(answer.id)?.(answer);
      this.pending.delete(answer.id);
    });
  }

  /** The source reads `fake` as an admin would configure it; `config` adds keys (pageSize, maxRetries…). */
  static start(fake: GraphFake, certPath: string, config: Record<string, unknown> = {}): EntraHost {
    if (!existsSync(join(ROOT, 'dist', 'sources', 'entra', 'entra-source.js'))) throw new Error('dist/ is missing: run `npm run build` first');
    const source = {
      type: 'entra',
      tenantId: fake.tenantId,
      clientId: fake.clientId,
      clientSecret: SECRET,
      graphUrl: fake.graphUrl,
      authorityHost: fake.authorityHost,
      maxRetries: 1,
      ...config,
    };
    const child = spawn(process.execPath, [join(import.meta.dirname, 'entra-host.mjs'), JSON.stringify({ root: ROOT, config: source })], {
      env: { PATH: process.env.PATH ?? '', NODE_EXTRA_CA_CERTS: certPath },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    return new EntraHost(child);
  }

  /** Runs the operation; `config` selects a source with other settings (one per distinct value). */
  call<K extends keyof Operations>(op: K, args: Operations[K]['args'], config?: Record<string, unknown>): Promise<Answer<Operations[K]['value']>> {
    const id = this.nextId++;
    return new Promise((resolveAnswer) => {
      this.pending.set(id, resolveAnswer as (answer: Answer<unknown>) => void);
      this.child.stdin.write(`${JSON.stringify({ id, op, args, config })}\n`);
    });
  }

  /** The value, or a thrown Error carrying the child's error. */
  async value<K extends keyof Operations>(op: K, args: Operations[K]['args'], config?: Record<string, unknown>): Promise<Operations[K]['value']> {
    const answer = await this.call(op, args, config);
    if (!answer.ok) throw Object.assign(new Error(answer.error.message), { name: answer.error.name, status: answer.error.status });
    return answer.value;
  }

  async failure<K extends keyof Operations>(op: K, args: Operations[K]['args'], config?: Record<string, unknown>): Promise<HostError> {
    const answer = await this.call(op, args, config);
    if (answer.ok) throw new Error(`${op} succeeded: ${JSON.stringify(answer.value).slice(0, 200)}`);
    return answer.error;
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolveExit) => this.child.once('exit', resolveExit));
    this.child.stdin.end();
    await exited;
  }
}

/** The Graph paths (after /v1.0, decoded) the fake received, to assert what a read asked for. */
export function graphPathsOf(fake: { readonly requests: readonly { readonly path: string }[] }): string[] {
  return fake.requests.filter((r) => r.path.startsWith('/v1.0/')).map((r) => decodeURIComponent(r.path.slice('/v1.0'.length)));
}
