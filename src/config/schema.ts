/**
 * The config file's schema: the single source of truth for config types. Every object is strict,
 * because a typo'd key that is silently ignored is a mapping that silently never runs.
 */
import { z } from 'zod';
import { parseDuration } from './duration.js';

const duration = z
  .string()
  .refine((s) => parseDuration(s) !== undefined, {
    message: 'expected a duration such as "30s", "40m", "24h" or "7d"',
  })
  .transform((s) => parseDuration(s) as number);

/** A count ("50") or a share of the linked objects ("5%"). */
const countOrPercent = z.union([
  z.number().int().nonnegative(),
  z
    .string()
    .regex(/^\d+(\.\d+)?%$/, { message: 'expected a count such as 50 or a percentage such as "5%"' }),
]);

const nonEmpty = z.string().min(1, { message: 'must not be empty' });

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

export const sourceSchema = z.discriminatedUnion('type', [entraSource]);

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
  })
  .superRefine((m, ctx) => {
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

const jobSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, {
    message: 'expected a name of letters, digits, "-", "_" or "." (it is used in logs, metrics and the state database)',
  }),
  source: nonEmpty.describe('Name of an entry under "sources"'),
  scope: z
    .strictObject({
      groups: z.array(nonEmpty).optional().describe('Group ids or display names; members (nested included) are in scope'),
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
  users: z.strictObject({
    match: z.array(matchRule).min(1).default([{ target: 'userName', source: 'userPrincipalName' }]),
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
  safety: z
    .strictObject({
      maxDeletes: countOrPercent.default('5%').describe('Most disables plus deletes one cycle may send'),
      maxSourceDrop: countOrPercent.default('20%').describe('A read this much smaller than the snapshot computes no deprovisioning'),
    })
    .default({ maxDeletes: '5%', maxSourceDrop: '20%' }),
});

export const configSchema = z.strictObject({
  state: z.strictObject({ path: nonEmpty.default('/data/provisiond.db') }).default({ path: '/data/provisiond.db' }),
  schedule: z
    .strictObject({ every: duration.default(40 * 60_000), fullSyncEvery: duration.default(24 * 3_600_000) })
    .default({ every: 40 * 60_000, fullSyncEvery: 24 * 3_600_000 }),
  log: z.strictObject({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info') }).default({ level: 'info' }),
  sources: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/), sourceSchema),
  jobs: z.array(jobSchema).min(1, { message: 'define at least one job' }),
});

export type Config = z.output<typeof configSchema>;
export type SourceConfig = z.output<typeof sourceSchema>;
export type EntraSourceConfig = z.output<typeof entraSource>;
export type JobConfig = z.output<typeof jobSchema>;
export type MappingConfig = z.output<typeof mappingSchema>;
export type MatchRuleConfig = z.output<typeof matchRule>;
export type ScopeFilterConfig = z.output<typeof scopeFilter>;
export type DeprovisionAction = z.output<typeof deprovisionAction>;
export type DeprovisionRules = JobConfig['users']['deprovision'];
export type CountOrPercent = z.output<typeof countOrPercent>;
