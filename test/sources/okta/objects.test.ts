/** Which Okta users and groups are believed. */
import { describe, expect, it } from 'vitest';
import { oktaGroupSchema, oktaUserSchema, problemWith } from '../../../src/sources/okta/objects.js';

describe('problemWith', () => {
  it('believes a user with a string id, a string status and an object profile', () => {
    expect(problemWith(oktaUserSchema, { id: '00u1', status: 'ACTIVE', profile: { login: 'ada@example.com' } })).toBeUndefined();
    expect(problemWith(oktaUserSchema, { id: '00u1' })).toBeUndefined();
  });

  it.each([
    [null, 'not an object (null)'],
    [{ profile: { login: 'ada@example.com' } }, 'id: no string id'],
    [{ id: '' }, 'id: empty id'],
    [{ id: 7 }, 'id: no string id'],
    [{ id: '00u1', status: 1 }, 'status: status is not a string'],
    // A string profile would otherwise be read character by character.
    [{ id: '00u1', profile: 'ada' }, 'profile: profile is not an object'],
    // The manager is a reference by the manager's Okta id: anything but a string cannot name one.
    [{ id: '00u1', profile: { managerId: 42 } }, 'profile.managerId: profile.managerId is not a string'],
  ])('refuses %j: %s', (user, problem) => {
    expect(problemWith(oktaUserSchema, user)).toBe(problem);
  });

  it('checks groups the same way', () => {
    expect(problemWith(oktaGroupSchema, { id: '00g1', type: 'OKTA_GROUP', profile: { name: 'Engineers' } })).toBeUndefined();
    expect(problemWith(oktaGroupSchema, { type: 'OKTA_GROUP', profile: { name: 'Engineers' } })).toBe('id: no string id');
  });
});
