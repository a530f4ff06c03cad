/** The daemon's config keys: schedule (every | cron, time zone, per-job override) and server. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { testConfig } from './support.js';

function errorOf(build: () => unknown): string {
  try {
    build();
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('schedule and server config', () => {
  it('defaults: every 40m, port 8080, no token, a 25s shutdown timeout, host left to the environment', () => {
    const { config } = testConfig();
    expect(config.schedule).toEqual({ every: 40 * 60_000, fullSyncEvery: 24 * 3_600_000 });
    expect(config.server).toEqual({ port: 8080, shutdownTimeout: 25_000 });
  });

  it('takes a cron expression instead of every, and a per-job override', () => {
    const { config } = testConfig(['a'], { schedule: { cron: '*/10 * * * *', timezone: 'UTC' }, server: { port: 0, host: '0.0.0.0', token: 'a-long-enough-token', shutdownTimeout: '5s' } }, { schedule: { every: '5s' } });
    expect(config.schedule).toEqual({ cron: '*/10 * * * *', timezone: 'UTC', fullSyncEvery: 24 * 3_600_000 });
    expect(config.jobs[0]!.schedule).toEqual({ every: 5_000 });
    expect(config.server).toEqual({ port: 0, host: '0.0.0.0', token: 'a-long-enough-token', shutdownTimeout: 5_000 });
  });

  it('refuses both every and cron, a bad cron, a bad time zone, an empty job schedule, and a short token — without echoing it', () => {
    expect(errorOf(() => testConfig(['a'], { schedule: { every: '5m', cron: '* * * * *' } }))).toContain('schedule.cron: set either "every" or "cron", not both');
    expect(errorOf(() => testConfig(['a'], { schedule: { cron: '40m' } }))).toContain('schedule.cron: expected a cron expression');
    expect(errorOf(() => testConfig(['a'], { schedule: { timezone: 'Mars/Olympus' } }))).toContain('schedule.timezone: expected an IANA time zone');
    expect(errorOf(() => testConfig(['a'], {}, { schedule: {} }))).toContain('jobs[0].schedule: set "every" or "cron"');
    const short = errorOf(() => testConfig(['a'], { server: { token: 'hunter2' } }));
    expect(short).toContain('server.token: use a random token of at least 16 characters');
    expect(short).not.toContain('hunter2');
    expect(errorOf(() => testConfig(['a'], { server: { port: 70_000 } }))).toContain('server.port');
  });
});
