/**
 * Flagsmith, as its SCIM guide (../shared/seeds/flagsmith-scim.txt) describes it:
 * - SCIM lives under /api/v1/scim/v2/, written with its trailing slash;
 * - filtering is documented as `userName eq`; Entra, a supported IdP, looks groups up by
 *   `displayName eq`. Any other filter is refused (400 invalidFilter);
 * - a user needs an e-mail; a create whose e-mail (case-insensitive) an existing user has adds that
 *   user to the organisation instead of making a second one;
 * - permission groups are matched by externalId: a create whose externalId exists updates that
 *   group (name, and membership to match the request); a group without externalId is refused;
 * - active=false or DELETE removes the user from the organisation, and so from every group.
 */
import type { ScimAppProfile } from '../scim-server/server.js';
import { sendScimError } from '../scim-server/middleware.js';
import { adoptUserByEmail, afterSuccess, deactivates, emailOf, isObject, noDoubleSlash, onlyFilters, route, sendResource } from './rules.js';

export const flagsmith: ScimAppProfile = {
  name: 'flagsmith',
  basePath: '/api/v1/scim/v2',
  trailingSlash: true,
  handlers: (store) => [
    noDoubleSlash,
    onlyFilters({ Users: ['userName'], Groups: ['displayName'] }),
    (req, res, next) => {
      const { resource, id } = route(req);
      if (req.method === 'POST' && resource === 'Users' && id === undefined && isObject(req.body) && emailOf(req.body) === undefined) {
        return sendScimError(res, 400, 'Flagsmith requires an email to create a user', 'invalidValue');
      }
      next();
    },
    adoptUserByEmail(store),
    (req, res, next) => {
      const { resource, id } = route(req);
      if (req.method !== 'POST' || resource !== 'Groups' || id !== undefined || !isObject(req.body)) return next();
      const externalId = req.body['externalId'];
      if (typeof externalId !== 'string' || externalId === '') {
        return sendScimError(res, 400, 'Flagsmith matches permission groups by externalId; the group has none', 'invalidValue');
      }
      const existing = store.list('Group').find((g) => g['externalId'] === externalId);
      if (!existing) return next();
      const members = Array.isArray(req.body['members']) ? req.body['members'] : [];
      const displayName = typeof req.body['displayName'] === 'string' ? req.body['displayName'] : existing['displayName'];
      sendResource(res, 201, store.save('Group', existing.id, { ...existing, displayName, members }));
    },
    (req, res, next) => {
      const { resource, id } = route(req);
      if (resource === 'Users' && id !== undefined && (req.method === 'DELETE' || deactivates(req))) afterSuccess(res, () => store.dropMember(id));
      next();
    },
  ],
};
