/**
 * The daemon as ops run it: `node dist/main.js --config …` as a child process, its JSON log lines
 * read as they come, its HTTP address taken from its "listening" line (it binds port 0 here).
 * Every line is parsed strictly: one that repeats a key fails the test (waitForLog, exited and
 * stop() throw it), whatever the test was looking for.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { CLI, SECRETS, type E2eEnvironment } from './harness.js';
import { DuplicateKeyError, parseLogLine, type LogRecord } from './log-lines.js';

export type { LogRecord };

export const SYNC_TOKEN = 'e2e-sync-token-4f9a1c2d7b';

/**
 * How long a wait may take before it counts as a hang. Not a speed requirement: on a loaded
 * machine a wait takes what it takes, and this only turns "never" into a failure with context.
 */
export const HANG_TIMEOUT_MS = 120_000;

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
  /** Resolves when the process exits (and stdout is read to its end); rejects if a log line repeated a key. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly repeated: { line: string; duplicates: readonly string[] }[] = [];
  private stderrText = '';

  private constructor(readonly child: ChildProcess) {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      try {
        const parsed = parseLogLine(line);
        if (!parsed) return;
        this.logs.push(parsed.record);
        if (parsed.duplicates.length > 0) this.repeated.push({ line, duplicates: parsed.duplicates });
      } catch {
        // not a log record
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (this.stderrText += chunk.toString()));
    const stdoutRead = new Promise<void>((resolve) => lines.once('close', resolve));
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    this.exited = Promise.all([exit, stdoutRead]).then(([result]) => {
      this.throwIfRepeated();
      return result;
    });
    // A test that never awaits `exited` still hears of a repeated key from stop() or waitForLog.
    this.exited.catch(() => undefined);
  }

  private throwIfRepeated(): void {
    if (this.repeated.length > 0) throw new DuplicateKeyError(this.repeated);
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

  /** The first log line (from index `from` on) that matches; polls until it comes, the daemon exits, or a hang. */
  async waitForLog(match: (record: LogRecord) => boolean, from = 0): Promise<LogRecord> {
    const until = Date.now() + HANG_TIMEOUT_MS;
    for (;;) {
      this.throwIfRepeated();
      const found = this.logs.slice(from).find(match);
      if (found) return found;
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        // Its last lines may still be in the pipe.
        await this.exited;
        const last = this.logs.slice(from).find(match);
        if (last) return last;
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
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}
