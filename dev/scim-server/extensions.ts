import SCIMMY from 'scimmy';

const { Attribute, SchemaDefinition } = SCIMMY.Types;

/** A User schema extension described as plain data, so callers need not import scimmy. */
export interface ScimExtensionSpec {
  /** scimmy only accepts ids under urn:ietf:params:scim:schemas: (e.g. ...:extension:acme:2.0:User). */
  id: string;
  name: string;
  description?: string;
  attributes: ScimAttributeSpec[];
}

export interface ScimAttributeSpec {
  name: string;
  type: 'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'complex';
  multiValued?: boolean;
  caseExact?: boolean;
  required?: boolean;
  subAttributes?: ScimAttributeSpec[];
}

export const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** The custom extensions Flip's SCIM API declares for users. */
export const FLIP_EXTENSIONS: readonly ScimExtensionSpec[] = [
  {
    id: 'urn:ietf:params:scim:schemas:extension:flip:location:2.0:User',
    name: 'FlipLocation',
    description: 'Flip user location',
    attributes: [{ name: 'value', type: 'string' }],
  },
  {
    id: 'urn:ietf:params:scim:schemas:extension:flip:custom:2.0:User',
    name: 'FlipCustom',
    description: 'Flip custom user attributes',
    attributes: [
      {
        name: 'attributes',
        type: 'complex',
        multiValued: true,
        subAttributes: [
          { name: 'technicalName', type: 'string' },
          { name: 'value', type: 'string' },
        ],
      },
    ],
  },
  {
    id: 'urn:ietf:params:scim:schemas:extension:flip:customJson:2.0:User',
    name: 'FlipCustomJson',
    description: 'Flip custom user attributes as a JSON string',
    attributes: [{ name: 'value', type: 'string' }],
  },
];

function toAttribute(spec: ScimAttributeSpec): SCIMMY.Types.Attribute {
  const config: SCIMMY.Types.Attribute.AttributeConfig = {
    multiValued: spec.multiValued ?? false,
    required: spec.required ?? false,
    ...(spec.caseExact === undefined ? {} : { caseExact: spec.caseExact }),
  };
  return new Attribute(spec.type, spec.name, config, (spec.subAttributes ?? []).map(toAttribute));
}

/**
 * Registers extensions on scimmy's User resource. scimmy's schema registry is
 * process-wide, so this is idempotent: every server in the process shares the
 * same User schema and an extension is only added once.
 */
export function declareUserExtensions(specs: readonly ScimExtensionSpec[]): void {
  const userSchema = SCIMMY.Schemas.User.definition;
  const existing = new Set(userSchema.attributes.filter((a) => a instanceof SchemaDefinition).map((d) => (d as SCIMMY.Types.SchemaDefinition).id));
  if (!existing.has(ENTERPRISE_USER)) userSchema.extend(SCIMMY.Schemas.EnterpriseUser.definition, false);
  for (const spec of specs) {
    if (existing.has(spec.id)) continue;
    const definition = new SchemaDefinition(spec.name, spec.id, spec.description ?? spec.name, spec.attributes.map(toAttribute));
    userSchema.extend(definition, false);
    existing.add(spec.id);
  }
}
