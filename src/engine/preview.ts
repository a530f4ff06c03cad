/**
 * What one source user becomes in the target: the create request, and the update a cycle would
 * send against the snapshot. Pure; `provisiond preview` does the reading.
 */
import type { PreparedJob } from '../config/load.js';
import { mapObject, type MappedObject, type MappingEnvironment } from '../mapping/map.js';
import type { ScimObject, ScimValue } from '../mapping/paths.js';
import { buildCreateUser, buildPatch, type Compat, type PatchRequest } from '../scim/requests.js';
import type { SourceUser } from '../sources/source.js';
import type { Link } from '../state/store.js';
import { diffAttributes } from './diff.js';
import { resolveReferences, type ResolveTarget, type UnresolvedReference } from './references.js';
import type { UserStatus } from './scope.js';

export interface UserPreview {
  readonly status: UserStatus;
  readonly error?: string;
  /** POST /Users body if the user were created now. */
  readonly create?: ScimObject;
  /** PATCH body against what the snapshot says the target holds; undefined when in sync or never linked. */
  readonly update?: PatchRequest;
  readonly linkedTo?: string;
  /** References (the manager) the app cannot hold yet: the referenced user is not provisioned. */
  readonly pendingReferences?: readonly UnresolvedReference[];
}

/** @param resolve the app id of a provisioned user of the job, for references (the manager) */
export function previewUser(
  user: SourceUser,
  status: UserStatus,
  job: PreparedJob,
  link: Link | undefined,
  env: MappingEnvironment,
  resolve: ResolveTarget = () => undefined,
): UserPreview {
  const result = mapObject(user, status !== 'active', job.users, env);
  if (!result.ok) return { status, error: result.error };
  const compat = job.config.target.compat as Compat;
  const references = resolveReferences(result.value, resolve, compat);
  const mapped = { ok: true, value: references.mapped } as const;
  const pending = references.unresolved.length > 0 ? { pendingReferences: references.unresolved } : {};
  const sensitive = job.users.sensitivePaths;
  const create = buildCreateUser(redactValues(mapped.value, sensitive), job.users);
  if (!link || link.state === 'deleted') return { status, create, ...pending };
  const changes = diffAttributes(mapped.value.attributes, link.attributes, { valueSets: mapped.value.valueSets, cleared: mapped.value.cleared }).map((c) => (sensitive.has(c.path) ? { ...c, old: c.old === undefined ? undefined : REDACTED, new: REDACTED } : c));
  return {
    status,
    create,
    linkedTo: link.targetId,
    update: changes.length > 0 ? buildPatch(changes, compat, link.attributes) : undefined,
    ...pending,
  };
}

const REDACTED = '[Redact]';

/** A preview is for eyes: passwords and Redact() values show as Entra shows them in its logs. */
function redactValues(mapped: MappedObject, sensitive: ReadonlySet<string>): MappedObject {
  if (sensitive.size === 0) return mapped;
  const redact = (values: Readonly<Record<string, ScimValue>>) =>
    Object.fromEntries(Object.entries(values).map(([path, value]) => [path, sensitive.has(path) ? REDACTED : value]));
  return { ...mapped, attributes: redact(mapped.attributes), createOnly: redact(mapped.createOnly) };
}
