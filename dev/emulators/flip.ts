/**
 * Flip, as its SCIM guide (../shared/seeds/flip-scim.txt) describes it:
 * - custom attributes live in Flip's extensions (`…:flip:location:2.0:User:value`,
 *   `…:flip:custom:2.0:User:attributes[technicalName eq "x"].value`), declared by the dev server;
 * - on create, `…:flip:customJson:2.0:User:value` carries the custom attributes as one JSON string,
 *   which must parse — a customJson whose quotes were not escaped is refused (400 invalidValue)
 *   rather than silently dropped; what parses becomes the user's custom attributes (on create only:
 *   updates go through the custom extension paths);
 * - active=false locks the user (kept, never deleted by the IdP's setup);
 * - users are identified by externalId or userName (the guide's Okta setup uses userName, its best
 *   practice externalId); other filters are refused.
 */
import type { ScimAppProfile } from '../scim-server/server.js';
import { sendScimError } from '../scim-server/middleware.js';
import { isObject, onlyFilters, route } from './rules.js';

const CUSTOM_JSON = 'urn:ietf:params:scim:schemas:extension:flip:customJson:2.0:User';

export const flip: ScimAppProfile = {
  name: 'flip',
  basePath: '/scim/v2',
  handlers: () => [
    onlyFilters({ Users: ['userName', 'externalId'], Groups: ['displayName'] }),
    (req, res, next) => {
      const { resource } = route(req);
      const carrier = resource === 'Users' && isObject(req.body) ? req.body[CUSTOM_JSON] : undefined;
      const json = isObject(carrier) ? carrier['value'] : undefined;
      if (typeof json !== 'string') return next();
      try {
        const parsed: unknown = JSON.parse(json);
        if (isObject(parsed) && Array.isArray(parsed['attributes'])) return next();
      } catch {
        // refused below
      }
      sendScimError(res, 400, `${CUSTOM_JSON}:value is not {"attributes":[{"technicalName":…,"value":…}]}: ${json.slice(0, 200)}`, 'invalidValue');
    },
  ],
};
