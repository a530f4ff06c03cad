import type { DirectoryEntry, ObjectKind } from './directory.js';
import { graphError } from './http.js';

/** What Graph v1.0 returns for a user when the request has no $select. */
export const DEFAULT_USER_PROPS = [
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
  'id',
] as const;

const DEFAULT_GROUP_PROPS = [
  'id',
  'createdDateTime',
  'description',
  'displayName',
  'groupTypes',
  'mail',
  'mailEnabled',
  'mailNickname',
  'securityEnabled',
  'visibility',
] as const;

/** Graph v1.0 user properties; a $select outside these (and directory extensions) is a 400 as in Graph. */
const USER_PROPS = [
  ...DEFAULT_USER_PROPS,
  'aboutMe', 'accountEnabled', 'ageGroup', 'assignedLicenses', 'assignedPlans', 'authorizationInfo', 'birthday',
  'city', 'companyName', 'consentProvidedForMinor', 'country', 'createdDateTime', 'creationType',
  'customSecurityAttributes', 'deletedDateTime', 'department', 'employeeHireDate', 'employeeId',
  'employeeLeaveDateTime', 'employeeOrgData', 'employeeType', 'externalUserState', 'externalUserStateChangeDateTime',
  'faxNumber', 'hireDate', 'identities', 'imAddresses', 'interests', 'isManagementRestricted', 'isResourceAccount',
  'lastPasswordChangeDateTime', 'legalAgeGroupClassification', 'licenseAssignmentStates', 'mailboxSettings',
  'mailNickname', 'mySite', 'onPremisesDistinguishedName', 'onPremisesDomainName', 'onPremisesExtensionAttributes',
  'onPremisesImmutableId', 'onPremisesLastSyncDateTime', 'onPremisesProvisioningErrors', 'onPremisesSamAccountName',
  'onPremisesSecurityIdentifier', 'onPremisesSyncEnabled', 'onPremisesUserPrincipalName', 'otherMails',
  'passwordPolicies', 'passwordProfile', 'pastProjects', 'postalCode', 'preferredDataLocation', 'preferredName',
  'provisionedPlans', 'proxyAddresses', 'responsibilities', 'schools', 'securityIdentifier',
  'serviceProvisioningErrors', 'showInAddressList', 'signInActivity', 'signInSessionsValidFromDateTime', 'skills',
  'state', 'streetAddress', 'usageLocation', 'userType',
];

const GROUP_PROPS = [
  ...DEFAULT_GROUP_PROPS,
  'assignedLabels', 'assignedLicenses', 'classification', 'deletedDateTime', 'expirationDateTime',
  'isAssignableToRole', 'membershipRule', 'membershipRuleProcessingState', 'onPremisesDomainName',
  'onPremisesLastSyncDateTime', 'onPremisesNetBiosName', 'onPremisesProvisioningErrors', 'onPremisesSamAccountName',
  'onPremisesSecurityIdentifier', 'onPremisesSyncEnabled', 'preferredDataLocation', 'preferredLanguage',
  'proxyAddresses', 'renewedDateTime', 'securityIdentifier', 'serviceProvisioningErrors', 'theme',
];

/** Graph returns [] rather than null for empty collection-valued properties. */
const COLLECTION_PROPS = new Set([
  'businessPhones', 'imAddresses', 'otherMails', 'proxyAddresses', 'identities', 'assignedLicenses',
  'assignedPlans', 'provisionedPlans', 'interests', 'pastProjects', 'responsibilities', 'schools', 'skills',
  'licenseAssignmentStates', 'onPremisesProvisioningErrors', 'serviceProvisioningErrors', 'groupTypes',
  'assignedLabels',
]);

/** Navigation properties are never plain values; `manager` is stored as the manager's id and only $expand shows it. */
const NAVIGATION_PROPS = new Set(['manager', 'members', 'memberOf', 'transitiveMemberOf', 'directReports']);

const KNOWN: Record<ObjectKind, Map<string, string>> = {
  user: new Map(USER_PROPS.map((p) => [p.toLowerCase(), p])),
  group: new Map(GROUP_PROPS.map((p) => [p.toLowerCase(), p])),
};

export const ODATA_TYPE: Record<ObjectKind, string> = {
  user: '#microsoft.graph.user',
  group: '#microsoft.graph.group',
};

/**
 * Resolves $select names to canonical property names, rejecting unknown ones
 * as Graph does. Directory extension attributes (extension_<appId>_<name>) and
 * properties that tests put on objects are always allowed.
 */
export function resolveSelect(kind: ObjectKind, select: readonly string[], stored: () => readonly DirectoryEntry[]): string[] {
  const resolved: string[] = [];
  for (const name of select) {
    if (name === '*') return [...KNOWN[kind].values()];
    const lower = name.toLowerCase();
    const known = KNOWN[kind].get(lower);
    if (known) {
      resolved.push(known);
      continue;
    }
    if (NAVIGATION_PROPS.has(name)) continue;
    if (lower.startsWith('extension_') || stored().some((e) => Object.keys(e.props).some((k) => k.toLowerCase() === lower))) {
      resolved.push(name);
      continue;
    }
    throw graphError(
      400,
      'BadRequest',
      `Parsing OData Select and Expand failed: Could not find a property named '${name}' on type 'microsoft.graph.${kind}'.`,
    );
  }
  return resolved;
}

export interface ProjectOptions {
  /** Canonical names from resolveSelect; undefined means Graph's default set. */
  select?: readonly string[];
  /** Members listings carry the type of each entry, since they mix users and groups. */
  withType?: boolean;
}

/** The JSON Graph returns for one object: id always, selected (or default) props, null when unset. */
export function project(entry: DirectoryEntry, options: ProjectOptions = {}): Record<string, unknown> {
  const names = options.select ?? (entry.kind === 'user' ? DEFAULT_USER_PROPS : DEFAULT_GROUP_PROPS);
  const out: Record<string, unknown> = {};
  if (options.withType) out['@odata.type'] = ODATA_TYPE[entry.kind];
  out['id'] = entry.id;
  for (const name of names) {
    if (name === 'id' || NAVIGATION_PROPS.has(name)) continue;
    const value = lookup(entry.props, name);
    // Only objects need a copy (callers may not mutate the store through a response); cloning every string made a 100k-user read take seconds.
    out[name] = value === undefined ? (COLLECTION_PROPS.has(name) ? [] : null) : typeof value === 'object' && value !== null ? structuredClone(value) : value;
  }
  return out;
}

function lookup(props: Record<string, unknown>, name: string): unknown {
  if (name in props) return props[name];
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(props)) {
    if (key.toLowerCase() === lower) return value;
  }
  return undefined;
}

export interface Expand {
  property: 'manager';
  select?: string[];
}

/** Supports the one expansion a provisioning read needs: `manager` or `manager($select=a,b)`. */
export function parseExpand(params: URLSearchParams): Expand | undefined {
  const raw = params.get('$expand');
  if (raw === null) return undefined;
  const match = /^\s*manager\s*(?:\(\s*\$select\s*=\s*([^)]*)\))?\s*$/i.exec(raw);
  if (!match) throw graphError(400, 'Request_UnsupportedQuery', `Unsupported $expand: '${raw}'.`);
  const select = match[1]
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return select && select.length > 0 ? { property: 'manager', select } : { property: 'manager' };
}
