/**
 * What `provisiond reconcile` reports: the wire shape of `--json`, what `status` shows and what
 * the state database keeps as a job's last result.
 */
import type { ScimValue } from '../../mapping/paths.js';
import type { StateStore } from '../../state/store.js';
import type { AttributeDrift } from './compare.js';

export type ReconciledKind = 'user' | 'group';

export interface DriftedObject {
  readonly kind: ReconciledKind;
  readonly sourceId: string;
  readonly targetId: string;
  readonly label: string;
  readonly attributes: readonly AttributeDrift[];
}

export interface MissingObject {
  readonly kind: ReconciledKind;
  readonly sourceId: string;
  /** The id the app no longer has. */
  readonly targetId: string;
  readonly label: string;
  /** An unlinked account the job's match rules find for it: repair links that one instead of creating. */
  readonly matchingTargetId?: string;
}

export interface UnmanagedAccount {
  readonly kind: 'user';
  readonly targetId: string;
  readonly label: string;
  readonly externalId?: string;
  readonly active?: boolean;
  /** An in-scope source user that provisiond has not linked matches it by the job's match rules. */
  readonly matchesSourceUser: boolean;
  readonly sourceId?: string;
  readonly sourceLabel?: string;
  /** The match rule (target attribute) that found it. */
  readonly matchedBy?: string;
}

export interface MemberRefOut {
  readonly targetId: string;
  /** The source user linked to this account, when there is one. */
  readonly sourceId?: string;
  readonly label?: string;
}

export interface MembershipDrift {
  readonly kind: 'group';
  readonly sourceId: string;
  readonly targetId: string;
  readonly label: string;
  /** In the app's group, not in the source's: added in the app. */
  readonly added: readonly MemberRefOut[];
  /** In the source's group (and provisioned), not in the app's: removed in the app. */
  readonly removed: readonly MemberRefOut[];
}

export interface PendingCreate {
  readonly kind: 'user';
  readonly sourceId: string;
  readonly label: string;
}

export interface ReconcileCounts {
  /** Accounts (and groups) the app returned. */
  readonly appUsers: number;
  readonly appGroups: number;
  readonly sourceUsers: number;
  readonly inSync: number;
  readonly drifted: number;
  readonly missingInApp: number;
  readonly unmanaged: number;
  readonly unmanagedMatching: number;
  readonly membershipDrift: number;
  readonly pendingCreate: number;
  /** Linked objects whose desired state is not "present": the next cycle deprovisions them, or the rules say ignore. */
  readonly notCompared: number;
  /** Source users whose mappings failed this read: nothing to compare them with. */
  readonly skipped: number;
}

export interface RepairSummary {
  readonly adopted: number;
  readonly updated: number;
  readonly recreated: number;
  readonly relinked: number;
  readonly membersAdded: number;
  readonly membersRemoved: number;
  readonly groupsRecreated: number;
  readonly failed: number;
  /** Disables the deletion guard held back. */
  readonly held: number;
  readonly heldReason?: string;
}

export type ReconcileOutcome = 'in-sync' | 'drift' | 'failed';

export interface ReconcileReport {
  readonly job: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly outcome: ReconcileOutcome;
  /** How the app's users were read: one paged listing, or each linked user by id (an app that cannot list). */
  readonly appRead: 'listed' | 'by-id';
  /** Attribute paths never reported as drift (jobs[].reconcile.ignore), as configured. */
  readonly ignored: readonly string[];
  /** What the report could not see or do, in words (an app that cannot list, a read that failed…). */
  readonly notes: readonly string[];
  readonly errors: readonly string[];
  readonly counts: ReconcileCounts;
  readonly drifted: readonly DriftedObject[];
  readonly missingInApp: readonly MissingObject[];
  readonly unmanaged: readonly UnmanagedAccount[];
  readonly membership: readonly MembershipDrift[];
  readonly pendingCreate: readonly PendingCreate[];
  readonly repair?: RepairSummary;
}

/** Drift or missing objects: what `--detailed-exitcode` answers 2 for. Unmanaged and pending creates are information. */
export function hasDrift(report: Pick<ReconcileReport, 'drifted' | 'missingInApp' | 'membership'>): boolean {
  return report.drifted.length > 0 || report.missingInApp.length > 0 || report.membership.length > 0;
}

/** The counts stored as a job's last result (status, metrics). */
export interface ReconcileSummary {
  readonly job: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly outcome: ReconcileOutcome;
  readonly appRead: 'listed' | 'by-id';
  readonly repaired: boolean;
  readonly counts: ReconcileCounts;
  readonly repair?: RepairSummary;
  readonly error?: string;
}

export function summaryOf(report: ReconcileReport): ReconcileSummary {
  return {
    job: report.job,
    startedAt: report.startedAt,
    durationMs: report.durationMs,
    outcome: report.outcome,
    appRead: report.appRead,
    repaired: report.repair !== undefined,
    counts: report.counts,
    ...(report.repair ? { repair: report.repair } : {}),
    ...(report.errors.length > 0 ? { error: report.errors.join('; ') } : {}),
  };
}

/** A job's last reconcile, as stored (status, metrics). */
export function lastReconcile(store: StateStore, job: string): (ReconcileSummary & { finishedAt: string }) | undefined {
  const row = store.reconcileResult(job);
  if (!row) return undefined;
  try {
    return { ...(JSON.parse(row.summary) as ReconcileSummary), finishedAt: row.finishedAt };
  } catch {
    return undefined;
  }
}

export type { AttributeDrift, ScimValue };
