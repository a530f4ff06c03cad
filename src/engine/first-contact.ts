/**
 * First contact with the target, shared by users and groups: find an object that already exists
 * by the job's match rules, in order, rather than create a duplicate — and never guess between two.
 */
import type { Logger } from '../log.js';
import { parseTargetPath, readPath, type ScimObject, type ScimValue } from '../mapping/paths.js';
import type { ScimClient } from '../scim/client.js';
import { ScimAuthError, ScimRequestError } from '../scim/errors.js';
import { equalityFilter } from '../scim/requests.js';
import { parseListResponse } from '../scim/responses.js';
import { diffAttributes, type AttributeChange, type DiffOptions } from './diff.js';
import type { MatchQuery } from './plan.js';

/**
 * A filter the app refuses to evaluate (RFC 7644 §3.4.2.2: 400 with scimType invalidFilter, or 501
 * for filtering it does not implement) says nothing about the object: the next rule may still find it.
 */
export function isRefusedFilter(error: unknown): boolean {
  return error instanceof ScimRequestError && ((error.status === 400 && error.scimType?.toLowerCase() === 'invalidfilter') || error.status === 501);
}

/** What first contact does with a match rule the app refused to filter on. */
export interface RefusedRules {
  /** Lower-cased attributes the app refuses for every value: not asked again. */
  readonly skip: ReadonlySet<string>;
  onRefused(query: MatchQuery, error: ScimRequestError, label: string): Promise<void>;
}

/**
 * Looks an object up by the match rules in order. A rule the app refuses to filter on is handed to
 * `refused` and the next rule is tried; `refused.skip` holds the attributes already known to be
 * refused. Any other error stays an error: a lookup that failed is not a lookup that found nothing.
 */
export async function findByMatchRules(
  client: ScimClient,
  resourceType: 'Users' | 'Groups',
  match: readonly MatchQuery[],
  label: string,
  refused?: RefusedRules,
): Promise<ScimObject | undefined> {
  for (const query of match) {
    if (refused?.skip.has(query.attribute.toLowerCase())) continue;
    let hits: ScimObject[];
    try {
      hits = await client.search(resourceType, equalityFilter(query.attribute, query.value));
    } catch (error) {
      if (!refused || !isRefusedFilter(error)) throw error;
      await refused.onRefused(query, error as ScimRequestError, label);
      continue;
    }
    if (hits.length > 1) throw ambiguous(resourceType, hits.length, query, label);
    if (hits.length === 1) return hits[0];
  }
  return undefined;
}

/** A value any app can filter on: a refusal of it is a refusal of the attribute, not of one value. */
const PROBE_VALUE = 'provisiond-probe';

/** What adopting an existing object takes: the attributes where what it holds differs from what we map. */
export function changesAgainstHeld(
  existing: ScimObject,
  desired: Readonly<Record<string, ScimValue>>,
  options: DiffOptions = {},
): { changes: AttributeChange[]; held: Record<string, ScimValue> } {
  const held: Record<string, ScimValue> = {};
  for (const path of [...Object.keys(desired), ...(options.cleared ?? [])]) {
    const value = readPath(existing, parseTargetPath(path));
    if (value !== undefined) held[path] = onlyWhatWeSend(value, desired[path]);
  }
  return { changes: diffAttributes(desired, held, options), held };
}

/**
 * A complex value the app holds with sub-attributes of its own (a manager's `$ref` and
 * `displayName` beside the `value` we send) is compared on the sub-attributes we send.
 */
function onlyWhatWeSend(held: ScimValue, desired: ScimValue | undefined): ScimValue {
  const isObject = (v: unknown): v is Record<string, ScimValue> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObject(held) || !isObject(desired)) return held;
  return Object.fromEntries(Object.keys(desired).filter((key) => key in held).map((key) => [key, held[key] as ScimValue]));
}

/**
 * Attributes RFC 7643 defines with `caseExact: true`; every other match attribute (userName,
 * emails, displayName…) compares case-insensitively, as the app's own filter does.
 */
const CASE_EXACT = new Set(['id', 'externalid']);

/** The key two match values share when the app would consider them equal. */
export function matchKey(attribute: string, value: string): string {
  const name = attribute.toLowerCase();
  return `${name}\u0000${valueKey(name, value)}`;
}

/**
 * The app's objects by match value, one map per attribute. A restart after a crash lists every
 * account the first run created, so entries stay small: the value alone as key (the attribute is
 * the map), and a single id as a string, not a one-element array.
 */
class MatchIndex {
  private readonly byAttribute = new Map<string, Map<string, string | string[]>>();

  add(attribute: string, value: string, id: string): void {
    const name = attribute.toLowerCase();
    let values = this.byAttribute.get(name);
    if (!values) this.byAttribute.set(name, (values = new Map()));
    const key = valueKey(name, value);
    const hits = values.get(key);
    if (hits === undefined) values.set(key, id);
    else if (typeof hits === 'string') {
      if (hits !== id) values.set(key, [hits, id]);
    } else if (!hits.includes(id)) hits.push(id);
  }

  get(attribute: string, value: string): readonly string[] {
    const name = attribute.toLowerCase();
    const hits = this.byAttribute.get(name)?.get(valueKey(name, value));
    return hits === undefined ? [] : typeof hits === 'string' ? [hits] : hits;
  }
}

function valueKey(lowerName: string, value: string): string {
  return CASE_EXACT.has(lowerName) ? value : value.toLowerCase();
}

/** Values of a match attribute in a listed resource: `emails.value` reads every element of `emails`. */
export function valuesAt(resource: ScimObject, attribute: string): string[] {
  if (attribute.includes('[') || attribute.includes(':')) {
    const value = readPath(resource, parseTargetPath(attribute));
    return typeof value === 'string' || typeof value === 'number' ? [String(value)] : [];
  }
  let values: ScimValue[] = [resource];
  for (const part of attribute.split('.')) {
    const lower = part.toLowerCase();
    values = values.flatMap((v) => {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return [];
      const key = Object.keys(v).find((k) => k.toLowerCase() === lower);
      const found = key === undefined ? undefined : (v as ScimObject)[key];
      return found === undefined ? [] : Array.isArray(found) ? (found as ScimValue[]) : [found];
    });
  }
  return values.flatMap((v) => (typeof v === 'string' || typeof v === 'number' ? [String(v)] : []));
}

/** The attribute to ask a listing for: a filtered path is asked for whole (`emails[type eq "work"].value` → `emails`). */
export function listedAttribute(attribute: string): string {
  const bracket = attribute.indexOf('[');
  return bracket === -1 ? attribute : attribute.slice(0, bracket);
}

export interface FirstContactOptions {
  readonly client: ScimClient;
  readonly resourceType: 'Users' | 'Groups';
  /** Target attributes of the job's match rules. */
  readonly matchAttributes: readonly string[];
  readonly log: Logger;
  /** Creates after which listing the app once is considered (then again at each doubling). Default 200. */
  readonly listThreshold?: number;
  /**
   * List only while the app holds at most this many objects per create seen so far. Default 100:
   * at 500 a page, the listing then costs at most one request per five lookups already made.
   */
  readonly listRatio?: number;
  readonly pageSize?: number;
}

/**
 * First contact for many creates. A lookup per create doubles the requests of an initial sync, so
 * once a cycle has seen enough creates, the app's objects are listed once (paged, only the match
 * attributes) and indexed by every match rule; a create whose values match nothing is then sent
 * without a lookup. The listing is skipped while the app holds far more objects than the cycle
 * creates (listing a million accounts for 200 creates costs more than it saves), and it falls back
 * to per-object lookups when the app cannot list. A 409 still links through a lookup.
 */
export class FirstContact {
  private creates = 0;
  private nextProbe: number;
  private index: MatchIndex | undefined;
  private building: Promise<void> | undefined;
  private gaveUp = false;
  private readonly listRatio: number;
  /** Match attributes the app refuses for any value this cycle (lower-cased). */
  private readonly refused = new Set<string>();
  /** Per attribute, whether the app refuses it for any value: asked once per cycle, on its first refusal. */
  private readonly probes = new Map<string, Promise<boolean>>();

  private readonly refusal: RefusedRules = {
    skip: this.refused,
    onRefused: async (query, error, label) => {
      const key = query.attribute.toLowerCase();
      let probe = this.probes.get(key);
      if (!probe) {
        probe = this.refusesAttribute(query.attribute, error);
        this.probes.set(key, probe);
      }
      // Refused for any value: said once, in refusesAttribute. Refused for this value only (quotes,
      // a character the app's parser trips on): this object goes on with its next rule, and says so.
      if (await probe) return;
      this.options.log.warn(
        { resourceType: this.options.resourceType, attribute: query.attribute, status: error.status, scimType: error.scimType, object: label },
        `the app refused to filter ${this.options.resourceType.toLowerCase()} by ${query.attribute} eq "${query.value}" for ${label}; first contact goes on with the next match rule`,
      );
    },
  };

  constructor(private readonly options: FirstContactOptions) {
    this.nextProbe = options.listThreshold ?? 200;
    this.listRatio = options.listRatio ?? 100;
  }

  /** The planner saw one more create; the listing may start. */
  noteCreate(): void {
    this.creates++;
    if (this.index || this.building || this.gaveUp || this.creates < this.nextProbe) return;
    this.nextProbe *= 2;
    this.building = this.build().finally(() => (this.building = undefined));
  }

  /** The object the match rules find in the app, through the index when there is one. */
  async find(match: readonly MatchQuery[], label: string): Promise<ScimObject | undefined> {
    if (this.building) await this.building;
    if (!this.index) return this.lookup(match, label);
    for (const query of match) {
      const hits = this.index.get(query.attribute, query.value);
      if (hits.length === 0) continue;
      if (hits.length > 1) throw ambiguous(this.options.resourceType, hits.length, query, label);
      // The listing holds only match attributes: adopting needs the whole object.
      try {
        const response = await this.options.client.request('GET', `/${this.options.resourceType}/${encodeURIComponent(hits[0] as string)}`);
        return response.body as ScimObject;
      } catch (error) {
        if (error instanceof ScimRequestError && error.status === 404) continue;
        throw error;
      }
    }
    return undefined;
  }

  /**
   * A filtered lookup per match rule, in order (also after a 409, when the index may be stale). A
   * rule the app refuses falls through to the next and is not tried again by this job this cycle.
   */
  lookup(match: readonly MatchQuery[], label: string): Promise<ScimObject | undefined> {
    return findByMatchRules(this.options.client, this.options.resourceType, match, label, this.refusal);
  }

  /**
   * After a refused lookup: does the app refuse the attribute itself (RFC 7644 §3.4.2.2 lets it),
   * or only that value? One lookup of a plain value tells; a refused attribute is skipped by every
   * later lookup of this cycle, and said once.
   */
  private async refusesAttribute(attribute: string, first: ScimRequestError): Promise<boolean> {
    const { client, resourceType, log } = this.options;
    try {
      await client.search(resourceType, equalityFilter(attribute, PROBE_VALUE));
      return false;
    } catch (error) {
      if (!isRefusedFilter(error)) return false;
    }
    this.refused.add(attribute.toLowerCase());
    log.warn(
      { resourceType, attribute, status: first.status, scimType: first.scimType },
      `the app refuses to filter ${resourceType.toLowerCase()} by ${attribute}; first contact skips that match rule for the rest of this cycle and goes on with the next`,
    );
    return true;
  }

  private async build(): Promise<void> {
    const { client, resourceType, matchAttributes, log } = this.options;
    try {
      const probePath = `/${resourceType}?startIndex=1&count=1&attributes=id`;
      const probe = await client.request('GET', probePath);
      const total = parseListResponse(probe.body, { method: 'GET', path: probePath, status: probe.status }).totalResults;
      if (total === undefined || total > this.creates * this.listRatio) return;
      const index = new MatchIndex();
      const attributes = [...new Set(['id', ...matchAttributes.map(listedAttribute)])];
      const listed = await client.listAll(resourceType, { attributes, pageSize: this.options.pageSize }, (resources) => {
        for (const resource of resources) {
          const id = String(resource.id);
          for (const attribute of new Set(matchAttributes)) {
            for (const value of valuesAt(resource, attribute)) index.add(attribute, value, id);
          }
        }
      });
      this.index = index;
      log.info({ resourceType, listed: listed.resources, pages: listed.pages }, `listed the app's ${resourceType.toLowerCase()} once for first contact; creates without a match are sent without a lookup`);
    } catch (error) {
      this.gaveUp = true;
      // Refused credentials stop the cycle on their own (the client halts); nothing to report here.
      if (error instanceof ScimAuthError) return;
      log.warn({ resourceType, error: error instanceof Error ? error.message : String(error) }, `the app cannot list ${resourceType.toLowerCase()}; first contact looks each one up`);
    }
  }
}

function ambiguous(resourceType: 'Users' | 'Groups', count: number, query: MatchQuery, label: string): Error {
  const noun = resourceType === 'Users' ? 'users' : 'groups';
  return new Error(`${count} ${noun} in the target match ${query.attribute} eq "${query.value}"; refusing to guess which one is ${label}`);
}
