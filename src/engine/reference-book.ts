/**
 * The cycle's side of references (the manager): resolution as users stream by, the pending ones
 * kept in the state database, and the second pass after the cycle's own operations. The decisions
 * are references.ts's; this is the shell around them.
 */
import type { PreparedJob } from '../config/load.js';
import type { Compat } from '../scim/requests.js';
import type { LinkEntry, StateStore } from '../state/store.js';
import { applyChanges, sameValue } from './diff.js';
import type { ObservedUser, UpdateUser } from './plan.js';
import { planReferenceFixes, resolveReferences, type ReferenceFix, type ResolveTarget } from './references.js';

export function activeTargetOf(entry: LinkEntry | undefined): string | undefined {
  return entry && entry.state === 'active' ? entry.targetId : undefined;
}

/** A reference fix is an update of one attribute, recorded like any update once the app confirms it. */
export interface ReferenceUpdate extends UpdateUser {
  readonly reference: ReferenceFix;
}

/** One cycle's references: resolve() in the first pass, planFixes() and settle() in the second. */
export class ReferenceBook {
  private readonly paths: readonly string[];
  private readonly pending: Map<string, Map<string, string>>;

  constructor(
    private readonly job: PreparedJob,
    private readonly store: StateStore,
    private readonly dryRun: boolean,
  ) {
    this.paths = job.users.mappings.filter((m) => m.reference).map((m) => m.target.text);
    this.pending = this.paths.length > 0 ? store.pendingReferences(job.config.name) : new Map();
  }

  get active(): boolean {
    return this.paths.length > 0;
  }

  /** The user with its references resolved against the links as the cycle began; pending ones are remembered. */
  resolve(user: ObservedUser, resolveTarget: ResolveTarget, compat: Compat): ObservedUser {
    if (!this.active || !user.mapped.ok) return user;
    const mapped = user.mapped.value;
    const resolved = resolveReferences(mapped, resolveTarget, compat);
    if (!this.dryRun && user.status === 'active') {
      for (const { path, refSourceId } of resolved.unresolved) this.remember(user.sourceId, path, refSourceId);
      // Set now, or empty in the source: nothing left to wait for.
      for (const path of [...resolved.resolved, ...(mapped.cleared ?? [])]) this.forget(user.sourceId, path);
    }
    return resolved.mapped === mapped ? user : { ...user, mapped: { ok: true, value: resolved.mapped } };
  }

  /** Updates of one reference each, planned against the links as the cycle's other operations left them. */
  planFixes(compat: Compat): ReferenceUpdate[] {
    const name = this.job.config.name;
    // Candidates are few (pending references, and references to users no longer provisioned): each is looked up alone.
    const { fixes, settled } = planReferenceFixes(
      this.store.referenceCandidates(name, this.paths),
      (sourceId) => {
        const link = this.store.link(name, 'user', sourceId);
        return link?.state === 'active' ? link.targetId : undefined;
      },
      (targetId) => this.store.userByTarget(name, targetId)?.sourceId,
      compat,
    );
    for (const candidate of settled) this.forget(candidate.sourceId, candidate.path);
    return fixes.flatMap((fix): ReferenceUpdate[] => {
      const link = this.store.link(name, 'user', fix.sourceId);
      if (!link || link.state !== 'active') return [];
      const { path, new: value } = fix.change;
      const attributes = applyChanges(link.attributes, value === undefined ? {} : { [path]: value }, value === undefined ? [path] : []);
      return [{ kind: 'update', sourceId: fix.sourceId, label: fix.label, targetId: fix.targetId, changes: [fix.change], attributes, reference: fix }];
    });
  }

  /** After the second pass: what the app confirmed is no longer pending; a removed reference waits for its manager's return. */
  settle(operations: readonly ReferenceUpdate[]): void {
    const name = this.job.config.name;
    for (const { reference } of operations) {
      if (reference.pending) this.remember(reference.sourceId, reference.pending.path, reference.pending.refSourceId);
      const held = this.store.link(name, 'user', reference.sourceId)?.attributes[reference.change.path];
      if (reference.settled && sameValue(held, reference.change.new)) this.forget(reference.sourceId, reference.change.path);
    }
  }

  private remember(sourceId: string, path: string, refSourceId: string): void {
    let paths = this.pending.get(sourceId);
    if (paths?.get(path) === refSourceId) return;
    if (!paths) this.pending.set(sourceId, (paths = new Map()));
    paths.set(path, refSourceId);
    this.store.savePendingReference(this.job.config.name, sourceId, path, refSourceId);
  }

  private forget(sourceId: string, path: string): void {
    const paths = this.pending.get(sourceId);
    if (!paths?.has(path)) return;
    paths.delete(path);
    this.store.deletePendingReference(this.job.config.name, sourceId, path);
  }
}
