import { describe, expect, it } from 'vitest';
import type { LeaseOwner } from '../../src/daemon/lock.js';
import { chooseHandoff } from '../../src/daemon/sync-now.js';
import type { LeaseRecord } from '../../src/state/store.js';

const self: LeaseOwner = { holder: 'one-shot', pid: process.pid, hostname: 'box' };
const TOKEN = 'a-token-long-enough-123';

function daemon(overrides: Partial<LeaseRecord> = {}): LeaseRecord {
  // The test runner's parent process stands in for a live daemon on this host.
  return { name: 'daemon', holder: 'd', pid: process.ppid, hostname: 'box', address: 'http://127.0.0.1:8080', detail: '{}', acquiredAt: '', expiresAt: Date.now() + 30_000, ...overrides };
}

describe('chooseHandoff (--sync-now beside a daemon)', () => {
  it('hands off to a live daemon on this host when the token is configured', () => {
    expect(chooseHandoff(daemon(), self, TOKEN)).toMatchObject({ kind: 'hand-off', daemon: { address: 'http://127.0.0.1:8080' }, token: TOKEN });
  });

  it('runs here without a daemon, or beside a dead one', () => {
    expect(chooseHandoff(undefined, self, TOKEN)).toEqual({ kind: 'run-here' });
    expect(chooseHandoff(daemon({ expiresAt: Date.now() - 1 }), self, TOKEN)).toEqual({ kind: 'run-here' });
  });

  it('runs here, saying why, without a token or an address', () => {
    expect(chooseHandoff(daemon(), self, undefined)).toMatchObject({ kind: 'run-here', reason: expect.stringContaining('server.token is not set') });
    expect(chooseHandoff(daemon({ address: null }), self, TOKEN)).toMatchObject({ kind: 'run-here', reason: expect.stringContaining('no address') });
  });

  it('never sends the token to a loopback address of another host or container', () => {
    expect(chooseHandoff(daemon({ hostname: 'other-container' }), self, TOKEN)).toMatchObject({ kind: 'run-here', reason: expect.stringContaining('another host') });
    expect(chooseHandoff(daemon({ hostname: 'other', address: 'http://[::1]:8080' }), self, TOKEN)).toMatchObject({ kind: 'run-here' });
    expect(chooseHandoff(daemon({ hostname: 'other', address: 'http://provisiond.internal:8080' }), self, TOKEN)).toMatchObject({ kind: 'hand-off' });
  });
});
