/**
 * The attribute names each IdP has, so a misspelt source attribute is an error when the config
 * loads instead of a 400 from Graph in the middle of a cycle (or, with Okta, an attribute that is
 * silently always empty).
 *
 * Graph: the properties of the v1.0 `user` and `group` resources (learn.microsoft.com/graph/api/
 * resources/user and …/group), plus Entra's mapping-UI names provisiond reads (`objectId`,
 * `extensionAttribute1`–`15`), `onPremisesExtensionAttributes.extensionAttributeN` and directory
 * extensions (`extension_<appId without dashes>_<name>`), which each tenant defines.
 * Okta: the base user profile (developer.okta.com, "User profile object"), the user object's own
 * fields provisiond adds, and — when `validate --online` can read it — the org's custom profile
 * attributes from `/api/v1/meta/schemas/user/default`. Without that schema an unknown Okta
 * attribute may be a custom one, so it is a warning, not an error.
 */
import type { JobConfig, SourceConfig } from './schema.js';
import type { ConfigIssue } from './errors.js';
import { compileExpression, ExpressionError } from '../mapping/expression/index.js';
import { closestName } from '../mapping/expression/suggest.js';

/** Microsoft Graph v1.0 `user` properties. */
export const GRAPH_USER_PROPERTIES: readonly string[] = [
  'aboutMe', 'accountEnabled', 'ageGroup', 'assignedLicenses', 'assignedPlans', 'authorizationInfo', 'birthday',
  'businessPhones', 'city', 'companyName', 'consentProvidedForMinor', 'country', 'createdDateTime', 'creationType',
  'customSecurityAttributes', 'deletedDateTime', 'department', 'displayName', 'employeeHireDate', 'employeeId',
  'employeeLeaveDateTime', 'employeeOrgData', 'employeeType', 'externalUserState', 'externalUserStateChangeDateTime',
  'faxNumber', 'givenName', 'hireDate', 'id', 'identities', 'imAddresses', 'interests', 'isManagementRestricted',
  'isResourceAccount', 'jobTitle', 'lastPasswordChangeDateTime', 'legalAgeGroupClassification', 'licenseAssignmentStates',
  'mail', 'mailboxSettings', 'mailNickname', 'mobilePhone', 'mySite', 'officeLocation', 'onPremisesDistinguishedName',
  'onPremisesDomainName', 'onPremisesExtensionAttributes', 'onPremisesImmutableId', 'onPremisesLastSyncDateTime',
  'onPremisesProvisioningErrors', 'onPremisesSamAccountName', 'onPremisesSecurityIdentifier', 'onPremisesSyncEnabled',
  'onPremisesUserPrincipalName', 'otherMails', 'passwordPolicies', 'passwordProfile', 'pastProjects', 'postalCode',
  'preferredDataLocation', 'preferredLanguage', 'preferredName', 'provisionedPlans', 'proxyAddresses', 'responsibilities',
  'schools', 'securityIdentifier', 'serviceProvisioningErrors', 'showInAddressList', 'signInActivity',
  'signInSessionsValidFromDateTime', 'skills', 'state', 'streetAddress', 'surname', 'usageLocation', 'userPrincipalName',
  'userType',
];

/** Microsoft Graph v1.0 `group` properties. */
export const GRAPH_GROUP_PROPERTIES: readonly string[] = [
  'allowExternalSenders', 'assignedLabels', 'assignedLicenses', 'autoSubscribeNewMembers', 'classification',
  'createdDateTime', 'deletedDateTime', 'description', 'displayName', 'expirationDateTime', 'groupTypes',
  'hasMembersWithLicenseErrors', 'hideFromAddressLists', 'hideFromOutlookClients', 'id', 'isArchived',
  'isAssignableToRole', 'isManagementRestricted', 'isSubscribedByMail', 'licenseProcessingState', 'mail', 'mailEnabled',
  'mailNickname', 'membershipRule', 'membershipRuleProcessingState', 'onPremisesDomainName', 'onPremisesLastSyncDateTime',
  'onPremisesNetBiosName', 'onPremisesProvisioningErrors', 'onPremisesSamAccountName', 'onPremisesSecurityIdentifier',
  'onPremisesSyncEnabled', 'preferredDataLocation', 'preferredLanguage', 'proxyAddresses', 'renewedDateTime',
  'resourceBehaviorOptions', 'resourceProvisioningOptions', 'securityEnabled', 'securityIdentifier',
  'serviceProvisioningErrors', 'theme', 'uniqueName', 'unseenCount', 'visibility',
];

/** Names every source accepts: Entra's mapping-UI flag for soft-deleted objects. */
const ENGINE_NAMES = ['IsSoftDeleted'];
/**
 * Entra mapping-UI names provisiond translates (see sources/entra/attributes.ts), and
 * appRoleAssignments, which a job scoped by app reads from the app's assignments (mapping/roles.ts),
 * and manager, a navigation property the adapter reads through $expand (a reference: engine/references.ts).
 */
const ENTRA_ALIASES = ['objectId', 'appRoleAssignments', 'manager', ...Array.from({ length: 15 }, (_, i) => `extensionAttribute${i + 1}`)];
const ON_PREMISES_EXTENSION = /^(onPremisesExtensionAttributes\.)?extensionAttribute([1-9]|1[0-5])$/i;
/** A directory extension: extension_ + the owning app's appId without dashes + _ + the name. */
const DIRECTORY_EXTENSION = /^extension_[0-9a-f]{32}_[A-Za-z0-9_]+$/i;

/** Okta's base user profile attributes. */
export const OKTA_BASE_USER_PROFILE: readonly string[] = [
  'login', 'email', 'secondEmail', 'firstName', 'lastName', 'middleName', 'honorificPrefix', 'honorificSuffix', 'title',
  'displayName', 'nickName', 'profileUrl', 'primaryPhone', 'mobilePhone', 'streetAddress', 'city', 'state', 'zipCode',
  'postalAddress', 'countryCode', 'preferredLanguage', 'locale', 'timezone', 'userType', 'employeeNumber', 'costCenter',
  'organization', 'division', 'department', 'managerId', 'manager',
];
/** The user object's own fields the Okta adapter adds next to the profile (sources/okta/users.ts). */
const OKTA_USER_FIELDS = ['id', 'status', 'created', 'activated', 'statusChanged', 'lastLogin', 'lastUpdated', 'passwordChanged'];
/** Okta group profile attributes (OKTA_GROUP) and the group object's fields; imported APP_GROUPs add their app's. */
const OKTA_GROUP_ATTRIBUTES = ['name', 'description', 'displayName', 'id', 'type', 'created', 'lastUpdated', 'lastMembershipUpdated'];

/** What `validate --online` learnt of an Okta org: its custom user profile attributes. */
export interface OktaOrgSchema {
  readonly customUserAttributes: readonly string[];
}

export interface AttributeCheckOptions {
  /** Okta org schemas read online, by source name. Without one, unknown Okta user attributes are warnings. */
  readonly oktaSchemas?: ReadonlyMap<string, OktaOrgSchema>;
}

export interface AttributeCheck {
  readonly errors: ConfigIssue[];
  readonly warnings: ConfigIssue[];
}

interface Reference {
  readonly path: readonly PropertyKey[];
  readonly name: string;
  readonly resource: 'user' | 'group';
  /** Written as [name] inside an expression. */
  readonly bracketed: boolean;
}

/** Every source attribute name the job reads, each with the key path that names it. */
export function attributeReferences(job: JobConfig, index: number): Reference[] {
  const refs: Reference[] = [];
  const base = ['jobs', index];
  const fromMappings = (section: 'users' | 'groups', mappings: JobConfig['users']['mappings'], resource: 'user' | 'group') => {
    mappings.forEach((m, i) => {
      const path = [...base, section, 'mappings', i];
      if (m.source !== undefined) refs.push({ path: [...path, 'source'], name: m.source, resource, bracketed: false });
      if (m.expression !== undefined) {
        let names: readonly string[] = [];
        try {
          names = compileExpression(m.expression).attributes;
        } catch (error) {
          if (!(error instanceof ExpressionError)) throw error; // reported by the mapping compiler
        }
        for (const name of names) refs.push({ path: [...path, 'expression'], name, resource, bracketed: true });
      }
    });
  };
  fromMappings('users', job.users.mappings, 'user');
  job.users.match.forEach((rule, i) => refs.push({ path: [...base, 'users', 'match', i, 'source'], name: rule.source, resource: 'user', bracketed: false }));
  job.scope.filters.forEach((filter, i) => refs.push({ path: [...base, 'scope', 'filters', i, 'attribute'], name: filter.attribute, resource: 'user', bracketed: false }));
  if (job.groups !== false) {
    fromMappings('groups', job.groups.mappings, 'group');
    job.groups.match.forEach((rule, i) => refs.push({ path: [...base, 'groups', 'match', i, 'source'], name: rule.source, resource: 'group', bracketed: false }));
  }
  return refs;
}

/** Checks every job's source attribute names against its source's catalog. */
export function checkSourceAttributes(jobs: readonly JobConfig[], sources: Readonly<Record<string, SourceConfig>>, options: AttributeCheckOptions = {}): AttributeCheck {
  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  jobs.forEach((job, index) => {
    const source = sources[job.source];
    if (!source) return; // reported as an unknown source
    for (const ref of attributeReferences(job, index)) {
      const verdict = source.type === 'entra' ? entraVerdict(ref) : oktaVerdict(ref, options.oktaSchemas?.get(job.source));
      if (verdict === undefined) continue;
      (verdict.severity === 'error' ? errors : warnings).push({ path: ref.path, message: verdict.message });
    }
  });
  return { errors, warnings };
}

interface Verdict {
  readonly severity: 'error' | 'warning';
  readonly message: string;
}

function entraVerdict(ref: Reference): Verdict | undefined {
  const known = ref.resource === 'user' ? [...GRAPH_USER_PROPERTIES, ...ENTRA_ALIASES, ...ENGINE_NAMES] : [...GRAPH_GROUP_PROPERTIES, 'objectId', ...ENGINE_NAMES];
  if (isKnown(ref.name, known) || DIRECTORY_EXTENSION.test(ref.name)) return undefined;
  if (ref.resource === 'user' && ON_PREMISES_EXTENSION.test(ref.name)) return undefined;
  const extra = /^(onPremisesExtensionAttributes\.)?extensionAttribute\d+$/i.test(ref.name)
    ? '; on-premises extension attributes are extensionAttribute1 to extensionAttribute15'
    : /^extension_/i.test(ref.name)
      ? '; a directory extension is named extension_<appId without dashes>_<name>'
      : '';
  const suggestion = extra ? undefined : closestName(ref.name, known);
  return {
    severity: 'error',
    message: `${show(ref, ref.name)} is not a Microsoft Graph ${ref.resource} property${suggestion ? `; did you mean ${show(ref, suggestion)}?` : extra || ` (see https://learn.microsoft.com/graph/api/resources/${ref.resource})`}`,
  };
}

function oktaVerdict(ref: Reference, schema: OktaOrgSchema | undefined): Verdict | undefined {
  if (ref.resource === 'group') {
    if (isKnown(ref.name, [...OKTA_GROUP_ATTRIBUTES, ...ENGINE_NAMES])) return undefined;
    const suggestion = closestName(ref.name, OKTA_GROUP_ATTRIBUTES);
    return {
      severity: 'warning',
      message: `${show(ref, ref.name)} is not an Okta group attribute${suggestion ? `; did you mean ${show(ref, suggestion)}?` : ' (unless the group profile or the importing app defines it)'}`,
    };
  }
  const base = [...OKTA_BASE_USER_PROFILE, ...OKTA_USER_FIELDS, ...ENGINE_NAMES];
  const known = [...base, ...(schema?.customUserAttributes ?? [])];
  if (isKnown(ref.name, known)) return undefined;
  const suggestion = closestName(ref.name, known);
  const hint = suggestion ? `; did you mean ${show(ref, suggestion)}?` : '';
  if (schema) return { severity: 'error', message: `${show(ref, ref.name)} is neither in Okta's base user profile nor a custom attribute of the org's user schema${hint}` };
  return {
    severity: 'warning',
    message: `${show(ref, ref.name)} is not in Okta's base user profile${hint || '; if it is a custom attribute, `provisiond validate --online` checks it against the org\'s user schema'}`,
  };
}

function isKnown(name: string, known: readonly string[]): boolean {
  const lower = name.toLowerCase();
  return known.some((k) => k.toLowerCase() === lower);
}

function show(ref: Reference, name: string): string {
  return ref.bracketed ? `[${name}]` : `"${name}"`;
}
