/**
 * Flosum, as its Entra SCIM guide (../shared/seeds/flosum-entra-scim.txt) describes it:
 * - regional base URLs ending in /api/v1/scim;
 * - no group provisioning: there is no /Groups endpoint;
 * - a user created without a time zone gets Etc/UTC.
 */
import type { ScimAppProfile } from '../scim-server/server.js';
import { isObject, noEndpoint, route } from './rules.js';

export const FLOSUM_DEFAULT_TIME_ZONE = 'Etc/UTC';

export const flosum: ScimAppProfile = {
  name: 'flosum',
  basePath: '/api/v1/scim',
  handlers: () => [
    noEndpoint('Groups'),
    (req, _res, next) => {
      const { resource, id } = route(req);
      if (req.method === 'POST' && resource === 'Users' && id === undefined && isObject(req.body) && req.body['timezone'] === undefined) {
        req.body['timezone'] = FLOSUM_DEFAULT_TIME_ZONE;
      }
      next();
    },
  ],
};
