/**
 * Flip, as its SCIM guide (../shared/seeds/flip-scim.txt) describes it:
 * - custom attributes live in Flip's extensions (`…:flip:location:2.0:User:value`,
 *   `…:flip:custom:2.0:User:attributes[technicalName eq "x"].value`), declared by the dev server;
 * - on create, `…:flip:customJson:2.0:User:value` carries the custom attributes as one JSON string,
 *   which must parse — a customJson whose quotes were not escaped is refused (400 invalidValue)
 *   rather than silently dropped; what parses becomes the user's custom attributes;
 * - active=false locks the user (kept, never deleted by the IdP's setup);
 * - users are identified by externalId or userName (the guide's Okta setup uses userName, its best
 *   practice externalId); other filters are refused.
 */
import type { ScimAppProfile } from '../scim-server/server.js';
import { sendScimError } from '../scim-server/middleware.js';
import { isObject, onlyFilters, route, sendResource } from './rules.js';

const CUSTOM_JSON = 'urn:ietf:params:scim:schemas:extension:flip:customJson:2.0:User';

const CUSTOM = 'urn:ietf:params:scim:schemas:extension:flip:custom:2.0:User';
/** `…:custom:2.0:User:attributes[technicalName eq "x"].value`, the path Flip documents for updates. */
const CUSTOM_PATH = /^urn:ietf:params:scim:schemas:extension:flip:custom:2\.0:User:attributes\[technicalName eq "((?:[^"\\]|\\.)*)"\]\.value$/i;

interface CustomAttribute {
  technicalName: string;
  value: unknown;
}

/** Sets (or, with undefined, removes) one custom attribute of a stored user. */
function setCustom(user: Record<string, unknown>, technicalName: string, value: unknown): Record<string, unknown> {
  const custom = isObject(user[CUSTOM]) ? user[CUSTOM] : {};
  const attributes = (Array.isArray(custom['attributes']) ? (custom['attributes'] as CustomAttribute[]) : []).filter((a) => a.technicalName !== technicalName);
  if (value !== undefined) attributes.push({ technicalName, value });
  return { ...user, [CUSTOM]: { ...custom, attributes } };
}

export const flip: ScimAppProfile = {
  name: 'flip',
  basePath: '/scim/v2',
  handlers: (store) => [
    onlyFilters({ Users: ['userName', 'externalId'], Groups: ['displayName'] }),
    // Flip applies its documented custom-attribute paths; the rest of a PATCH is standard.
    (req, res, next) => {
      const { resource, id } = route(req);
      if (req.method !== 'PATCH' || resource !== 'Users' || id === undefined || !isObject(req.body) || !Array.isArray(req.body['Operations'])) return next();
      const operations = req.body['Operations'] as unknown[];
      const custom = operations.filter((op) => isObject(op) && typeof op['path'] === 'string' && CUSTOM_PATH.test(op['path']));
      if (custom.length === 0) return next();
      let user = store.get('User', id) as Record<string, unknown> | undefined;
      if (!user) return sendScimError(res, 404, `Resource ${id} not found`);
      for (const op of custom as Record<string, unknown>[]) {
        const technicalName = JSON.parse(`"${(CUSTOM_PATH.exec(String(op['path'])) as RegExpExecArray)[1]}"`) as string;
        user = setCustom(user, technicalName, String(op['op']).toLowerCase() === 'remove' ? undefined : op['value']);
      }
      const saved = store.save('User', id, user);
      const rest = operations.filter((op) => !custom.includes(op));
      if (rest.length > 0) {
        req.body['Operations'] = rest;
        return next();
      }
      sendResource(res, 200, saved);
    },
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
