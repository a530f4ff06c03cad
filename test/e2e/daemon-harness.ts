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
  /** Told after each log line, and once when stdout ends (the daemon exited). */
  private readonly listeners = new Set<() => void>();
  private stdoutEnded = false;
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
        return; // not a log record
      }
      for (const listener of [...this.listeners]) listener();
    });
    child.stderr!.on('data', (chunk: Buffer) => (this.stderrText += chunk.toString()));
    const stdoutRead = new Promise<void>((resolve) =>
      lines.once('close', () => {
        this.stdoutEnded = true;
        for (const listener of [...this.listeners]) listener();
        resolve();
      }),
    );
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

  /** `wrapper` runs the daemon through a command, e.g. one that sets up a read-only root filesystem first. */
  static start(env: E2eEnvironment, config: string, extraEnv: Record<string, string> = {}, wrapper: readonly string[] = []): DaemonProcess {
    const argv = [...wrapper, process.execPath, CLI, '--config', config];
    const child = spawn(argv[0] as string, argv.slice(1), {
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

  /**
   * The first log line (from index `from` of `logs` on) that matches, as soon as the daemon prints
   * it. Rejects when the daemon exits without it, when a line repeats a key, or after a hang.
   * (No timeout parameter: how long a line takes is the machine's business.)
   */
  waitForLog(match: (record: LogRecord) => boolean, options: { readonly from?: number } = {}): Promise<LogRecord> {
    const from = options.from ?? 0;
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const settle = (outcome: () => void) => {
        this.listeners.delete(check);
        clearTimeout(timer);
        outcome();
      };
      const check = (): void => {
        if (this.repeated.length > 0) return settle(() => reject(new DuplicateKeyError(this.repeated)));
        const found = this.logs.slice(from).find(match);
        if (found) return settle(() => resolve(found));
        if (this.stdoutEnded) {
          const how = this.child.exitCode ?? this.child.signalCode;
          return settle(() => reject(new Error(`daemon exited (${how}) before the log line came; stderr: ${this.stderrText}`)));
        }
      };
      this.listeners.add(check);
      timer = setTimeout(
        () => settle(() => reject(new Error(`no such log line after ${HANG_TIMEOUT_MS} ms (a hang?); last lines: ${JSON.stringify(this.logs.slice(-5))}`))),
        HANG_TIMEOUT_MS,
      );
      check();
    });
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
