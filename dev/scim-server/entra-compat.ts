import type { NextFunction, Request, Response } from 'express';
import SCIMMY from 'scimmy';

type Definition = SCIMMY.Types.SchemaDefinition;

/**
 * Entra ID's provisioning service (and apps built against it) sends PATCH
 * booleans as the strings "True"/"False" — e.g.
 *   {"op":"Replace","path":"active","value":"False"}
 * scimmy accepts Entra's capitalised op names itself but rejects a string
 * where the schema says boolean. Real SCIM apps tolerate this shape because
 * Entra sends it, so this middleware rewrites such values to booleans, using
 * the resource's schema to know which attributes are boolean.
 *
 * Entra's default dialect also sends a reference (the enterprise manager) as the bare id, in
 * creates and updates, where RFC 7643 §4.3 has a complex `{"value": id}`; apps tested against
 * Entra take both, so a string where the schema says complex becomes `{"value": …}`.
 */
export function normaliseEntraPatch(req: Request, res: Response, next: NextFunction): void {
  const definition = definitionFor(req.path);
  const body: unknown = req.body;
  // The request log shows what the client sent, not what the app made of it.
  res.locals.sentBody = body;
  if ((req.method === 'POST' || req.method === 'PUT') && definition && isObject(body)) {
    req.body = coerceBooleans(body, definition, '');
  } else if (req.method === 'PATCH' && definition && isObject(body) && Array.isArray(body['Operations'])) {
    req.body = { ...body, Operations: body['Operations'].map((operation: unknown) => {
      if (!isObject(operation)) return operation;
      const path = typeof operation['path'] === 'string' ? operation['path'] : '';
      return operation['value'] === undefined ? operation : { ...operation, value: coerceBooleans(operation['value'], definition, path) };
    }) };
  }
  next();
}

function definitionFor(path: string): Definition | undefined {
  if (/^\/Users(\/|$)/i.test(path)) return SCIMMY.Schemas.User.definition;
  if (/^\/Groups(\/|$)/i.test(path)) return SCIMMY.Schemas.Group.definition;
  return undefined;
}

function attributeType(definition: Definition, path: string): string | undefined {
  if (path === '') return undefined;
  try {
    // Drop value filters: emails[type eq "work"].primary -> emails.primary
    const attribute = definition.attribute(path.replace(/\[[^\]]*\]/g, '')) as unknown;
    if (attribute instanceof SCIMMY.Types.SchemaDefinition) return 'extension';
    return String((attribute as { type?: unknown }).type);
  } catch {
    return undefined;
  }
}

function coerceBooleans(value: unknown, definition: Definition, path: string): unknown {
  const type = attributeType(definition, path);
  if (type === 'boolean' && typeof value === 'string' && /^(true|false)$/i.test(value)) {
    return value.toLowerCase() === 'true';
  }
  if (type === 'complex' && typeof value === 'string') return { value };
  if (Array.isArray(value)) return value.map((v) => coerceBooleans(v, definition, path));
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      // Keys of a path-less value are full paths ("name.givenName", "urn:...:User:department").
      const childPath = path === '' ? key : type === 'extension' ? `${path}:${key}` : `${path}.${key}`;
      out[key] = coerceBooleans(child, definition, childPath);
    }
    return out;
  }
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Entra sends each app role as {"primary": …, "type": "WindowsAzureActiveDirectoryRole", …}.
 * RFC 7643 gives roles.type no canonical values; scimmy reads that as "none allowed" and refuses
 * every type. Apps built against Entra take Entra's, so the server does too.
 */
export function acceptEntraRoleTypes(): void {
  const type = SCIMMY.Schemas.User.definition.attribute('roles.type') as unknown as { config: { canonicalValues: unknown } };
  type.config.canonicalValues = false;
}
