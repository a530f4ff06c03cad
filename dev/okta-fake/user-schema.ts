/**
 * `GET /api/v1/meta/schemas/user/default`: the org's user schema, as Okta's Schemas API returns
 * it — a JSON Schema whose `definitions.base` holds the base profile and `definitions.custom` the
 * attributes the org added. The fake's custom attributes are the profile attributes its users
 * hold beyond the base profile, so a test seeds a custom attribute by giving a user one.
 */
import type { OktaDirectory } from './directory.js';

const BASE_PROFILE: readonly (readonly [name: string, title: string])[] = [
  ['login', 'Username'], ['firstName', 'First name'], ['lastName', 'Last name'], ['middleName', 'Middle name'],
  ['honorificPrefix', 'Honorific prefix'], ['honorificSuffix', 'Honorific suffix'], ['email', 'Primary email'],
  ['title', 'Title'], ['displayName', 'Display name'], ['nickName', 'Nickname'], ['profileUrl', 'Profile Url'],
  ['secondEmail', 'Secondary email'], ['mobilePhone', 'Mobile phone'], ['primaryPhone', 'Primary phone'],
  ['streetAddress', 'Street address'], ['city', 'City'], ['state', 'State'], ['zipCode', 'Zip code'],
  ['countryCode', 'Country code'], ['postalAddress', 'Postal Address'], ['preferredLanguage', 'Preferred language'],
  ['locale', 'Locale'], ['timezone', 'Time zone'], ['userType', 'User type'], ['employeeNumber', 'Employee number'],
  ['costCenter', 'Cost center'], ['organization', 'Organization'], ['division', 'Division'], ['department', 'Department'],
  ['managerId', 'ManagerId'], ['manager', 'Manager'],
];

export function userSchema(directory: OktaDirectory, origin: string): unknown {
  const base = new Set(BASE_PROFILE.map(([name]) => name));
  const custom = new Map<string, unknown>();
  for (const user of directory.users()) {
    for (const [name, value] of Object.entries(user.profile)) {
      if (!base.has(name) && !custom.has(name) && value !== null && value !== undefined) custom.set(name, value);
    }
  }
  return {
    id: `${origin}/meta/schemas/user/default`,
    $schema: 'http://json-schema.org/draft-04/schema#',
    name: 'user',
    title: 'User',
    description: 'Okta user profile template with default permission settings',
    lastUpdated: new Date(0).toISOString(),
    created: new Date(0).toISOString(),
    definitions: {
      custom: {
        id: '#custom',
        type: 'object',
        properties: Object.fromEntries([...custom].map(([name, value]) => [name, { title: name, ...typeOf(value), mutability: 'READ_WRITE', scope: 'NONE', permissions: [{ principal: 'SELF', action: 'READ_WRITE' }], master: { type: 'PROFILE_MASTER' } }])),
        required: [],
      },
      base: {
        id: '#base',
        type: 'object',
        properties: Object.fromEntries(BASE_PROFILE.map(([name, title]) => [name, { title, type: 'string', mutability: 'READ_WRITE', scope: 'NONE', permissions: [{ principal: 'SELF', action: 'READ_WRITE' }], master: { type: 'PROFILE_MASTER' } }])),
        required: ['login', 'firstName', 'lastName', 'email'],
      },
    },
    type: 'object',
    properties: { profile: { allOf: [{ $ref: '#/definitions/custom' }, { $ref: '#/definitions/base' }] } },
    _links: { self: { href: `${origin}/api/v1/meta/schemas/user/default`, method: 'GET', rel: 'self' } },
  };
}

function typeOf(value: unknown): { type: string; items?: { type: string } } {
  if (Array.isArray(value)) return { type: 'array', items: { type: typeof value[0] === 'number' ? 'number' : 'string' } };
  if (typeof value === 'boolean') return { type: 'boolean' };
  if (typeof value === 'number') return { type: Number.isInteger(value) ? 'integer' : 'number' };
  return { type: 'string' };
}
