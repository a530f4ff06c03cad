/** The read, scope and map stages for groups: which groups a job provisions, mapped. */
import type { PreparedJob } from '../config/load.js';
import type { GroupsConfig } from '../config/schema.js';
import { mapObject, type MappingEnvironment } from '../mapping/map.js';
import { SourceReadError, type Attributes, type RejectedObject, type Source } from '../sources/source.js';
import type { ObservedGroup } from './group-plan.js';

export interface ObservedGroupRead {
  readonly groups: ObservedGroup[];
  readonly complete: boolean;
  readonly error?: string;
  /**
   * Groups or members the source returned but could not vouch for. The member lists may then be
   * short: no member is removed and no group deleted this cycle.
   */
  readonly rejected: readonly RejectedObject[];
}

export async function readObservedGroups(job: PreparedJob, groups: GroupsConfig, source: Source, env: MappingEnvironment): Promise<ObservedGroupRead> {
  const observed: ObservedGroup[] = [];
  const rejected: RejectedObject[] = [];
  if (!source.readGroups) {
    return { groups: observed, rejected, complete: false, error: `source "${source.name}": a ${source.kind} source cannot read groups; set groups: false on job ${job.config.name}` };
  }
  const attributes = [...(job.groups?.sourceAttributes ?? []), ...groups.match.map((r) => r.source)];
  const seen = new Set<string>();
  try {
    const selection = groups.from === 'all' ? 'all' : { refs: await scopeGroupRefs(job, source) };
    for await (const page of source.readGroups(selection, { attributes, onRejected: (object) => rejected.push(object) })) {
      for (const group of page) {
        // A group named in scope.groups and assigned to the app is read twice; it is one group.
        if (seen.has(group.id)) continue;
        seen.add(group.id);
        const mapped = mapObject(group, false, job.groups!, env);
        const displayName = mapped.ok ? mapped.value.attributes.displayName : undefined;
        observed.push({
          sourceId: group.id,
          label: typeof displayName === 'string' ? displayName : group.id,
          mapped,
          memberIds: group.memberIds,
          match: groups.match.flatMap((rule) => {
            const value = lookup(group.attributes, rule.source);
            return value === undefined || value === null || value === '' ? [] : [{ attribute: rule.target, value: String(value) }];
          }),
        });
      }
    }
    return { groups: observed, rejected, complete: rejected.length === 0 };
  } catch (error) {
    if (!(error instanceof SourceReadError)) throw error;
    return { groups: observed, rejected, complete: false, error: error.message };
  }
}

/** scope.groups, plus — for an app-assignment scope — the groups assigned to the app, as Entra and Okta push them. */
async function scopeGroupRefs(job: PreparedJob, source: Source): Promise<string[]> {
  const refs = job.config.scope.groups ?? [];
  const app = job.config.scope.app;
  if (app === undefined || !source.resolveAppGroups) return [...refs];
  return [...new Set([...refs, ...(await source.resolveAppGroups(app))])];
}

export function lookup(attributes: Attributes, name: string): unknown {
  if (name in attributes) return attributes[name];
  const lower = name.toLowerCase();
  const key = Object.keys(attributes).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : attributes[key];
}
