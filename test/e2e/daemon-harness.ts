/**
 * The daemon as ops run it: `node dist/main.js --config …` as a child process, its JSON log lines
 * read as they come, its HTTP address taken from its "listening" line (it binds port 0 here).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { CLI, SECRETS, type E2eEnvironment } from './harness.js';

export const SYNC_TOKEN = 'e2e-sync-token-4f9a1c2d7b';

export type LogRecord = Record<string, unknown>;

/** Adds top-level keys (schedule, server, …) to a config written by E2eEnvironment.writeConfig. */
export function withTopLevel(path: string, top: Record<string, unknown>): string {
  const config = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  writeFileSync(path, JSON.stringify({ ...config, ...top }, null, 2));
  return path;
}

/** A copy of a config (same state database) with top-level keys replaced, e.g. a server without a token. */
export function variantOf(path: string, name: string, top: Record<string, unknown>): string {
  const config = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  const variant = join(dirname(path), name);
  writeFileSync(variant, JSON.stringify({ ...config, ...top }, null, 2));
  return variant;
}

export class DaemonProcess {
  readonly logs: LogRecord[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private stderrText = '';

  private constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      try {
        this.logs.push(JSON.parse(line) as LogRecord);
      } catch {
        // not a log record
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (this.stderrText += chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  static start(env: E2eEnvironment, config: string, extraEnv: Record<string, string> = {}): DaemonProcess {
    const child = spawn(process.execPath, [CLI, '--config', config], {
      cwd: env.dir,
      env: { PATH: process.env.PATH ?? '', NODE_EXTRA_CA_CERTS: env.certPath, ...SECRETS, SYNC_TOKEN, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new DaemonProcess(child);
  }

  get stderr(): string {
    return this.stderrText;
  }

  /** The daemon's HTTP base URL, once it listens. */
  async url(): Promise<string> {
    const line = await this.waitForLog((l) => typeof l.address === 'string' && String(l.msg).startsWith('listening'));
    return line.address as string;
  }

  async waitForLog(match: (record: LogRecord) => boolean, timeoutMs = 15_000, from = 0): Promise<LogRecord> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = this.logs.slice(from).find(match);
      if (found) return found;
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`daemon exited (${this.child.exitCode ?? this.child.signalCode}) before the log line came; stderr: ${this.stderrText}`);
      }
      if (Date.now() > until) throw new Error(`timed out waiting for a log line; last lines: ${JSON.stringify(this.logs.slice(-5))}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Cycle summaries ("cycle success", "cycle failed", …) so far. */
  cycles(): LogRecord[] {
    return this.logs.filter((l) => typeof l.msg === 'string' && /^cycle [a-z]+$/.test(l.msg) && l.runId !== undefined);
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Stops the daemon if a test left it running. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}
