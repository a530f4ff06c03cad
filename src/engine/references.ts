/**
 * References between users (the enterprise manager): the source names the manager by its id in
 * the source, the app by the id the manager has in the app. Pure: the links come in as functions
 * and plain data, so the cycle, plan and preview share one resolution.
 *
 * A manager who is not provisioned in the app (not linked yet, out of scope, disabled, deleted)
 * cannot be referenced: the reference is left out — and removed if the app held one — and kept as
 * pending, so the cycle that provisions the manager fills it in (see planReferenceFixes).
 */
import type { MappedObject } from '../mapping/map.js';
import { parseTargetPath, type ScimValue } from '../mapping/paths.js';
import type { Compat } from '../scim/requests.js';
import { sameValue, type AttributeChange } from './diff.js';

/** The app's id of a user of this job who is provisioned (an active link), by source id. */
export type ResolveTarget = (sourceId: string) => string | undefined;

/** A reference that could not be resolved: the report's `path` should name `refSourceId` once it is provisioned. */
export interface UnresolvedReference {
  readonly path: string;
  readonly refSourceId: string;
}

export interface ResolvedReferences {
  /** `attributes` hold the resolved references, `cleared` the unresolved ones; `references` keeps only the unresolved, for plan. */
  readonly mapped: MappedObject;
  readonly unresolved: readonly UnresolvedReference[];
  /** Paths whose reference resolved: nothing is pending for them any more. */
  readonly resolved: readonly string[];
}

/**
 * The value a reference takes in the app: RFC 7643 §4.3's complex `{"value": id}` in SCIM
 * mode, the bare id as Entra's default (entra-legacy) sends it. A path ending in `.value`
 * addresses the sub-attribute, which is the bare id in both.
 */
export function referenceValue(path: string, targetId: string, compat: Compat): ScimValue {
  if (parseTargetPath(path).subAttribute !== undefined) return targetId;
  return compat === 'scim' ? { value: targetId } : targetId;
}

/** The app id a stored reference value names, whichever shape it was recorded in. */
export function referencedTargetId(value: ScimValue | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const inner = (value as Record<string, ScimValue>).value;
    return typeof inner === 'string' ? inner : undefined;
  }
  return undefined;
}

export function resolveReferences(mapped: MappedObject, resolve: ResolveTarget, compat: Compat): ResolvedReferences {
  const references = mapped.references;
  if (!references) return { mapped, unresolved: [], resolved: [] };
  const attributes: Record<string, ScimValue> = { ...mapped.attributes };
  const cleared = [...(mapped.cleared ?? [])];
  const unresolved: UnresolvedReference[] = [];
  const resolved: string[] = [];
  for (const [path, refSourceId] of Object.entries(references)) {
    const targetId = resolve(refSourceId);
    if (targetId === undefined) {
      cleared.push(path);
      unresolved.push({ path, refSourceId });
    } else {
      attributes[path] = referenceValue(path, targetId, compat);
      resolved.push(path);
    }
  }
  const pending = Object.fromEntries(unresolved.map((u) => [u.path, u.refSourceId]));
  return {
    mapped: {
      attributes,
      createOnly: mapped.createOnly,
      // App roles beside a manager: the sets still compare as sets once the manager is resolved.
      ...(mapped.valueSets ? { valueSets: mapped.valueSets } : {}),
      ...(cleared.length > 0 ? { cleared } : {}),
      ...(unresolved.length > 0 ? { references: pending } : {}),
    },
    unresolved,
    resolved,
  };
}

/**
 * A reference whose value in the app may be out of date after the cycle's own operations: a
 * pending one (the manager was not provisioned when the report was planned), or one the app holds
 * whose manager is no longer provisioned.
 */
export interface ReferenceCandidate {
  readonly sourceId: string;
  readonly label: string;
  /** The report's id in the app; only reports with an active link are candidates. */
  readonly targetId: string;
  readonly path: string;
  /** What the snapshot says the app holds at `path`. */
  readonly held: ScimValue | undefined;
  /** The manager's source id, when known (pending references know it). */
  readonly refSourceId?: string;
}

export interface ReferenceFix {
  readonly sourceId: string;
  readonly label: string;
  readonly targetId: string;
  /** One change: set, replace, or remove (new: undefined) the reference. */
  readonly change: AttributeChange;
  /** The manager the report should name once it is provisioned again, when the reference is removed or stays unset. */
  readonly pending?: UnresolvedReference;
  /** True when the candidate's pending reference is done with (set now, or nothing to wait for). */
  readonly settled: boolean;
}

/**
 * What the second pass sends: for each candidate, the reference it should hold now. A pending
 * reference whose manager was provisioned is set; a held one whose manager is gone is removed and
 * becomes pending, so the manager's return sets it again. Candidates already right send nothing.
 */
export function planReferenceFixes(
  candidates: Iterable<ReferenceCandidate>,
  resolve: ResolveTarget,
  /** The source id of the user the app knows by this id, for references held without a pending entry. */
  sourceIdOfTarget: (targetId: string) => string | undefined,
  compat: Compat,
): { fixes: ReferenceFix[]; settled: ReferenceCandidate[] } {
  const fixes: ReferenceFix[] = [];
  const settled: ReferenceCandidate[] = [];
  for (const candidate of candidates) {
    const heldTarget = referencedTargetId(candidate.held);
    const refSourceId = candidate.refSourceId ?? (heldTarget === undefined ? undefined : sourceIdOfTarget(heldTarget));
    const targetId = refSourceId === undefined ? undefined : resolve(refSourceId);
    const desired = targetId === undefined ? undefined : referenceValue(candidate.path, targetId, compat);
    const pending = targetId === undefined && refSourceId !== undefined ? { path: candidate.path, refSourceId } : undefined;
    if (sameValue(candidate.held, desired)) {
      if (candidate.refSourceId !== undefined && !pending) settled.push(candidate);
      continue;
    }
    const base = { sourceId: candidate.sourceId, label: candidate.label, targetId: candidate.targetId };
    fixes.push({ ...base, change: { path: candidate.path, old: candidate.held, new: desired }, ...(pending ? { pending } : {}), settled: pending === undefined });
  }
  return { fixes, settled };
}
