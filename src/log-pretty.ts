/**
 * The human form of a log record, for whoever reads provisiond on a terminal at 3 am: the time,
 * the level, the job, the message, and the few fields the message does not already say.
 *
 * It is a pino destination, not a transport: pino serializes (and redacts) the record as usual and
 * this stream rewrites each JSON line before it reaches the terminal, synchronously, in-process. So
 * no worker thread, no dependency, and nothing a secret could slip through that JSON would not.
 */
import type { DestinationStream } from 'pino';

export interface PrettyOptions {
  /** ANSI colours for the level (a terminal that is not NO_COLOR). */
  readonly color: boolean;
}

/** Fields that every record carries, or that the line shows in its own place. */
const HIDDEN = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname', 'job', 'runId', 'dryRun', 'progress']);

/** The counts worth a glance on a cycle line, in this order; the rest is in the JSON form. */
const COUNTS = ['read', 'inScope', 'groupsRead', 'created', 'recreated', 'linked', 'updated', 'enabled', 'disabled', 'deleted', 'groupsCreated', 'groupsUpdated', 'groupsDeleted', 'membersAdded', 'membersRemoved', 'failed', 'skipped', 'held', 'parked'];

const LEVEL_COLORS: Record<string, string> = { trace: '90', debug: '90', info: '32', warn: '33', error: '31', fatal: '35' };

export function prettyDestination(out: DestinationStream, options: PrettyOptions): DestinationStream & { flush: (cb?: (error?: Error) => void) => void } {
  const flushable = out as DestinationStream & { flush?: (cb: (error?: Error) => void) => void };
  return {
    write(line: string) {
      // pino writes one record per call; a line that is not a record (it always is) passes unchanged.
      out.write(`${formatLine(line.trimEnd(), options)}\n`);
    },
    // logger.flush(cb) reaches the real destination, and its callback always runs.
    flush(cb = () => undefined) {
      if (typeof flushable.flush === 'function') flushable.flush(cb);
      else cb();
    },
  };
}

export function formatLine(line: string, options: PrettyOptions): string {
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return line;
    record = parsed as Record<string, unknown>;
  } catch {
    return line;
  }
  return formatRecord(record, options);
}

export function formatRecord(record: Record<string, unknown>, options: PrettyOptions): string {
  const level = typeof record.level === 'string' ? record.level : 'info';
  const msg = typeof record.msg === 'string' ? record.msg : '';
  const paint = (code: string | undefined, text: string) => (options.color && code ? `\u001b[${code}m${text}\u001b[0m` : text);
  // 03:04:05 WARN  flip  message: fixed columns up to the message, so the eye finds the level and the job.
  const level5 = paint(LEVEL_COLORS[level], level.toUpperCase().padEnd(5));
  const where = typeof record.job === 'string' ? `${paint('1', record.job)}  ` : '';
  const head = `${clock(record.time)} ${level5} ${where}${msg}`;
  const fields: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (HIDDEN.has(key) || value === undefined) continue;
    // "full read: first cycle" and {reason: "first cycle"}: say it once.
    if (typeof value === 'string' && value.length > 0 && msg.includes(value)) continue;
    if (key === 'counts' && value !== null && typeof value === 'object') {
      fields.push(...formatCounts(value as Record<string, unknown>));
      continue;
    }
    if (key === 'durationMs' && typeof value === 'number') {
      fields.push(`in ${formatDuration(value)}`);
      continue;
    }
    if (key === 'err' && value !== null && typeof value === 'object') {
      const err = value as { message?: unknown; stack?: unknown };
      fields.push(`error=${showValue(err.message)}`);
      continue;
    }
    fields.push(`${key}=${showValue(value)}`);
  }
  const text = fields.length > 0 ? `${head}  ${paint('2', fields.join(' '))}` : head;
  const stack = (record.err as { stack?: unknown } | undefined)?.stack;
  return typeof stack === 'string' && (level === 'error' || level === 'fatal') ? `${text}\n${indent(stack)}` : text;
}

function formatCounts(counts: Record<string, unknown>): string[] {
  return COUNTS.filter((key) => typeof counts[key] === 'number' && (counts[key] !== 0 || key === 'failed')).map((key) => `${key}=${String(counts[key])}`);
}

/** Local wall-clock time to the second: enough to line a record up with an alert or a ticket. */
function clock(time: unknown): string {
  const date = typeof time === 'string' || typeof time === 'number' ? new Date(time) : new Date();
  if (Number.isNaN(date.getTime())) return String(time);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

function showValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return JSON.stringify(value);
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1_000)).padStart(2, '0')}s`;
}
