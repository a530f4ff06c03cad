/**
 * Descriptions of config keys for the JSON Schema (editor hovers), where the zod schema has no
 * `.describe()`. Keyed by property path as json-schema.ts walks it: `jobs[].target.url`; a
 * record's entries are `*` (`sources.*.type`), and the branches of a union share one path. A
 * description set with `.describe()` in schema.ts wins. test/config/json-schema.test.ts names
 * every property that has neither.
 */
const mapping = (resource: 'user' | 'group'): Record<string, string> => {
  const base = resource === 'user' ? 'jobs[].users.mappings' : 'jobs[].groups.mappings';
  return {
    [base]: `How each ${resource} attribute in the app is computed from the source ${resource}; each entry sets one target attribute`,
    [`${base}[].constant`]: 'A fixed value sent for every object',
    [`${base}[].apply`]: '"always": sent on create and kept in sync by updates; "on-create": sent in the create only, never updated',
    [`${base}[].default`]: 'Value sent when the source value is null or empty',
    [`${base}[].required`]: 'When true, an empty value skips the object with an error naming the attribute instead of sending it without',
  };
};

export const PROPERTY_DESCRIPTIONS: Readonly<Record<string, string>> = {
  state: 'Where provisiond keeps its snapshot of what it sent',
  'state.path': 'SQLite file of the snapshot, run log and cursors; keep it on a persistent volume (default /data/provisiond.db)',
  schedule: 'When cycles run; a job may override it with its own schedule (default every 40m)',
  'schedule.fullSyncEvery': 'Longest time between two full reads of the directory; cycles in between read only changes (default 24h)',
  server: 'The HTTP endpoint: /healthz, /readyz, /metrics and POST /sync',
  log: 'Logging',
  'log.level': 'Least severe log level written (default info)',

  sources: 'Identity providers to read, by name; jobs refer to them by that name',
  'sources.*.type': '"entra" (Microsoft Entra ID through Microsoft Graph) or "okta" (Okta Management API)',
  'sources.*.tenantId': 'Directory (tenant) id of the Entra tenant',
  'sources.*.clientId': 'Entra: application (client) id of the app registration. Okta: client id of the OAuth 2.0 service app',
  'sources.*.certificatePassword': 'Passphrase of an encrypted certificatePath PEM; use ${ENV_VAR} or ${file:/run/secrets/name}',
  'sources.*.cloud': 'National cloud whose Graph and login endpoints are used: global, usgov, usgov-dod or china',
  'sources.*.pageSize': 'Objects per page read (Entra $top up to 999, Okta limit up to 200)',
  'sources.*.maxRetries': 'Retries of a failed read (5xx, network errors) before the read fails; throttling is always waited out',

  jobs: 'Provisioning jobs: each reads one source and provisions one SCIM app',
  'jobs[].name': 'Unique job name, used in logs, metrics, --job and the state database',
  'jobs[].scope': 'Which users the job provisions: all by default, or members of groups, or users assigned to the app, narrowed by filters',
  'jobs[].scope.filters': 'Entra-style scoping filters on source attributes; a user is in scope when all of them hold',
  'jobs[].scope.filters[].attribute': 'Source attribute the filter reads (e.g. department, userType)',
  'jobs[].scope.filters[].operator': 'How the attribute is compared; REGEX MATCH takes a .NET regular expression such as "(?i)^sales"',
  'jobs[].scope.filters[].value': 'Value to compare with; not used by IS TRUE, IS FALSE, IS NULL and IS NOT NULL',
  'jobs[].target': 'The SCIM 2.0 app this job provisions',
  'jobs[].target.concurrency': 'SCIM requests in flight at once (default 4)',
  'jobs[].target.compat': '"scim": RFC 7644 PATCH (lowercase ops, JSON booleans); "entra-legacy": Entra\'s older shape ("Add"/"Replace", "False" strings)',
  'jobs[].target.timeout': 'Time a SCIM request may take (connection, headers and body) before it is retried (default 30s)',
  'jobs[].target.maxRetries': 'Retries of a SCIM request answered 408, 429 or 5xx, or timed out (default 5)',
  'jobs[].users': 'How users are matched, mapped and deprovisioned',
  ...mapping('user'),
  'jobs[].users.deprovision': 'What happens to a linked user, per reason it is no longer provisioned',
  'jobs[].users.deprovision.outOfScope': 'A user who left the job\'s scope: disable (default), delete or ignore',
  'jobs[].users.deprovision.disabled': 'A user disabled in the IdP: disable (default), delete or ignore',
  'jobs[].users.deprovision.softDeleted': 'A user soft-deleted in the IdP (Entra deleted items, Okta DEPROVISIONED): disable (default), delete or ignore',
  'jobs[].users.deprovision.hardDeleted': 'A user gone from the IdP: delete (default), disable or ignore',
  'jobs[].groups': 'Group provisioning; omit or set false for apps without group support',
  ...mapping('group'),
  'jobs[].groups.deprovision': 'What happens to a provisioned group that is no longer provisioned',
  'jobs[].groups.deprovision.outOfScope': 'A group that left the job\'s scope: delete (default) or ignore',
  'jobs[].groups.deprovision.hardDeleted': 'A group gone from the IdP: delete (default) or ignore',
  'jobs[].safety': 'Safety guards against mass deprovisioning',
};
