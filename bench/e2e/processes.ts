/**
 * The benchmark's processes: the fakes (each prints one JSON line with its URLs), the ceiling
 * loop, and provisiond itself, run as a user runs it, with its peak memory read from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';

export interface JsonLineProcess<T> {
  readonly child: ChildProcess;
  readonly info: T;
  stop(): Promise<void>;
}

/** Starts `node script args` and resolves with the JSON object on its first stdout line. */
export async function startJsonLineProcess<T>(script: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<JsonLineProcess<T>> {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
  });
  child.stdout!.resume();
  return {
    child,
    info: JSON.parse(line) as T,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export interface TimedRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** From spawn to exit: process start, config load, module loading, the cycle, shutdown. */
  readonly wallMs: number;
  /** Peak resident set (VmHWM, else the largest VmRSS seen), MiB. */
  readonly peakRssMb: number;
  /** User + system CPU time, as last sampled (up to 100 ms before exit): steadier than wall time on a shared machine. */
  readonly cpuMs: number;
}

export interface RunOptions {
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** stdout and stderr go here (JSON log lines), as they would to a container's log. */
  readonly logFile: string;
  /** Polled every 50 ms while the process runs; true sends SIGKILL. */
  readonly killWhen?: () => Promise<boolean>;
}

export async function runTimed(script: string, options: RunOptions): Promise<TimedRun> {
  const fd = openSync(options.logFile, 'w');
  const start = performance.now();
  // e.g. BENCH_CLI_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles provisiond alone (NODE_OPTIONS refuses --cpu-prof).
  const nodeFlags = (process.env['BENCH_CLI_NODE_FLAGS'] ?? '').split(' ').filter((flag) => flag !== '');
  const child = spawn(process.execPath, [...nodeFlags, script, ...options.args], { cwd: options.cwd, env: options.env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let peakKb = 0;
  let cpuTicks = 0;
  let killing = false;
  const sample = (): void => {
    const kb = readPeakKb(child.pid);
    if (kb > peakKb) peakKb = kb;
    cpuTicks = Math.max(cpuTicks, readCpuTicks(child.pid));
  };
  const memoryTimer = setInterval(sample, 100);
  let killTimer: NodeJS.Timeout | undefined;
  if (options.killWhen) {
    const check = (): void => {
      options.killWhen!().then(
        (kill) => {
          if (kill && !killing) {
            killing = true;
            sample();
            child.kill('SIGKILL');
          } else if (!killing && child.exitCode === null) {
            killTimer = setTimeout(check, 50);
          }
        },
        () => (killTimer = setTimeout(check, 50)),
      );
    };
    killTimer = setTimeout(check, 50);
  }
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
    // 'exit' rather than 'close': the log file descriptor is the child's, not a pipe to drain.
    child.once('exit', (c, s) => {
      resolve([c, s]);
    });
  });
  const wallMs = performance.now() - start;
  clearInterval(memoryTimer);
  if (killTimer) clearTimeout(killTimer);
  return { code, signal, wallMs: Math.round(wallMs), peakRssMb: Math.round((peakKb / 1024) * 10) / 10, cpuMs: cpuTicks * 10 };
}

/** utime + stime from /proc/<pid>/stat, in clock ticks (100 per second on Linux). */
function readCpuTicks(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

function readPeakKb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = /VmHWM:\s+(\d+)\s+kB/.exec(status);
    const rss = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return Math.max(Number(hwm?.[1] ?? 0), Number(rss?.[1] ?? 0));
  } catch {
    return 0; // exited between samples
  }
}

/** The last `cycle …` summary line provisiond logged, if any (the log format is the engine's). */
export function cycleSummary(logFile: string): Record<string, unknown> | undefined {
  let found: Record<string, unknown> | undefined;
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.startsWith('{') || !line.includes('"cycle ')) continue;
    try {
      const record = JSON.parse(line) as Record<string, unknown>;
      if (typeof record['msg'] === 'string' && record['msg'].startsWith('cycle ') && 'outcome' in record) found = record;
    } catch {
      // not a log record
    }
  }
  return found;
}

/** JSON over HTTPS to the Graph fake, trusting its throwaway CA, on keep-alive connections. */
export class HttpsJson {
  private readonly agent: HttpsAgent;

  constructor(ca: string) {
    this.agent = new HttpsAgent({ ca, keepAlive: true, maxSockets: 8 });
  }

  request(url: string, options: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; body: unknown }> {
    return new Promise((resolve, reject) => {
      const payload = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      const req = httpsRequest(
        url,
        {
          method: options.method ?? 'GET',
          agent: this.agent,
          headers: {
            ...(payload === undefined ? {} : { 'content-type': typeof options.body === 'string' ? 'application/x-www-form-urlencoded' : 'application/json', 'content-length': Buffer.byteLength(payload) }),
            ...options.headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown = text;
            try {
              body = text === '' ? undefined : JSON.parse(text);
            } catch {
              // not JSON
            }
            resolve({ status: res.statusCode ?? 0, body });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
