/**
 * SCIM attribute paths as admins write them in mappings, and the three things the engine does
 * with one: write a value into a resource (create), read it back (matching an existing object),
 * and address it in a PATCH (update).
 *
 *   title                                   simple
 *   name.givenName                          complex sub-attribute
 *   emails[type eq "work"].value            filtered multi-valued
 *   urn:…:enterprise:2.0:User:department    extension attribute (schema URN, then a colon)
 *   urn:…:flip:custom:2.0:User:attributes[technicalName eq "soccer_team"].value
 */

export type ScimValue = string | number | boolean | null | readonly ScimValue[] | { readonly [key: string]: ScimValue };
export type ScimObject = Record<string, ScimValue>;

export interface ValueFilter {
  readonly attribute: string;
  readonly value: string;
}

export interface TargetPath {
  /** The path as the mapping wrote it (whitespace normalised); used as the key in snapshots and PATCH paths. */
  readonly text: string;
  /** Extension schema URN, or undefined for core attributes. */
  readonly schema?: string;
  readonly attribute: string;
  readonly filter?: ValueFilter;
  readonly subAttribute?: string;
}

export class PathSyntaxError extends Error {
  constructor(readonly path: string, reason: string) {
    super(`"${path}" is not a SCIM attribute path: ${reason}`);
    this.name = 'PathSyntaxError';
  }
}

/** A path whose attribute already holds a value of another shape (see writePath). */
export class PathShapeError extends Error {
  constructor(readonly path: string, attribute: string, held: unknown) {
    const shape = Array.isArray(held) ? 'a list (another mapping writes it with a [filter])' : held !== null && typeof held === 'object' ? 'an object (another mapping writes its sub-attributes)' : 'a single value (another mapping writes it whole)';
    super(`"${path}" cannot be written: "${attribute}" already holds ${shape}; map the attribute one way only`);
    this.name = 'PathShapeError';
  }
}

const NAME = /^[A-Za-z$][\w$-]*$/;
const FILTER = /^\s*([A-Za-z][\w-]*)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/i;

/**
 * Parsed paths, by their text. Every snapshot key and create body goes through here once per user
 * and attribute, but the paths themselves are the few the mappings name; the cap keeps strings from
 * elsewhere (an app's answer) from growing it.
 */
const parsedPaths = new Map<string, TargetPath>();
const PARSED_PATHS_CAP = 4096;

export function parseTargetPath(raw: string): TargetPath {
  const known = parsedPaths.get(raw);
  if (known !== undefined) return known;
  const parsed = parsePath(raw);
  if (parsedPaths.size < PARSED_PATHS_CAP) parsedPaths.set(raw, Object.freeze({ ...parsed, ...(parsed.filter ? { filter: Object.freeze(parsed.filter) } : {}) }));
  return parsedPaths.get(raw) ?? parsed;
}

function parsePath(raw: string): TargetPath {
  const input = raw.trim();
  let schema: string | undefined;
  let rest = input;
  if (/^urn:/i.test(input)) {
    // The attribute starts after the last colon that precedes any filter bracket: a filter value may contain colons.
    const bracket = input.indexOf('[');
    const head = bracket === -1 ? input : input.slice(0, bracket);
    const colon = head.lastIndexOf(':');
    if (colon <= 'urn:'.length) throw new PathSyntaxError(raw, 'an extension path is the schema URN, a colon, then the attribute');
    schema = input.slice(0, colon);
    rest = input.slice(colon + 1);
  }

  let attribute: string;
  let filter: ValueFilter | undefined;
  let subAttribute: string | undefined;
  const open = rest.indexOf('[');
  if (open !== -1) {
    const close = rest.indexOf(']', open);
    if (close === -1) throw new PathSyntaxError(raw, 'missing "]"');
    attribute = rest.slice(0, open);
    const filterMatch = FILTER.exec(rest.slice(open + 1, close));
    if (!filterMatch) throw new PathSyntaxError(raw, 'a value filter must look like [type eq "work"]');
    filter = { attribute: filterMatch[1] as string, value: (filterMatch[2] as string).replace(/\\(.)/g, '$1') };
    const after = rest.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith('.')) throw new PathSyntaxError(raw, 'expected ".subAttribute" after the filter');
      subAttribute = after.slice(1);
    }
  } else {
    const dot = rest.indexOf('.');
    attribute = dot === -1 ? rest : rest.slice(0, dot);
    if (dot !== -1) subAttribute = rest.slice(dot + 1);
  }

  if (!NAME.test(attribute)) throw new PathSyntaxError(raw, `"${attribute}" is not an attribute name`);
  if (subAttribute !== undefined && !NAME.test(subAttribute)) {
    throw new PathSyntaxError(raw, `"${subAttribute}" is not a sub-attribute name`);
  }
  if (filter && subAttribute === undefined) {
    throw new PathSyntaxError(raw, 'a filtered path must name the sub-attribute to set, e.g. emails[type eq "work"].value');
  }
  // Writing the attribute the filter selects by would move the element out of its own filter: the next
  // read finds nothing, and every cycle would send it again.
  if (filter && subAttribute !== undefined && filter.attribute.toLowerCase() === subAttribute.toLowerCase()) {
    throw new PathSyntaxError(raw, `the filter selects by "${filter.attribute}", so the path cannot set it; set another sub-attribute, e.g. emails[type eq "work"].value`);
  }
  return { text: renderPath({ schema, attribute, filter, subAttribute }), schema, attribute, filter, subAttribute };
}

function renderPath(p: Omit<TargetPath, 'text'>): string {
  let out = p.schema ? `${p.schema}:${p.attribute}` : p.attribute;
  if (p.filter) out += `[${p.filter.attribute} eq ${JSON.stringify(p.filter.value)}]`;
  if (p.subAttribute !== undefined) out += `.${p.subAttribute}`;
  return out;
}

/** The object that holds the path's attribute: the resource itself, or its extension object. */
function container(resource: ScimObject, path: TargetPath, create: boolean): ScimObject | undefined {
  if (!path.schema) return resource;
  const existing = findKey(resource, path.schema);
  if (existing !== undefined) {
    const value = resource[existing];
    return isObject(value) ? (value as ScimObject) : undefined;
  }
  if (!create) return undefined;
  const fresh: ScimObject = {};
  resource[path.schema] = fresh;
  const schemas = Array.isArray(resource.schemas) ? (resource.schemas as string[]) : [];
  if (!schemas.includes(path.schema)) resource.schemas = [...schemas, path.schema];
  return fresh;
}

/** Writes `value` at `path`, creating the complex or multi-valued element it needs. */
export function writePath(resource: ScimObject, path: TargetPath, value: ScimValue): void {
  const holder = container(resource, path, true) as ScimObject;
  const current = holder[path.attribute];
  // Two mappings that give one attribute two shapes (a list here, an object or a value there) would
  // each overwrite the other's value in turn: refused, naming both, rather than clobbered silently.
  if (path.filter ? current !== undefined && !Array.isArray(current) : path.subAttribute !== undefined && current !== undefined && !isObject(current)) {
    throw new PathShapeError(path.text, path.attribute, current);
  }
  if (path.filter) {
    const list = Array.isArray(current) ? [...(current as ScimObject[])] : [];
    let index = list.findIndex((e) => isObject(e) && matchesFilter(e, path.filter!));
    if (index === -1) {
      list.push(newElement(path, list.length === 0));
      index = list.length - 1;
    }
    list[index] = { ...(list[index] as ScimObject), [path.subAttribute as string]: value };
    holder[path.attribute] = list;
    return;
  }
  if (path.subAttribute !== undefined) {
    holder[path.attribute] = { ...(isObject(current) ? (current as ScimObject) : {}), [path.subAttribute]: value };
    return;
  }
  holder[path.attribute] = value;
}

/**
 * The element a filtered path adds to a multi-valued attribute, before its sub-attribute is set.
 * Entra marks the work e-mail primary (apps that require one primary address were tested against
 * that), and sends SingleAppRoleAssignment's role as {"primary": true, "type": "WindowsAzureActiveDirectoryRole", …}.
 */
export function newElement(path: TargetPath, first = true): ScimObject {
  const filter = path.filter as ValueFilter;
  if (path.attribute === 'emails' && filter.value === 'work' && first) return { primary: true, [filter.attribute]: filter.value };
  if (path.attribute.toLowerCase() === 'roles' && filter.attribute.toLowerCase() === 'primary' && /^(true|false)$/i.test(filter.value)) {
    return { [filter.attribute]: filter.value.toLowerCase() === 'true', type: 'WindowsAzureActiveDirectoryRole' };
  }
  return { [filter.attribute]: filter.value };
}

/** Whether an element is the one a value filter names: `primary eq "True"` matches a JSON true too. */
function matchesFilter(element: ScimObject, filter: ValueFilter): boolean {
  const key = findKey(element, filter.attribute);
  const value = key === undefined ? undefined : element[key];
  return (typeof value === 'string' || typeof value === 'boolean') && String(value).toLowerCase() === filter.value.toLowerCase();
}

/** Reads the value at `path` from a resource the target returned (attribute names case-insensitive, as SCIM says). */
export function readPath(resource: ScimObject, path: TargetPath): ScimValue | undefined {
  const holder = container(resource, path, false);
  if (!holder) return undefined;
  const key = findKey(holder, path.attribute);
  if (key === undefined) return undefined;
  const value = holder[key];
  if (path.filter) {
    if (!Array.isArray(value)) return undefined;
    const element = (value as ScimValue[]).find((e) => isObject(e) && matchesFilter(e as ScimObject, path.filter!)) as ScimObject | undefined;
    if (!element) return undefined;
    const subKey = findKey(element, path.subAttribute as string);
    return subKey === undefined ? undefined : element[subKey];
  }
  if (path.subAttribute !== undefined) {
    if (!isObject(value)) return undefined;
    const subKey = findKey(value as ScimObject, path.subAttribute);
    return subKey === undefined ? undefined : (value as ScimObject)[subKey];
  }
  return value;
}

function findKey(object: ScimObject, name: string): string | undefined {
  if (name in object) return name;
  const lower = name.toLowerCase();
  return Object.keys(object).find((k) => k.toLowerCase() === lower);
}

function isObject(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
