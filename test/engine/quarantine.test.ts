import { describe, expect, it } from 'vitest';
import { isQuarantined, nextQuarantine, targetIsFailing } from '../../src/engine/quarantine.js';

const now = new Date('2026-06-01T12:00:00Z');

describe('quarantine', () => {
  it('recognises a target refusing our credentials, even for one operation', () => {
    expect(targetIsFailing({ attempted: 1, failed: 1, failureStatuses: [401] })).toMatch(/refused our credentials \(HTTP 401\)/);
  });

  it('recognises a target failing most operations with 5xx or no response', () => {
    expect(targetIsFailing({ attempted: 10, failed: 8, failureStatuses: [503, 503, 503, 503, 503, 0, 0, 400] })).toBe('8 of 10 operations failed, most with HTTP 503');
  });

  it('does not quarantine for failures of individual objects', () => {
    expect(targetIsFailing({ attempted: 10, failed: 8, failureStatuses: Array(8).fill(400) })).toBeUndefined();
    expect(targetIsFailing({ attempted: 10, failed: 2, failureStatuses: [503, 503] })).toBeUndefined();
    expect(targetIsFailing({ attempted: 3, failed: 3, failureStatuses: [503, 503, 503] })).toBeUndefined();
  });

  it('backs off 1 h, 2 h, 4 h … up to a day, and lifts when a cycle goes through', () => {
    let state = nextQuarantine(undefined, 'down', now);
    expect(state).toMatchObject({ level: 1, until: '2026-06-01T13:00:00.000Z', since: now.toISOString() });
    state = nextQuarantine(state, 'down', now);
    expect(state?.until).toBe('2026-06-01T14:00:00.000Z');
    for (let i = 0; i < 10; i++) state = nextQuarantine(state, 'down', now);
    expect(state?.until).toBe('2026-06-02T12:00:00.000Z');
    expect(isQuarantined(state, now)).toBe(true);
    expect(isQuarantined(state, new Date('2026-06-03T00:00:00Z'))).toBe(false);
    expect(nextQuarantine(state, undefined, now)).toBeUndefined();
  });
});
