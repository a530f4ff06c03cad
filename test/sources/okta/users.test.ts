import { describe, expect, it } from 'vitest';
import { lifecycleOf, toSourceUser } from '../../../src/sources/okta/users.js';

describe('Okta status → lifecycle', () => {
  it.each([
    ['ACTIVE', 'enabled', { enabled: true, deleted: false }],
    ['PASSWORD_EXPIRED', 'enabled', { enabled: true, deleted: false }],
    ['LOCKED_OUT', 'enabled', { enabled: true, deleted: false }],
    ['RECOVERY', 'enabled', { enabled: true, deleted: false }],
    ['STAGED', 'enabled', { enabled: true, deleted: false }],
    ['PROVISIONED', 'enabled', { enabled: true, deleted: false }],
    ['STAGED', 'disabled', { enabled: false, deleted: false }],
    ['PROVISIONED', 'disabled', { enabled: false, deleted: false }],
    ['SUSPENDED', 'enabled', { enabled: false, deleted: false }],
    ['DEPROVISIONED', 'enabled', { enabled: false, deleted: true }],
    ['SOMETHING_NEW', 'enabled', { enabled: true, deleted: false }],
  ] as const)('%s (stagedUsers: %s)', (status, staged, expected) => {
    expect(lifecycleOf(status, staged)).toEqual(expected);
  });
});

describe('toSourceUser', () => {
  it('flattens the profile, adds id, status and the timestamps, and drops what JSON cannot hold', () => {
    const user = toSourceUser(
      {
        id: '00u1',
        status: 'ACTIVE',
        lastUpdated: new Date('2026-01-02T03:04:05.678Z'),
        lastLogin: null,
        profile: { login: 'a@example.com', nickName: undefined, status: 'custom status', nested: { a: [1, new Date('2026-01-01T00:00:00Z')] } },
      },
      'enabled',
    );
    expect(user).toEqual({
      id: '00u1',
      enabled: true,
      deleted: false,
      attributes: {
        id: '00u1',
        // The user's own status wins over a custom profile attribute of that name.
        status: 'ACTIVE',
        login: 'a@example.com',
        nested: { a: [1, '2026-01-01T00:00:00.000Z'] },
        managerId: null,
        lastUpdated: '2026-01-02T03:04:05.678Z',
      },
    });
  });
});

describe('the manager', () => {
  it('is the profile’s managerId, and null when Okta leaves it out, so a manager removed in Okta is removed in the app', () => {
    expect(toSourceUser({ id: '00u1', status: 'ACTIVE', profile: { login: 'a', managerId: '00u2' } }, 'enabled').attributes.managerId).toBe('00u2');
    expect(toSourceUser({ id: '00u1', status: 'ACTIVE', profile: { login: 'a' } }, 'enabled').attributes.managerId).toBeNull();
  });
});
