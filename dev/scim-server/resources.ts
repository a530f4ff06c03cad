import SCIMMY from 'scimmy';
import { acceptEntraRoleTypes } from './entra-compat.js';
import { declareUserExtensions, FLIP_EXTENSIONS } from './extensions.js';
import { ScimStore, StoreError, type ResourceKind, type ScimResource } from './store.js';
import { applyFlipCustomJson } from './flip-custom-json.js';

type Definition = SCIMMY.Types.SchemaDefinition;
type ScimFilter = SCIMMY.Types.Filter;

let declared = false;

/**
 * Declares User and Group on scimmy's process-wide registry, once. The
 * handlers find the right server's data in the request context (a
 * ScimStore), so several servers can live in one process.
 */
export function declareResources(): void {
  if (declared) return;
  declared = true;
  declareUserExtensions(FLIP_EXTENSIONS);
  acceptEntraRoleTypes();
  for (const [Resource, kind] of [
    [SCIMMY.Resources.User, 'User'],
    [SCIMMY.Resources.Group, 'Group'],
  ] as const) {
    const definition = Resource.schema.definition;
    // scimmy's handler types are generic over schema instances; ours work on plain JSON.
    (Resource as unknown as HandlerSetters)
      .ingress((resource, instance, ctx) => save(kind, resource, instance, ctx))
      .egress((resource, ctx) => read(kind, definition, resource, ctx))
      .degress((resource, ctx) => dispose(kind, resource, ctx));
    if (!SCIMMY.Resources.declared(Resource)) SCIMMY.Resources.declare(Resource);
  }
}

interface ResourceView {
  id?: string;
  filter?: ScimFilter;
}

interface HandlerSetters {
  ingress(handler: (resource: ResourceView, instance: unknown, ctx: unknown) => ScimResource): HandlerSetters;
  egress(handler: (resource: ResourceView, ctx: unknown) => ScimResource | ScimResource[]): HandlerSetters;
  degress(handler: (resource: ResourceView, ctx: unknown) => void): HandlerSetters;
}

/** scimmy's typings want a string scimType, but null ("no keyword") is what it uses itself. */
function scimError(status: number, scimType: string | null, message: string): Error {
  return new SCIMMY.Types.Error(status, scimType as string, message);
}

function storeOf(ctx: unknown): ScimStore {
  if (!(ctx instanceof ScimStore)) throw scimError(500, null, 'SCIM request has no store context');
  return ctx;
}

function asScimError(error: unknown): never {
  if (error instanceof StoreError) throw scimError(error.status, error.scimType, error.message);
  throw error;
}

function save(kind: ResourceKind, resource: ResourceView, instance: unknown, ctx: unknown): ScimResource {
  // The schema instance's toJSON drops anything the schema does not define.
  const data = JSON.parse(JSON.stringify(instance)) as Record<string, unknown>;
  if (kind === 'Group' && Array.isArray(data['members'])) data['members'] = uniqueMembers(data['members']);
  // customJson carries custom attributes on create only (Flip's Entra workaround): applied again on a
  // later PATCH, the create-time JSON the user still holds would undo updates to the custom extension.
  if (kind === 'User' && resource.id === undefined) applyFlipCustomJson(data);
  try {
    return storeOf(ctx).save(kind, resource.id, data);
  } catch (error) {
    return asScimError(error);
  }
}

function read(kind: ResourceKind, definition: Definition, resource: ResourceView, ctx: unknown): ScimResource | ScimResource[] {
  const store = storeOf(ctx);
  if (resource.id !== undefined) {
    const found = store.get(kind, resource.id);
    if (!found) throw scimError(404, null, `Resource ${resource.id} not found`);
    return found;
  }
  const all = store.list(kind);
  return resource.filter ? matchIgnoringCase(resource.filter, all, definition) : all;
}

function dispose(kind: ResourceKind, resource: ResourceView, ctx: unknown): void {
  if (resource.id === undefined || !storeOf(ctx).remove(kind, resource.id)) {
    throw scimError(404, null, `Resource ${String(resource.id)} not found`);
  }
}

/** Adding someone who is already a member is a no-op in apps, not a duplicate entry. */
function uniqueMembers(members: unknown[]): unknown[] {
  const seen = new Set<unknown>();
  return members.filter((m) => {
    const key = typeof m === 'object' && m !== null ? (m as Record<string, unknown>)['value'] : m;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// ---- case-insensitive filtering -------------------------------------------
//
// scimmy's Filter.match compares strings exactly, but RFC 7643 makes most
// string attributes (userName, emails.value, displayName, ...) caseExact=false
// and Entra relies on that when it looks users up by userName. So both the
// resources and the filter's literals are case-folded wherever the schema says
// caseExact is false, and scimmy's own matcher runs on the folded copies.

function matchIgnoringCase(filter: ScimFilter, resources: ScimResource[], definition: Definition): ScimResource[] {
  const views = new Map<object, ScimResource>();
  for (const resource of resources) views.set(foldResource(resource, definition), resource);
  const folded = new SCIMMY.Types.Filter(foldExpressions(filter as unknown as unknown[], definition));
  return folded.match([...views.keys()]).map((view: object) => views.get(view) as ScimResource);
}

function isCaseInsensitiveString(definition: Definition, path: string): boolean {
  try {
    const attribute = definition.attribute(path) as unknown as { type?: unknown; config?: { caseExact?: boolean } };
    return (attribute.type === 'string' || attribute.type === 'reference') && attribute.config?.caseExact !== true;
  } catch {
    return false; // unknown attribute: compare as given
  }
}

function isExtensionId(definition: Definition, key: string): boolean {
  return key.toLowerCase().startsWith('urn:') && definition.attributes.some((a) => a instanceof SCIMMY.Types.SchemaDefinition && (a as Definition).id.toLowerCase() === key.toLowerCase());
}

function childPath(parent: string, key: string, parentIsExtension: boolean): string {
  if (parent === '') return key;
  return parentIsExtension ? `${parent}:${key}` : `${parent}.${key}`;
}

function foldValue(value: unknown, definition: Definition, path: string, isExtension = false): unknown {
  if (Array.isArray(value)) return value.map((v) => foldValue(v, definition, path));
  if (typeof value === 'string') return isCaseInsensitiveString(definition, path) ? value.toLowerCase() : value;
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      out[key] = foldValue(child, definition, childPath(path, key, isExtension));
    }
    return out;
  }
  return value;
}

function foldResource(resource: ScimResource, definition: Definition): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(resource)) {
    const extension = isExtensionId(definition, key);
    view[key] = foldValue(value, definition, key, extension);
    // scimmy parses `urn:...:User:attr` filters into flat keys, so expose extension attributes flat as well.
    if (extension && typeof value === 'object' && value !== null) {
      for (const [attr, child] of Object.entries(value)) view[`${key}:${attr}`] = foldValue(child, definition, `${key}:${attr}`);
    }
  }
  return view;
}

/** Folds the literal in each `[op, value]` / `["not", op, value]` leaf of scimmy's parsed filter objects. */
function foldExpressions(expressions: unknown[], definition: Definition): unknown[] {
  return expressions.map((expression) => foldExpression(expression, definition, ''));
}

function foldExpression(expression: unknown, definition: Definition, path: string): unknown {
  if (Array.isArray(expression)) {
    if (expression.every(Array.isArray)) return expression.map((e) => foldExpression(e, definition, path));
    const last = expression[expression.length - 1];
    const hasValue = expression.length >= 2 && !(expression.length === 2 && expression[0] === 'not');
    if (hasValue && typeof last === 'string' && isCaseInsensitiveString(definition, path)) {
      return [...expression.slice(0, -1), last.toLowerCase()];
    }
    return [...expression];
  }
  if (typeof expression === 'object' && expression !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(expression)) {
      out[key] = foldExpression(child, definition, path === '' ? key : `${path}.${key}`);
    }
    return out;
  }
  return expression;
}
