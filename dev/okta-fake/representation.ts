/** The stored objects as Okta's Management API returns them (JSON shapes of User, Group, AppUser, ApplicationGroupAssignment). */
import type { AppUserEntry, StoredApp, StoredGroup, StoredUser } from './directory.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function apiUser(user: StoredUser, origin: string): Record<string, unknown> {
  const self = `${origin}/api/v1/users/${user.id}`;
  return {
    id: user.id,
    status: user.status,
    created: iso(user.created),
    activated: iso(user.activated),
    statusChanged: iso(user.statusChanged),
    lastLogin: null,
    lastUpdated: iso(user.lastUpdated),
    passwordChanged: iso(user.passwordChanged),
    type: { id: 'oty1fake0000000000000' },
    profile: user.profile,
    credentials: { provider: { type: 'OKTA', name: 'OKTA' } },
    _links: { self: { href: self } },
  };
}

export function apiGroup(group: StoredGroup, origin: string): Record<string, unknown> {
  return {
    id: group.id,
    created: iso(group.created),
    lastUpdated: iso(group.lastUpdated),
    lastMembershipUpdated: iso(group.lastMembershipUpdated),
    objectClass: ['okta:user_group'],
    type: group.type,
    profile: group.profile,
    _links: {
      self: { href: `${origin}/api/v1/groups/${group.id}` },
      users: { href: `${origin}/api/v1/groups/${group.id}/users` },
      apps: { href: `${origin}/api/v1/groups/${group.id}/apps` },
    },
  };
}

export function apiApp(app: StoredApp, origin: string): Record<string, unknown> {
  return {
    id: app.id,
    name: app.name,
    label: app.label,
    status: 'ACTIVE',
    created: iso(app.created),
    lastUpdated: iso(app.lastUpdated),
    signOnMode: 'SAML_2_0',
    _links: {
      self: { href: `${origin}/api/v1/apps/${app.id}` },
      users: { href: `${origin}/api/v1/apps/${app.id}/users` },
      groups: { href: `${origin}/api/v1/apps/${app.id}/groups` },
    },
  };
}

/** AppUser: `id` is the Okta user id; `scope` says whether the assignment is direct (USER) or through a group (GROUP). */
export function apiAppUser(appId: string, entry: AppUserEntry, origin: string): Record<string, unknown> {
  return {
    id: entry.user.id,
    externalId: null,
    created: iso(entry.assigned),
    lastUpdated: iso(entry.assigned),
    scope: entry.scope,
    status: 'ACTIVE',
    statusChanged: iso(entry.assigned),
    passwordChanged: null,
    syncState: 'DISABLED',
    credentials: { userName: entry.user.profile.login },
    profile: {},
    _links: {
      app: { href: `${origin}/api/v1/apps/${appId}` },
      user: { href: `${origin}/api/v1/users/${entry.user.id}` },
    },
  };
}

export function apiAppGroup(appId: string, groupId: string, assigned: number, priority: number, origin: string): Record<string, unknown> {
  return {
    id: groupId,
    lastUpdated: iso(assigned),
    priority,
    profile: {},
    _links: {
      app: { href: `${origin}/api/v1/apps/${appId}` },
      group: { href: `${origin}/api/v1/groups/${groupId}` },
    },
  };
}
