/** Human-readable rendering of a dry-run plan, for `provisiond plan`. */
import type { CycleReport } from '../engine/cycle.js';
import type { AttributeChange } from '../engine/diff.js';
import type { UserOperation } from '../engine/plan.js';
import type { ScimValue } from '../mapping/paths.js';

const TITLES: Record<UserOperation['kind'], string> = {
  create: 'Create',
  enable: 'Enable',
  update: 'Update',
  disable: 'Disable',
  delete: 'Delete',
};

/**
 * Whether the plan rests on a complete read. A dry run whose read failed, or stopped part-way,
 * cannot tell who left the directory: it plans no disable or delete, and an empty plan then means
 * "unknown", never "in sync".
 */
export function readIncomplete(report: CycleReport): boolean {
  return report.outcome === 'partial' || report.outcome === 'failed';
}

export interface PlanFormatOptions {
  /** Target paths whose values are shown as "[Redact]" (passwords, Redact()). */
  readonly sensitive?: ReadonlySet<string>;
  /** The job's source, named when its read failed. */
  readonly source?: string;
}

export function formatPlan(report: CycleReport, options: PlanFormatOptions = {}): string {
  const sensitive = options.sensitive ?? new Set<string>();
  const show = (path: string, value: ScimValue | undefined) => (sensitive.has(path) && value !== undefined ? '[Redact]' : showValue(value));
  const groups = report.counts.groupsRead === undefined ? '' : `, ${report.counts.groupsRead} groups`;
  const total = report.plan.operations.length + (report.groupPlan?.operations.length ?? 0);
  const incomplete = readIncomplete(report);
  const lines: string[] = [`Job ${report.job}: ${total} operation(s) planned (read ${report.counts.read ?? 0} users, ${report.counts.inScope ?? 0} in scope${groups})`];
  if (incomplete) {
    const source = options.source === undefined ? 'the source' : `source "${options.source}"`;
    lines.push(
      `  ! Reading ${source} failed: ${report.message ?? 'no reason was given'}`,
      '  ! This plan is incomplete. It leaves out every user the read did not return, so it says nothing',
      '  ! about who would be disabled or deleted; fix the read and run plan again.',
    );
  } else if (report.message) {
    lines.push(`  ! ${report.message}`);
  }
  const held = new Set<unknown>(report.guard.held);
  for (const kind of Object.keys(TITLES) as UserOperation['kind'][]) {
    const ops = report.plan.operations.filter((o) => o.kind === kind);
    if (ops.length === 0) continue;
    lines.push(`  ${TITLES[kind]} (${ops.length})${ops.some((o) => held.has(o)) ? ' — held by the safety guard' : ''}`);
    for (const op of ops) {
      const reason = 'reason' in op && op.reason ? ` [${op.reason}]` : '';
      lines.push(`    ${op.label} (${op.sourceId})${reason}`);
      if (op.kind === 'create') {
        for (const [path, value] of Object.entries({ ...op.mapped.attributes, ...op.mapped.createOnly })) lines.push(`      + ${path} = ${show(path, value)}`);
        for (const [path, refSourceId] of Object.entries(op.mapped.references ?? {})) lines.push(`      + ${path} = ${pendingReference(refSourceId)}`);
      } else if (op.kind !== 'delete') {
        for (const change of op.changes) lines.push(showChange(change, show));
        for (const [path, refSourceId] of Object.entries(op.recreate?.mapped.references ?? {})) {
          if (!op.changes.some((c) => c.path === path)) lines.push(`      ~ ${path}: ${pendingReference(refSourceId)}`);
        }
      }
    }
  }
  const groupOps = report.groupPlan?.operations ?? [];
  for (const [kind, title] of [['create-group', 'Create group'], ['update-group', 'Update group'], ['delete-group', 'Delete group']] as const) {
    const ops = groupOps.filter((o) => o.kind === kind);
    if (ops.length === 0) continue;
    lines.push(`  ${title} (${ops.length})${ops.some((o) => held.has(o)) ? ' — held by the safety guard' : ''}`);
    for (const op of ops) {
      lines.push(`    ${op.label} (${op.sourceId})${op.kind === 'delete-group' ? ` [${op.reason}]` : ''}`);
      if (op.kind === 'create-group') for (const [path, value] of Object.entries(op.mapped.attributes)) lines.push(`      + ${path} = ${show(path, value)}`);
      if (op.kind === 'update-group') for (const change of op.changes) lines.push(showChange(change, show));
    }
  }
  const memberChanges = report.membership?.changes ?? [];
  if (memberChanges.length > 0) {
    const added = memberChanges.filter((c) => c.kind === 'add-members').reduce((n, c) => n + c.members.length, 0);
    const removed = memberChanges.filter((c) => c.kind === 'remove-members').reduce((n, c) => n + c.members.length, 0);
    lines.push(`  Membership (+${added} −${removed} in ${memberChanges.length} request(s))`);
    for (const change of memberChanges) {
      const who = change.members.slice(0, 5).map((m) => m.sourceId).join(', ') + (change.members.length > 5 ? `, … ${change.members.length - 5} more` : '');
      lines.push(`    ${change.kind === 'add-members' ? '+' : '−'} ${change.groupLabel}: ${who}`);
    }
  }
  const skipped = [...report.plan.skipped, ...(report.groupPlan?.skipped ?? [])];
  if (skipped.length > 0) {
    lines.push(`  Skipped (${skipped.length})`);
    for (const s of skipped) lines.push(`    ${s.label} (${s.sourceId}): ${s.error}`);
  }
  if (report.plan.operations.length + groupOps.length + memberChanges.length + skipped.length === 0) {
    lines.push(incomplete ? '  No operations planned from what was read.' : '  Nothing to do: the target is in sync with the snapshot.');
  }
  return lines.join('\n');
}

/** A removal (onEmpty: clear, a manager who is gone) reads as one, not as a change to "(unset)". */
function showChange(change: AttributeChange, show: (path: string, value: ScimValue | undefined) => string): string {
  if (change.new === undefined) return `      - ${change.path}: ${show(change.path, change.old)} → (removed)`;
  return `      ~ ${change.path}: ${show(change.path, change.old)} → ${show(change.path, change.new)}`;
}

function pendingReference(refSourceId: string): string {
  return `(user ${refSourceId} once it is in the app; set by the cycle that provisions it)`;
}

function showValue(value: ScimValue | undefined): string {
  return value === undefined ? '(unset)' : JSON.stringify(value);
}
