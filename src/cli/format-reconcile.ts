/** Human-readable rendering of a reconcile report, for `provisiond reconcile`; and the redaction both outputs share. */
import type { ReconcileReport } from '../engine/reconcile/report.js';
import type { ScimValue } from '../mapping/paths.js';

/** The report with the values of sensitive paths (passwords, Redact()) replaced, for any output. */
export function redactReport(report: ReconcileReport, sensitive: ReadonlySet<string>): ReconcileReport {
  if (sensitive.size === 0) return report;
  return {
    ...report,
    drifted: report.drifted.map((object) => ({
      ...object,
      attributes: object.attributes.map((d) => (sensitive.has(d.path) ? { ...d, app: d.app === null ? null : '[Redact]', desired: '[Redact]' } : d)),
    })),
  };
}

export function formatReconcile(report: ReconcileReport): string {
  const c = report.counts;
  const lines: string[] = [
    `Reconcile of job ${report.job}: ${c.appUsers} users in the app (${report.appRead === 'listed' ? 'listed' : 'each linked one read by id'}), ${c.sourceUsers} read from the source${c.appGroups > 0 ? `, ${c.appGroups} provisioned groups` : ''}`,
  ];
  for (const error of report.errors) lines.push(`  ! ${error}`);
  for (const note of report.notes) lines.push(`  ${note}`);
  const rows: string[][] = [];
  for (const d of report.drifted) {
    d.attributes.forEach((a, i) => rows.push([i === 0 ? 'drifted' : '', i === 0 ? d.kind : '', i === 0 ? d.label : '', i === 0 ? d.targetId : '', `${a.path}: app ${show(a.app)}, desired ${show(a.desired)}`]));
  }
  for (const m of report.missingInApp) rows.push(['missing', m.kind, m.label, m.targetId, m.matchingTargetId ? `gone from the app; account ${m.matchingTargetId} matches it` : 'gone from the app']);
  for (const g of report.membership) {
    const name = (r: { targetId: string; label?: string }) => (r.label ? `${r.label} (${r.targetId})` : r.targetId);
    const detail = [g.added.length > 0 ? `added in the app: ${g.added.map(name).join(', ')}` : '', g.removed.length > 0 ? `removed in the app: ${g.removed.map(name).join(', ')}` : ''].filter(Boolean).join('; ');
    rows.push(['members', 'group', g.label, g.targetId, detail]);
  }
  for (const u of report.unmanaged) {
    rows.push(['unmanaged', 'user', u.label, u.targetId, u.matchesSourceUser ? `matches source user ${u.sourceLabel ?? u.sourceId} by ${u.matchedBy}` : 'no source user matches']);
  }
  for (const p of report.pendingCreate) rows.push(['pending', 'user', p.label, '-', 'the next cycle creates it']);
  if (rows.length > 0) lines.push('', ...table([['CATEGORY', 'KIND', 'OBJECT', 'TARGET ID', 'DETAIL'], ...rows]));
  lines.push(
    '',
    `Summary: ${c.inSync} in sync, ${c.drifted} drifted, ${c.missingInApp} missing in the app, ${c.membershipDrift} group(s) with membership drift, ${c.unmanaged} unmanaged (${c.unmanagedMatching} matching a source user), ${c.pendingCreate} pending create${c.notCompared > 0 ? `, ${c.notCompared} not compared (being deprovisioned)` : ''}${c.skipped > 0 ? `, ${c.skipped} skipped (mapping errors)` : ''}`,
  );
  const r = report.repair;
  if (r) {
    lines.push(
      `Repair: ${r.updated} updated, ${r.recreated} re-created, ${r.relinked} re-linked, ${r.adopted} adopted, ${r.membersAdded} member(s) added, ${r.membersRemoved} removed, ${r.groupsRecreated} group(s) re-created, ${r.failed} failed${r.held > 0 ? `, ${r.held} held by the deletion guard (${r.heldReason ?? ''})` : ''}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function show(value: ScimValue | null): string {
  return value === null ? '(none)' : JSON.stringify(value);
}

function table(rows: readonly string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (column === row.length - 1 ? 0 : (row[column] ?? '').length))));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ').trimEnd());
}
