/**
 * The config file's schema: the single source of truth for config types. Every object is strict,
 * because a typo'd key that is silently ignored is a mapping that silently never runs.
 */
import { validate as isCronExpression } from 'node-cron';
import { z } from 'zod';
import { DURATION_PATTERN, parseDuration } from './duration.js';

const duration = z
  .string()
  // A pattern rather than a refinement, so the JSON Schema checks durations too.
  .regex(DURATION_PATTERN, { message: 'expected a duration such as "30s", "40m", "24h" or "7d"' })
  .transform((s) => parseDuration(s) as number);

/** A count ("50") or a share of the linked objects ("5%"). */
const countOrPercent = z.union([
  z.number().int().nonnegative(),
  z
    .string()
    .regex(/^\d+(\.\d+)?%$/, { message: 'expected a count such as 50 or a percentage such as "5%"' }),
]);

const nonEmpty = z.string().min(1, { message: 'must not be empty' });

export const DEFAULT_SCHEDULE_EVERY_MS = 40 * 60_000;

const cronExpression = z.string().refine((s) => isCronExpression(s), {
  message: 'expected a cron expression such as "*/40 * * * *" (minute hour day-of-month month day-of-week, with an optional leading seconds field)',
});

const scheduleTriggers = {
  every: duration.optional().describe('Time from one cycle start to the next, e.g. "40m"'),
  cron: cronExpression.optional().describe('Cron expression for cycle starts, e.g. "0 */2 * * *"; instead of "every"'),
};

/** A job either runs on an interval or on a cron expression; both at once has no clear meaning. */
function atMostOneTrigger(schedule: { every?: number; cron?: string }, ctx: z.RefinementCtx): void {
  if (schedule.every !== undefined && schedule.cron !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['cron'], message: 'set either "every" or "cron", not both' });
  }
}

const jobScheduleSchema = z
  .strictObject(scheduleTriggers)
  .superRefine((schedule, ctx) => {
    atMostOneTrigger(schedule, ctx);
    if (schedule.every === undefined && schedule.cron === undefined) ctx.addIssue({ code: 'custom', message: 'set "every" or "cron"' });
  })
  .describe('Overrides the top-level schedule for this job');

const scheduleSchema = z
  .strictObject({
    ...scheduleTriggers,
    timezone: z
      .string()
      .refine((zone) => isTimeZone(zone), { message: 'expected an IANA time zone such as "UTC" or "Europe/Berlin"' })
      .optional()
      .describe('Time zone of cron expressions (default: the process time zone, UTC in the container image)'),
    fullSyncEvery: duration.default(24 * 3_600_000),
    reconcileEvery: duration.optional().describe('How often the daemon reconciles each job with what its app really holds (a report, or a repair with jobs[].reconcile.repair); off by default'),
  })
  .superRefine(atMostOneTrigger)
  .transform((schedule) => (schedule.every === undefined && schedule.cron === undefined ? { ...schedule, every: DEFAULT_SCHEDULE_EVERY_MS } : schedule));

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const serverSchema = z.strictObject({
  port: z.number().int().min(0).max(65_535).default(8080).describe('Port of /healthz, /readyz, /metrics and POST /sync; 0 picks a free one (logged)'),
  host: nonEmpty.optional().describe('Bind address; default $PROVISIOND_HOST, else 127.0.0.1 (the container image sets 0.0.0.0)'),
  token: z
    .string()
    // A refinement, not .min(): the JSON Schema describes the file, where "${SYNC_TOKEN}" may be shorter than the token.
    .refine((token) => token.length >= 16, { message: 'use a random token of at least 16 characters' })
    .optional()
    .describe('Bearer token POST /sync requires; without one POST /sync refuses every request. Use ${ENV_VAR} or ${file:/run/secrets/name}'),
  shutdownTimeout: duration.default(25_000).describe('On SIGTERM/SIGINT, how long in-flight cycles may take to finish before provisiond exits anyway'),
});

const entraSource = z.strictObject({
  type: z.literal('entra'),
  tenantId: nonEmpty,
  clientId: nonEmpty,
  clientSecret: nonEmpty.optional().describe('Client secret; use ${ENV_VAR} or ${file:/run/secrets/name}'),
  certificatePath: nonEmpty.optional().describe('PEM file holding the certificate and its private key'),
  certificatePassword: nonEmpty.optional(),
  cloud: z.enum(['global', 'usgov', 'usgov-dod', 'china']).default('global'),
  graphUrl: z.url().optional().describe('Overrides the cloud’s Graph endpoint, e.g. https://graph.microsoft.com/v1.0'),
  authorityHost: z.url().optional().describe('Overrides the cloud’s login host, e.g. https://login.microsoftonline.com'),
  pageSize: z.number().int().min(1).max(999).default(999),
  maxRetries: z.number().int().min(0).max(20).default(6),
});

const oktaSource = z.strictObject({
  type: z.literal('okta'),
  orgUrl: z
    .url()
    .refine((url) => !URL.canParse(url) || !/^[^.]+-admin\./i.test(new URL(url).hostname), {
      message: 'this is the Admin Console URL; use the org URL without "-admin", e.g. https://acme.okta.com',
    })
    .describe('The Okta org, e.g. https://acme.okta.com'),
  token: nonEmpty.optional().describe('API token, sent as "SSWS <token>"; use ${ENV_VAR} or ${file:/run/secrets/name}. Or clientId + privateKeyPath'),
  clientId: nonEmpty.optional().describe('OAuth 2.0 service app client id (private key JWT); with privateKeyPath'),
  privateKeyPath: nonEmpty.optional().describe('PEM file with the service app’s RSA private key'),
  keyId: nonEmpty.optional().describe('kid of the key as registered on the service app'),
  scopes: z
    .array(nonEmpty)
    .min(1)
    .optional()
    .describe('OAuth scopes to request; default okta.users.read okta.groups.read okta.apps.read'),
  stagedUsers: z
    .enum(['enabled', 'disabled'])
    .default('enabled')
    .describe('Whether STAGED and PROVISIONED users (created, not yet activated) count as enabled'),
  pageSize: z.number().int().min(1).max(200).default(200),
  maxRetries: z.number().int().min(0).max(20).default(6).describe('Retries of 5xx answers and network errors; 429s are always waited out'),
  incrementalOverlap: duration
    .default(5 * 60_000)
    .describe('Incremental reads look back this much before the cursor, so a change at the boundary is read again rather than missed'),
});

export const sourceSchema = z.discriminatedUnion('type', [entraSource, oktaSource]);

const mappingSchema = z
  .strictObject({
    target: nonEmpty.describe('SCIM attribute path, e.g. name.givenName or emails[type eq "work"].value'),
    source: nonEmpty.optional().describe('Source attribute name (direct mapping)'),
    constant: z.union([z.string(), z.number(), z.boolean()]).optional(),
    expression: nonEmpty.optional().describe('Entra expression, e.g. Join(" ", [givenName], [surname])'),
    apply: z.enum(['always', 'on-create']).default('always'),
    default: z.union([z.string(), z.number(), z.boolean()]).optional(),
    required: z.boolean().default(false),
    type: z.enum(['string', 'boolean', 'integer', 'decimal']).optional().describe('SCIM type to coerce the value to'),
    onEmpty: z
      .enum(['keep', 'clear'])
      .optional()
      .describe('When the value becomes empty (null or ""): keep what the app holds (the default, as Entra does), or clear it with a PATCH remove'),
  })
  .superRefine((m, ctx) => {
    if (m.onEmpty === 'clear' && m.apply === 'on-create') {
      ctx.addIssue({
        code: 'custom',
        path: ['onEmpty'],
        message: 'onEmpty: clear needs updates, and apply: on-create sends none; use apply: always, or drop onEmpty',
      });
    }
    const kinds = (['source', 'constant', 'expression'] as const).filter((k) => m[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          kinds.length === 0
            ? 'a mapping needs one of "source", "constant" or "expression"'
            : `a mapping takes only one of "source", "constant" or "expression", not ${kinds.map((k) => `"${k}"`).join(' and ')}`,
      });
    }
  });

const matchRule = z.strictObject({
  target: nonEmpty.describe('SCIM attribute to filter on, e.g. userName or externalId'),
  source: nonEmpty.describe('Source attribute whose value is looked up'),
});

const deprovisionAction = z.enum(['disable', 'delete', 'ignore']);

const scopeFilter = z.strictObject({
  attribute: nonEmpty,
  operator: z.enum(['EQUALS', 'NOT EQUALS', 'IS TRUE', 'IS FALSE', 'IS NULL', 'IS NOT NULL', 'STARTS WITH', 'ENDS WITH', 'REGEX MATCH']),
  value: z.union([z.string(), z.number(), z.boolean()]).optional(),
});

const groupDeprovisionAction = z.enum(['delete', 'ignore']);

const groupsSchema = z
  .strictObject({
    from: z
      .enum(['scope', 'all'])
      .default('scope')
      .describe('"scope": the groups named in scope.groups (and, for app-assignment scopes, the groups assigned to the app); "all": every group'),
    match: z
      .array(matchRule)
      .min(1)
      // displayName alone, as Entra looks groups up: apps need not filter on externalId (RFC 7644 §3.4.2.2).
      .default([{ target: 'displayName', source: 'displayName' }])
      .describe('How a group that already exists in the app is found on first contact, in order; a rule the app refuses (400 invalidFilter, 501) is skipped'),
    mappings: z
      .array(mappingSchema)
      .min(1)
      .default([
        { target: 'displayName', source: 'displayName', apply: 'always', required: true },
        { target: 'externalId', source: 'id', apply: 'always', required: false },
      ]),
    batchSize: z.number().int().min(1).max(1000).default(50).describe('Members per PATCH request'),
    deprovision: z
      .strictObject({
        outOfScope: groupDeprovisionAction.default('delete'),
        hardDeleted: groupDeprovisionAction.default('delete'),
      })
      .default({ outOfScope: 'delete', hardDeleted: 'delete' }),
  })
  .describe('Group provisioning; omit or set false for apps without group support');

const jobSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, {
    message: 'expected a name of letters, digits, "-", "_" or "." (it is used in logs, metrics and the state database)',
  }),
  source: nonEmpty.describe('Name of an entry under "sources"'),
  scope: z
    .strictObject({
      groups: z.array(nonEmpty).optional().describe('Group ids or display names; members (nested included) are in scope'),
      app: nonEmpty
        .optional()
        .describe('App id (Okta: 0oa…); users assigned to it, directly or through a group, are in scope. With groups, a user must satisfy both'),
      filters: z.array(scopeFilter).default([]),
    })
    .default({ filters: [] }),
  target: z.strictObject({
    url: z.url().describe('SCIM base URL, with or without a trailing slash'),
    token: nonEmpty.describe('Bearer token; use ${ENV_VAR} or ${file:/run/secrets/name}'),
    concurrency: z.number().int().min(1).max(64).default(4),
    compat: z.enum(['scim', 'entra-legacy']).default('scim'),
    timeout: duration.default(30_000),
    maxRetries: z.number().int().min(0).max(20).default(5),
  }),
  schedule: jobScheduleSchema.optional(),
  users: z.strictObject({
    match: z
      .array(matchRule)
      .min(1)
      .optional()
      .describe('How a user that already exists in the app is found on first contact; default userName ← the sign-in name (Entra userPrincipalName, Okta login)'),
    mappings: z.array(mappingSchema).min(1, { message: 'a job needs at least one user mapping (userName)' }),
    customJson: nonEmpty.optional().describe('Target path of a string attribute carrying custom attributes as JSON on create'),
    deprovision: z
      .strictObject({
        outOfScope: deprovisionAction.default('disable'),
        disabled: deprovisionAction.default('disable'),
        softDeleted: deprovisionAction.default('disable'),
        hardDeleted: deprovisionAction.default('delete'),
      })
      .default({ outOfScope: 'disable', disabled: 'disable', softDeleted: 'disable', hardDeleted: 'delete' }),
  }),
  groups: z.union([z.literal(false), groupsSchema]).default(false),
  reconcile: z
    .strictObject({
      ignore: z.array(nonEmpty).default([]).describe('Target attribute paths reconcile never reports as drift (attributes the app rewrites, e.g. a reformatted phone number)'),
      repair: z.boolean().default(false).describe('Scheduled reconciliation (schedule.reconcileEvery) repairs drift and missing objects instead of only reporting them'),
    })
    .default({ ignore: [], repair: false })
    .describe('provisiond reconcile: compare the app with the desired state'),
  safety: z
    .strictObject({
      maxDeletes: countOrPercent.default('5%').describe('Most disables plus deletes one cycle may send: a count, or a percentage of the linked objects that never allows fewer than 10'),
      maxSourceDrop: countOrPercent.default('20%').describe('A read this much smaller than the previous one computes no deprovisioning'),
      maxAttempts: z.number().int().min(1).max(1000).default(10).describe('Failed attempts of one operation before it is parked until its source object changes'),
    })
    .default({ maxDeletes: '5%', maxSourceDrop: '20%', maxAttempts: 10 }),
});

export const configSchema = z.strictObject({
  state: z.strictObject({ path: nonEmpty.default('/data/provisiond.db') }).default({ path: '/data/provisiond.db' }),
  schedule: scheduleSchema.default({ every: DEFAULT_SCHEDULE_EVERY_MS, fullSyncEvery: 24 * 3_600_000 }),
  server: serverSchema.default({ port: 8080, shutdownTimeout: 25_000 }),
  log: z.strictObject({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info') }).default({ level: 'info' }),
  sources: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/), sourceSchema),
  jobs: z.array(jobSchema).min(1, { message: 'define at least one job' }),
}).transform((config) => ({
  ...config,
  jobs: config.jobs.map((job) => ({
    ...job,
    users: { ...job.users, match: job.users.match ?? defaultUserMatch(config.sources[job.source]?.type) },
  })),
}));

/** Users are matched by their sign-in name, which each IdP calls differently. */
function defaultUserMatch(sourceType: string | undefined): { target: string; source: string }[] {
  return [{ target: 'userName', source: sourceType === 'okta' ? 'login' : 'userPrincipalName' }];
}

export type Config = z.output<typeof configSchema>;
export type SourceConfig = z.output<typeof sourceSchema>;
export type EntraSourceConfig = z.output<typeof entraSource>;
export type OktaSourceConfig = z.output<typeof oktaSource>;
export type JobConfig = Config['jobs'][number];
export type MappingConfig = z.output<typeof mappingSchema>;
export type MatchRuleConfig = z.output<typeof matchRule>;
export type ScopeFilterConfig = z.output<typeof scopeFilter>;
export type DeprovisionAction = z.output<typeof deprovisionAction>;
export type DeprovisionRules = JobConfig['users']['deprovision'];
export type CountOrPercent = z.output<typeof countOrPercent>;
export type GroupsConfig = z.output<typeof groupsSchema>;
export type ScheduleConfig = z.output<typeof scheduleSchema>;
export type JobScheduleConfig = z.output<typeof jobScheduleSchema>;
export type ServerConfig = z.output<typeof serverSchema>;
