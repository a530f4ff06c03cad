/**
 * Logs on stdout (pino): JSON lines for log stores, or one readable line per record for a human at
 * a terminal (log-pretty.ts). Secrets are redacted by path as a second line of defence: the code
 * never puts a token into a log record or an error message in the first place. Redaction happens
 * before either format sees the record.
 */
import { destination as pinoDestination, pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
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

export const REDACTED_PATHS = [
  'token',
  'clientSecret',
  'certificatePassword',
  'password',
  'authorization',
  'headers.authorization',
  '*.token',
  '*.clientSecret',
  '*.certificatePassword',
  '*.password',
  '*.authorization',
  '*.headers.authorization',
  // The Okta SDK keeps the API token as apiToken and the service app's key as privateKey.
  'apiToken',
  'privateKey',
  '*.apiToken',
  '*.privateKey',
  'config.sources.*.clientSecret',
  'config.sources.*.token',
  'config.jobs[*].target.token',
];

export function createLogger(level: LevelWithSilent = 'info', destination?: NodeJS.WritableStream, format: LogFormat = 'json'): Logger {
  const sink: DestinationStream = destination ?? pinoDestination({ dest: 1, sync: true });
  return pino(
    {
      level,
      base: { service: 'provisiond' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    format === 'pretty' ? prettyDestination(sink, { color: colorFor((destination ?? process.stdout) as { readonly isTTY?: boolean }) }) : sink,
  );
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
