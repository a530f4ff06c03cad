/**
 * Flow Connect, as its SCIM guide (../shared/seeds/flow-connect-scim.txt) describes it:
 * - the tenant URL ends in the Entra tenant id: /scim/v2/{tenantId};
 * - a user's externalId must be its Entra objectId (a GUID): a create without one is refused;
 * - a create whose e-mail an existing user has keeps that user as is and marks it SCIM-managed;
 * - users set inactive stay; users deleted are deleted;
 * - a SCIM group's members can only be SCIM-managed users;
 * - a group deleted and created again is a new group: nothing of the old one (id, permissions) comes back.
 */
import type { ScimAppProfile } from '../scim-server/server.js';
import { sendScimError } from '../scim-server/middleware.js';
import { adoptUserByEmail, afterSuccess, isObject, route } from './rules.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const FLOW_CONNECT_TENANT = '11111111-2222-3333-4444-555555555555';

export const flowConnect: ScimAppProfile = {
  name: 'flow-connect',
  basePath: `/scim/v2/${FLOW_CONNECT_TENANT}`,
  handlers: (store) => {
    /** Users created or adopted through SCIM; users made in Hub are not, and cannot join SCIM groups. */
    const managed = new Set<string>();
    return [
      (req, res, next) => {
        const { resource, id } = route(req);
        if (req.method !== 'POST' || resource !== 'Users' || id !== undefined || !isObject(req.body)) return next();
        const externalId = req.body['externalId'];
        if (typeof externalId !== 'string' || !GUID.test(externalId)) {
          return sendScimError(res, 400, `externalId must be the user's Entra objectId (a GUID), got ${JSON.stringify(externalId)}`, 'invalidValue');
        }
        next();
      },
      adoptUserByEmail(store, (user) => managed.add(user.id)),
      (req, res, next) => {
        const { resource, id } = route(req);
        if (req.method === 'POST' && resource === 'Users' && id === undefined && isObject(req.body)) {
          const userName = String(req.body['userName']).toLowerCase();
          afterSuccess(res, () => {
            const created = store.list('User').find((u) => String(u['userName']).toLowerCase() === userName);
            if (created) managed.add(created.id);
          });
          return next();
        }
        if (req.method === 'PATCH' && resource === 'Groups' && id !== undefined && isObject(req.body) && Array.isArray(req.body['Operations'])) {
          const added = req.body['Operations']
            .filter((op): op is Record<string, unknown> => isObject(op) && String(op['op']).toLowerCase() === 'add' && String(op['path']).toLowerCase() === 'members')
            .flatMap((op) => (Array.isArray(op['value']) ? op['value'] : []))
            .map((member: unknown) => (isObject(member) ? String(member['value']) : ''));
          const unmanaged = added.filter((memberId) => !managed.has(memberId));
          if (unmanaged.length > 0) return sendScimError(res, 400, `only SCIM-managed users can join a SCIM-managed group: ${unmanaged.join(', ')}`, 'invalidValue');
        }
        next();
      },
    ];
  },
};
