/**
 * Logs on stdout (pino): JSON lines for log stores, or one readable line per record for a human at
 * a terminal (log-pretty.ts). Secrets are redacted by key, at any depth, as a second line of defence: the code
 * never puts a token into a log record or an error message in the first place. Redaction happens
 * before either format sees the record.
 */
import { destination as pinoDestination, pino, stdSerializers, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { prettyDestination } from './log-pretty.js';

export type { Logger };

export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * The format asked for (`--log-format`, `PROVISIOND_LOG_FORMAT`), or by default pretty where a
 * person reads the stream (a terminal) and JSON where a program does (a pipe, a file, a log shipper).
 */
export function resolveLogFormat(asked: string | undefined, stream: { readonly isTTY?: boolean }): LogFormat {
  if (asked === 'pretty' || asked === 'json') return asked;
  return stream.isTTY === true ? 'pretty' : 'json';
}

/**
 * Keys whose values are secrets wherever they appear in a log record, at any depth. The Okta SDK
 * keeps the API token as apiToken and the service app's key as privateKey.
 */
export const SECRET_KEYS: ReadonlySet<string> = new Set([
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'clientSecret',
  'client_secret',
  'certificatePassword',
  'password',
  'authorization',
  'Authorization',
  'apiToken',
  'privateKey',
]);

const CENSOR = '[redacted]';
const MAX_DEPTH = 8;

/**
 * The record with every secret key's value replaced, copied only where something was replaced (a
 * per-operation log line has nothing to replace and costs a walk of its few keys). This replaces
 * pino's path-based `redact`, which took 13 µs a line — a sixth of what provisiond spends per
 * created user — and only knew the depths it was told.
 */
export function redactSecrets<T>(value: T, depth = 0): T {
  // Bytes hold no keys to redact, and walking a large buffer index by index would cost more than the line.
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const redacted = redactSecrets(item, depth + 1);
      if (redacted !== item) (copy ??= value.slice())[i] = redacted;
    }
    return (copy ?? value) as T;
  }
  const record = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key in record) {
    const item = record[key];
    const redacted = SECRET_KEYS.has(key) ? CENSOR : redactSecrets(item, depth + 1);
    if (redacted === item) continue;
    // An error keeps its message and stack: it is serialized the way pino would, then redacted.
    copy ??= value instanceof Error ? (stdSerializers.err(value) as unknown as Record<string, unknown>) : { ...record };
    copy[key] = redacted;
  }
  return (copy ?? value) as T;
}

/** How long a log line may wait in the buffer before it is written (the buffer also empties at 4 KB and at exit). */
const LOG_FLUSH_MS = 250;

let stdoutSink: ReturnType<typeof pinoDestination> | undefined;

/**
 * stdout, written in blocks of up to 4 KB rather than a write(2) per line: a first sync logs a line
 * per created user, and a syscall per line cost more than building the line. Lines wait at most 250 ms,
 * and whatever is buffered is written when the process exits, however it exits short of SIGKILL.
 */
function stdoutDestination(): DestinationStream {
  if (!stdoutSink) {
    const sink = pinoDestination({ dest: 1, sync: true, minLength: 4096, periodicFlush: LOG_FLUSH_MS });
    process.once('exit', () => {
      try {
        sink.flushSync();
      } catch {
        // stdout is gone (a closed pipe): nothing left to write to.
      }
    });
    stdoutSink = sink;
  }
  return stdoutSink;
}

/** Writes the log lines stdout still buffers: for output that must follow them (the --sync-now summary). */
export function flushLogs(): void {
  stdoutSink?.flushSync();
}

export function createLogger(level: LevelWithSilent = 'info', destination?: NodeJS.WritableStream, format: LogFormat = 'json'): Logger {
  const sink: DestinationStream = destination ?? stdoutDestination();
  const root = pino(
    {
      level,
      base: { service: 'provisiond' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Secrets are redacted before either format sees the record.
      formatters: { level: (label) => ({ level: label }), log: (record) => redactSecrets(record) },
    },
    format === 'pretty' ? prettyDestination(sink, { color: colorFor((destination ?? process.stdout) as { readonly isTTY?: boolean }) }) : sink,
  );
  // A child's bindings never pass through formatters.log; they are redacted as the child is made.
  // Children inherit from the root, so this covers a child's children too.
  const pinoChild = root.child;
  root.child = function (this: Logger, bindings, options) {
    return pinoChild.call(this, redactSecrets(bindings), options);
  } as Logger['child'];
  return root;
}

/**
 * The level of a cycle summary line, as the engine logs its own, so that an alert on level catches
 * every cycle that did not do its work: a failure is an error, any other outcome but success
 * (guarded, partial, quarantined) a warning.
 */
export function cycleOutcomeLevel(outcome: string): 'info' | 'warn' | 'error' {
  if (outcome === 'failed') return 'error';
  return outcome === 'success' ? 'info' : 'warn';
}

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
function colorFor(stream: { readonly isTTY?: boolean }): boolean {
  return stream.isTTY === true && !process.env.NO_COLOR;
}
