/**
 * Users or Groups held as plain JSON, with the indexes a provisioning client's lookups hit
 * (userName / displayName case-insensitively, externalId exactly), so a 100,000-user app
 * answers a filter in O(1) and never becomes the thing a benchmark measures.
 */
import { randomUUID } from 'node:crypto';
import type { EqualityTerm, Filter } from './filter.js';
import { isObject, keyOf, ScimError, type Json, type JsonObject } from './patch.js';

export type ResourceType = 'Users' | 'Groups';

const SCHEMA: Record<ResourceType, string> = {
  Users: 'urn:ietf:params:scim:schemas:core:2.0:User',
  Groups: 'urn:ietf:params:scim:schemas:core:2.0:Group',
};

export class ResourceStore {
  private readonly byId = new Map<string, JsonObject>();
  /** userName (Users, unique) or displayName (Groups), lower-cased. */
  private readonly byName = new Map<string, Set<string>>();
  private readonly byExternalId = new Map<string, Set<string>>();
  private readonly nameAttribute: string;

  constructor(
    readonly type: ResourceType,
    private readonly locationBase: string,
  ) {
    this.nameAttribute = type === 'Users' ? 'userName' : 'displayName';
  }

  get size(): number {
    return this.byId.size;
  }

  values(): IterableIterator<JsonObject> {
    return this.byId.values();
  }

  get(id: string): JsonObject | undefined {
    return this.byId.get(id);
  }

  create(body: JsonObject): JsonObject {
    const { id: _ignored, meta: _meta, ...rest } = body;
    const id = randomUUID();
    const now = new Date().toISOString();
    const resource: JsonObject = {
      ...rest,
      schemas: Array.isArray(rest['schemas']) ? rest['schemas'] : [SCHEMA[this.type]],
      id,
      meta: { resourceType: this.type === 'Users' ? 'User' : 'Group', created: now, lastModified: now, location: `${this.locationBase}/${this.type}/${id}` },
    };
    this.check(resource, undefined);
    this.byId.set(id, resource);
    this.index(resource);
    return resource;
  }

  /** Replaces the stored resource (after PATCH or PUT); id and meta.created are kept. */
  replace(id: string, next: JsonObject): JsonObject {
    const current = this.byId.get(id);
    if (!current) throw new ScimError(404, undefined, `${this.type} ${id} not found`);
    const meta = isObject(current['meta']) ? current['meta'] : {};
    const resource: JsonObject = { ...next, id, meta: { ...meta, lastModified: new Date().toISOString() } };
    this.check(resource, id);
    this.unindex(current);
    this.byId.set(id, resource);
    this.index(resource);
    return resource;
  }

  delete(id: string): boolean {
    const current = this.byId.get(id);
    if (!current) return false;
    this.unindex(current);
    this.byId.delete(id);
    return true;
  }

  /** Resources matching the filter, in creation order. */
  filter(filter: Filter): JsonObject[] {
    const hits = new Set<string>();
    for (const conjunction of filter) {
      const indexed = conjunction.find((t) => this.indexFor(t.attribute) !== undefined && typeof t.value === 'string');
      const candidates: Iterable<string> = indexed ? (this.indexFor(indexed.attribute)!.get(normalise(indexed.attribute, indexed.value as string)) ?? []) : this.byId.keys();
      for (const id of candidates) {
        const resource = this.byId.get(id);
        if (resource && conjunction.every((term) => matches(resource, term))) hits.add(id);
      }
    }
    // Creation order, as a list without a filter; Map iteration is insertion order.
    if (hits.size <= 1) return [...hits].map((id) => this.byId.get(id) as JsonObject);
    return [...this.byId.values()].filter((r) => hits.has(r['id'] as string));
  }

  private indexFor(attribute: string): Map<string, Set<string>> | undefined {
    if (attribute === this.nameAttribute.toLowerCase()) return this.byName;
    if (attribute === 'externalid') return this.byExternalId;
    return undefined;
  }

  private check(resource: JsonObject, id: string | undefined): void {
    const name = resource[keyOf(resource, this.nameAttribute) ?? this.nameAttribute];
    if (typeof name !== 'string' || name === '') throw new ScimError(400, 'invalidValue', `${this.nameAttribute} is required`);
    if (this.type !== 'Users') return;
    const holders = this.byName.get(name.toLowerCase());
    if (holders && [...holders].some((other) => other !== id)) throw new ScimError(409, 'uniqueness', `userName ${name} is already taken`);
  }

  private index(resource: JsonObject): void {
    const id = resource['id'] as string;
    const name = resource[keyOf(resource, this.nameAttribute) ?? this.nameAttribute];
    if (typeof name === 'string') addTo(this.byName, name.toLowerCase(), id);
    const externalId = resource['externalId'];
    if (typeof externalId === 'string') addTo(this.byExternalId, externalId, id);
  }

  private unindex(resource: JsonObject): void {
    const id = resource['id'] as string;
    const name = resource[keyOf(resource, this.nameAttribute) ?? this.nameAttribute];
    if (typeof name === 'string') removeFrom(this.byName, name.toLowerCase(), id);
    const externalId = resource['externalId'];
    if (typeof externalId === 'string') removeFrom(this.byExternalId, externalId, id);
  }
}

function normalise(attribute: string, value: string): string {
  return attribute === 'externalid' ? value : value.toLowerCase();
}

/** A term against a resource; `a.b` reaches into complex and multi-valued attributes. */
function matches(resource: JsonObject, term: EqualityTerm): boolean {
  const [head, sub] = term.attribute.split('.', 2) as [string, string | undefined];
  const value = resource[keyOf(resource, head) ?? head];
  const candidates: (Json | undefined)[] = [];
  const collect = (v: Json | undefined): void => {
    if (sub === undefined) candidates.push(v);
    else if (isObject(v)) candidates.push(v[keyOf(v, sub) ?? sub]);
  };
  if (Array.isArray(value)) value.forEach(collect);
  else collect(value);
  const caseExact = term.attribute === 'externalid' || term.attribute === 'id';
  return candidates.some((c) => {
    if (typeof c === 'string' && typeof term.value === 'string') return caseExact ? c === term.value : c.toLowerCase() === term.value.toLowerCase();
    return c === term.value || (c === undefined && term.value === null);
  });
}

function addTo(index: Map<string, Set<string>>, key: string, id: string): void {
  const set = index.get(key);
  if (set) set.add(id);
  else index.set(key, new Set([id]));
}

function removeFrom(index: Map<string, Set<string>>, key: string, id: string): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(id);
  if (set.size === 0) index.delete(key);
}
