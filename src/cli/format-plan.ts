/** Human-readable rendering of a dry-run plan, for `provisiond plan`. */
import type { CycleReport } from '../engine/cycle.js';
import type { UserOperation } from '../engine/plan.js';
import type { ScimValue } from '../mapping/paths.js';

const TITLES: Record<UserOperation['kind'], string> = {
  create: 'Create',
  enable: 'Enable',
  update: 'Update',
  disable: 'Disable',
  delete: 'Delete',
};

export function formatPlan(report: CycleReport): string {
  const lines: string[] = [`Job ${report.job}: ${report.plan.operations.length} operation(s) planned (read ${report.counts.read ?? 0} users, ${report.counts.inScope ?? 0} in scope)`];
  if (report.message) lines.push(`  ! ${report.message}`);
  const held = new Set(report.guard.held);
  for (const kind of Object.keys(TITLES) as UserOperation['kind'][]) {
    const ops = report.plan.operations.filter((o) => o.kind === kind);
    if (ops.length === 0) continue;
    lines.push(`  ${TITLES[kind]} (${ops.length})${ops.some((o) => held.has(o)) ? ' — held by the safety guard' : ''}`);
    for (const op of ops) {
      const reason = 'reason' in op && op.reason ? ` [${op.reason}]` : '';
      lines.push(`    ${op.label} (${op.sourceId})${reason}`);
      if (op.kind === 'create') {
        for (const [path, value] of Object.entries({ ...op.mapped.attributes, ...op.mapped.createOnly })) lines.push(`      + ${path} = ${show(value)}`);
      } else if (op.kind !== 'delete') {
        for (const change of op.changes) lines.push(`      ~ ${change.path}: ${show(change.old)} → ${show(change.new)}`);
      }
    }
  }
  if (report.plan.skipped.length > 0) {
    lines.push(`  Skipped (${report.plan.skipped.length})`);
    for (const s of report.plan.skipped) lines.push(`    ${s.label} (${s.sourceId}): ${s.error}`);
  }
  if (report.plan.operations.length === 0 && report.plan.skipped.length === 0) lines.push('  Nothing to do: the target is in sync with the snapshot.');
  return lines.join('\n');
}

function show(value: ScimValue | undefined): string {
  return value === undefined ? '(unset)' : JSON.stringify(value);
}
