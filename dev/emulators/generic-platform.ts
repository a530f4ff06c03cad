/**
 * The generic SCIM platform, as its integration guide (../shared/seeds/generic-platform-scim.txt)
 * describes it:
 * - users are deactivated, never deleted: a DELETE deactivates the user (and it can be reactivated);
 * - groups sync as "roles": creating, deleting and assigning them is SCIM's, their permissions the
 *   platform admin's. A user's roles are the groups it is a member of (roleAssignments below);
 * - the attribute table: phones (mobile, work), title, a work address.
 */
import type { ScimAppProfile } from '../scim-server/server.js';
import type { ScimResource } from '../scim-server/store.js';
import { route } from './rules.js';

export const genericPlatform: ScimAppProfile = {
  name: 'generic-platform',
  basePath: '/scim/v2',
  handlers: (store) => [
    (req, res, next) => {
      const { resource, id } = route(req);
      if (req.method !== 'DELETE' || resource !== 'Users' || id === undefined) return next();
      const user = store.get('User', id);
      if (!user) return next();
      store.save('User', id, { ...user, active: false });
      res.status(204).end();
    },
  ],
};

/** Role name → userNames holding it, as the platform's UI would list them. */
export function roleAssignments(users: readonly ScimResource[], groups: readonly ScimResource[]): Record<string, string[]> {
  const userNames = new Map(users.map((u) => [u.id, String(u['userName'])]));
  return Object.fromEntries(
    groups.map((g) => [
      String(g['displayName']),
      (Array.isArray(g['members']) ? (g['members'] as { value?: string }[]) : []).map((m) => userNames.get(String(m.value)) ?? `?${String(m.value)}`).sort(),
    ]),
  );
}
