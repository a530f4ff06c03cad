/**
 * JSON logs on stdout (pino). Secrets are redacted by path as a second line of defence: the code
 * never puts a token into a log record or an error message in the first place.
 */
import { destination as pinoDestination, pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

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

export function createLogger(level: LevelWithSilent = 'info', destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'provisiond' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    destination ?? pinoDestination({ dest: 1, sync: true }),
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
