/** The read, scope and map stages for groups: which groups a job provisions, mapped. */
import type { PreparedJob } from '../config/load.js';
import type { GroupsConfig } from '../config/schema.js';
import { mapObject, type MappingEnvironment } from '../mapping/map.js';
import { SourceReadError, type Attributes, type Source } from '../sources/source.js';
import type { ObservedGroup } from './group-plan.js';

export interface ObservedGroupRead {
  readonly groups: ObservedGroup[];
  readonly complete: boolean;
  readonly error?: string;
}

export async function readObservedGroups(job: PreparedJob, groups: GroupsConfig, source: Source, env: MappingEnvironment): Promise<ObservedGroupRead> {
  const observed: ObservedGroup[] = [];
  if (!source.readGroups) {
    return { groups: observed, complete: false, error: `source "${source.name}": a ${source.kind} source cannot read groups; set groups: false on job ${job.config.name}` };
  }
  const selection = groups.from === 'all' ? 'all' : { refs: job.config.scope.groups ?? [] };
  const attributes = [...(job.groups?.sourceAttributes ?? []), ...groups.match.map((r) => r.source)];
  try {
    for await (const page of source.readGroups(selection, { attributes })) {
      for (const group of page) {
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
    return { groups: observed, complete: true };
  } catch (error) {
    if (!(error instanceof SourceReadError)) throw error;
    return { groups: observed, complete: false, error: error.message };
  }
}

export function lookup(attributes: Attributes, name: string): unknown {
  if (name in attributes) return attributes[name];
  const lower = name.toLowerCase();
  const key = Object.keys(attributes).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : attributes[key];
}
