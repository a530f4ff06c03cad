/**
 * What a SCIM app says about itself (RFC 7643 §5 ServiceProviderConfig, §7 Schemas), checked
 * before it is believed, and what that means for a job: which features the app offers and which
 * mapped target attributes its schemas do not declare. Pure; `validate --online` does the reads.
 */
import { z } from 'zod';
import type { MappingSet } from '../mapping/map.js';
import type { TargetPath } from '../mapping/paths.js';

const capability = z.looseObject({ supported: z.boolean() });

export const serviceProviderConfigSchema = z.looseObject({
  patch: capability.optional(),
  bulk: capability.extend({ maxOperations: z.number().int().nonnegative().optional(), maxPayloadSize: z.number().int().nonnegative().optional() }).optional(),
  filter: capability.extend({ maxResults: z.number().int().nonnegative().optional() }).optional(),
  changePassword: capability.optional(),
  sort: capability.optional(),
  etag: capability.optional(),
  /** RFC 9865 (cursor-based pagination) adds this; most apps do not send it. */
  pagination: z
    .looseObject({
      cursor: z.boolean().optional(),
      index: z.boolean().optional(),
      defaultPageSize: z.number().int().positive().optional(),
      maxPageSize: z.number().int().positive().optional(),
    })
    .optional(),
});

export type ServiceProviderConfig = z.output<typeof serviceProviderConfigSchema>;

interface SchemaAttribute {
  readonly name: string;
  readonly subAttributes?: readonly SchemaAttribute[];
}

const attributeSchema: z.ZodType<SchemaAttribute> = z.lazy(() =>
  z.looseObject({ name: z.string().min(1), subAttributes: z.array(attributeSchema).optional() }),
);

const scimSchemaSchema = z.looseObject({ id: z.string().min(1), name: z.string().optional(), attributes: z.array(attributeSchema) });

/** A ListResponse of Schemas; some apps answer with the bare array, which is read the same. */
export const schemasAnswerSchema = z.union([
  z.looseObject({ Resources: z.array(scimSchemaSchema) }).transform((answer) => answer.Resources),
  z.array(scimSchemaSchema),
]);

export type ScimSchemas = z.output<typeof schemasAnswerSchema>;

/** One line per feature, as `validate --online` prints them. */
export function describeSupport(config: ServiceProviderConfig): string {
  const yesNo = (c: { supported: boolean } | undefined) => (c === undefined ? 'not stated' : c.supported ? 'yes' : 'no');
  const parts = [
    `filter ${yesNo(config.filter)}${config.filter?.supported && config.filter.maxResults !== undefined ? ` (up to ${config.filter.maxResults} results)` : ''}`,
    `PATCH ${yesNo(config.patch)}`,
    `bulk ${yesNo(config.bulk)}${config.bulk?.supported && config.bulk.maxOperations !== undefined ? ` (up to ${config.bulk.maxOperations} operations)` : ''}`,
    `sort ${yesNo(config.sort)}`,
    `ETag ${yesNo(config.etag)}`,
  ];
  const page = config.pagination;
  const pageSize =
    page?.maxPageSize !== undefined || page?.defaultPageSize !== undefined
      ? `page size ${page.defaultPageSize ?? '?'} by default, up to ${page.maxPageSize ?? '?'}`
      : config.filter?.maxResults !== undefined
        ? `page size up to ${config.filter.maxResults}`
        : 'page size not stated';
  return `${parts.join(', ')}; ${pageSize}`;
}

/** What provisiond needs that the app says it does not offer: each is a cycle that would fail. */
export function missingFeatures(config: ServiceProviderConfig): string[] {
  const missing: string[] = [];
  if (config.patch?.supported === false) missing.push('the app says it does not support PATCH, which every update and membership change uses');
  if (config.filter?.supported === false) missing.push('the app says it does not support filters, which first contact uses to find existing users (users.match)');
  return missing;
}

const CORE = { user: 'urn:ietf:params:scim:schemas:core:2.0:User', group: 'urn:ietf:params:scim:schemas:core:2.0:Group' } as const;
/** RFC 7643 §3.1: attributes of every resource, which core schemas need not list. */
const COMMON_ATTRIBUTES = new Set(['id', 'externalid', 'meta', 'schemas']);

export interface UndeclaredTarget {
  readonly path: string;
  /** The mapping's position in its list; undefined for the customJson path. */
  readonly mapping?: number;
}

/** The mapped target attributes (and the customJson path) the app's schemas do not declare. */
export function undeclaredTargets(set: MappingSet, resource: 'user' | 'group', schemas: ScimSchemas): UndeclaredTarget[] {
  const byId = new Map(schemas.map((s) => [s.id.toLowerCase(), s]));
  const targets: { target: TargetPath; mapping?: number }[] = [
    ...set.mappings.map((m) => ({ target: m.target, mapping: m.index })),
    ...(set.customJson ? [{ target: set.customJson }] : []),
  ];
  return targets
    .filter(({ target }) => !isDeclared(target, byId.get((target.schema ?? CORE[resource]).toLowerCase())))
    .map(({ target, mapping }) => (mapping === undefined ? { path: target.text } : { path: target.text, mapping }));
}

function isDeclared(path: TargetPath, schema: { readonly attributes: readonly SchemaAttribute[] } | undefined): boolean {
  if (!path.schema && COMMON_ATTRIBUTES.has(path.attribute.toLowerCase())) return true;
  if (!schema) return false;
  const attribute = findAttribute(schema.attributes, path.attribute);
  if (!attribute) return false;
  const subAttribute = path.subAttribute ?? (path.filter ? 'value' : undefined);
  // An attribute declared without sub-attributes tells nothing about them: believe the mapping.
  if (subAttribute === undefined || !attribute.subAttributes || attribute.subAttributes.length === 0) return true;
  return findAttribute(attribute.subAttributes, subAttribute) !== undefined;
}

function findAttribute(attributes: readonly SchemaAttribute[], name: string): SchemaAttribute | undefined {
  const lower = name.toLowerCase();
  return attributes.find((a) => a.name.toLowerCase() === lower);
}
