/**
 * A dry-run plan, for `provisiond plan`: as text for a person (long lists shortened on a terminal),
 * as one JSON document for a script, and the one-line summary both end with.
 */
import type { CycleReport } from '../engine/cycle.js';
import type { GroupOperation } from '../engine/group-plan.js';
import type { UserOperation } from '../engine/plan.js';
import type { AttributeChange } from '../engine/diff.js';
import type { ScimValue } from '../mapping/paths.js';
import { roleLabel, setMinus, setValues } from '../mapping/roles.js';

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
  /** Objects listed per kind (and members per request); the rest is counted. Undefined lists everything. */
  readonly limit?: number;
}

export function formatPlan(report: CycleReport, options: PlanFormatOptions = {}): string {
  const sensitive = options.sensitive ?? new Set<string>();
  const show = (path: string, value: ScimValue | undefined) => (sensitive.has(path) && value !== undefined ? '[Redact]' : showValue(value));
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const listed = <T>(items: readonly T[]): readonly T[] => (items.length > limit ? items.slice(0, limit) : items);
  const more = (items: readonly unknown[], indent: string) => {
    if (items.length > limit) lines.push(`${indent}… and ${items.length - limit} more (--all lists them, --json gives them to a script)`);
  };
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
    for (const op of listed(ops)) {
      const reason = 'reason' in op && op.reason ? ` [${op.reason}]` : '';
      lines.push(`    ${op.label} (${op.sourceId})${reason}`);
      if (op.kind === 'create') {
        const sets = op.mapped.valueSets ?? {};
        for (const [path, value] of Object.entries({ ...op.mapped.attributes, ...op.mapped.createOnly })) {
          lines.push(`      + ${path} = ${Object.hasOwn(sets, path) ? showSet(value) : show(path, value)}`);
        }
        for (const [path, refSourceId] of Object.entries(op.mapped.references ?? {})) lines.push(`      + ${path} = ${pendingReference(refSourceId)}`);
      } else if (op.kind !== 'delete') {
        for (const change of op.changes) lines.push(change.valueSet ? `      ~ ${showSetChange(change)}` : showChange(change, show));
        for (const [path, refSourceId] of Object.entries(op.recreate?.mapped.references ?? {})) {
          if (!op.changes.some((c) => c.path === path)) lines.push(`      ~ ${path}: ${pendingReference(refSourceId)}`);
        }
      }
    }
    more(ops, '    ');
  }
  const groupOps = report.groupPlan?.operations ?? [];
  for (const [kind, title] of [['create-group', 'Create group'], ['update-group', 'Update group'], ['delete-group', 'Delete group']] as const) {
    const ops = groupOps.filter((o) => o.kind === kind);
    if (ops.length === 0) continue;
    lines.push(`  ${title} (${ops.length})${ops.some((o) => held.has(o)) ? ' — held by the safety guard' : ''}`);
    for (const op of listed(ops)) {
      lines.push(`    ${op.label} (${op.sourceId})${op.kind === 'delete-group' ? ` [${op.reason}]` : ''}`);
      if (op.kind === 'create-group') for (const [path, value] of Object.entries(op.mapped.attributes)) lines.push(`      + ${path} = ${show(path, value)}`);
      if (op.kind === 'update-group') for (const change of op.changes) lines.push(showChange(change, show));
    }
    more(ops, '    ');
  }
  const memberChanges = report.membership?.changes ?? [];
  if (memberChanges.length > 0) {
    const added = memberChanges.filter((c) => c.kind === 'add-members').reduce((n, c) => n + c.members.length, 0);
    const removed = memberChanges.filter((c) => c.kind === 'remove-members').reduce((n, c) => n + c.members.length, 0);
    lines.push(`  Membership (+${added} −${removed} in ${memberChanges.length} request(s))`);
    const perRequest = options.limit === undefined ? Number.POSITIVE_INFINITY : Math.min(5, limit);
    for (const change of listed(memberChanges)) {
      const who = change.members.slice(0, perRequest).map((m) => m.sourceId).join(', ') + (change.members.length > perRequest ? `, … ${change.members.length - perRequest} more` : '');
      lines.push(`    ${change.kind === 'add-members' ? '+' : '−'} ${change.groupLabel}: ${who}`);
    }
    more(memberChanges, '    ');
  }
  const skipped = [...report.plan.skipped, ...(report.groupPlan?.skipped ?? [])];
  if (skipped.length > 0) {
    lines.push(`  Skipped (${skipped.length})`);
    for (const s of listed(skipped)) lines.push(`    ${s.label} (${s.sourceId}): ${s.error}`);
    more(skipped, '    ');
  }
  if (report.plan.operations.length + groupOps.length + memberChanges.length + skipped.length === 0) {
    lines.push(incomplete ? '  No operations planned from what was read.' : '  Nothing to do: the target is in sync with the snapshot.');
  }
  return lines.join('\n');
}

/** App roles by their values: `["Admin", "User"]`. */
function showSet(value: ScimValue | undefined): string {
  return `[${setValues(value).map(roleLabel).join(', ')}]`;
}

/** What a role change does in the app: `roles (add): +"Admin"`, or `roles (replace): +"Admin" −"Reader"`. */
function showSetChange(change: AttributeChange): string {
  const added = setMinus(change.new, change.old).map((v) => `+${roleLabel(v)}`);
  const removed = setMinus(change.old, change.new).map((v) => `−${roleLabel(v)}`);
  return `${change.path} (${change.valueSet}): ${[...added, ...removed].join(' ') || 'no change'} → ${showSet(change.new)}`;
}

/** What a plan amounts to, as Terraform's closing line counts it (user and group objects together). */
export interface PlanCounts {
  readonly create: number;
  readonly update: number;
  readonly enable: number;
  readonly disable: number;
  readonly delete: number;
  /** Members added plus members removed. */
  readonly membershipChanges: number;
  /** Disables and deletes the safety guard would hold back (they are in the counts above too). */
  readonly held: number;
  /** Objects that cannot be provisioned as they stand (a mapping error): the cycle would fail them. */
  readonly skipped: number;
}

export function planCounts(report: CycleReport): PlanCounts {
  const ops: readonly (UserOperation | GroupOperation)[] = [...report.plan.operations, ...(report.groupPlan?.operations ?? [])];
  const count = (...kinds: string[]) => ops.filter((o) => kinds.includes(o.kind)).length;
  return {
    create: count('create', 'create-group'),
    update: count('update', 'update-group'),
    enable: count('enable'),
    disable: count('disable'),
    delete: count('delete', 'delete-group'),
    membershipChanges: (report.membership?.changes ?? []).reduce((n, c) => n + c.members.length, 0),
    held: report.guard.held.length,
    skipped: report.plan.skipped.length + (report.groupPlan?.skipped.length ?? 0),
  };
}

export function addPlanCounts(all: readonly PlanCounts[]): PlanCounts {
  const sum = (key: keyof PlanCounts) => all.reduce((n, c) => n + c[key], 0);
  return {
    create: sum('create'),
    update: sum('update'),
    enable: sum('enable'),
    disable: sum('disable'),
    delete: sum('delete'),
    membershipChanges: sum('membershipChanges'),
    held: sum('held'),
    skipped: sum('skipped'),
  };
}

/** Whether applying the plan would change anything in a target. */
export function hasChanges(counts: PlanCounts): boolean {
  return counts.create + counts.update + counts.enable + counts.disable + counts.delete + counts.membershipChanges > 0;
}

/** `5003 to create, 2 to update, 1 to disable, 0 to delete, 40 membership changes` (enable, held and skipped only when there are any). */
export function describeCounts(c: PlanCounts): string {
  const parts = [
    `${c.create} to create`,
    `${c.update} to update`,
    ...(c.enable > 0 ? [`${c.enable} to enable`] : []),
    `${c.disable} to disable`,
    `${c.delete} to delete`,
    `${c.membershipChanges} membership change${c.membershipChanges === 1 ? '' : 's'}`,
  ];
  const notes = [...(c.held > 0 ? [`${c.held} held by the safety guard`] : []), ...(c.skipped > 0 ? [`${c.skipped} skipped`] : [])];
  return `${parts.join(', ')}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}`;
}

/**
 * The closing line(s): one per job when there are several, then `Plan: …` for all of them, last,
 * so `tail -n 1` finds it. An incomplete read says so on the same line.
 */
export function formatPlanSummary(reports: readonly CycleReport[]): string {
  const lines: string[] = [];
  if (reports.length > 1) for (const report of reports) lines.push(`  ${report.job}: ${describeCounts(planCounts(report))}${readIncomplete(report) ? ' — INCOMPLETE' : ''}`);
  const incomplete = reports.filter(readIncomplete).map((r) => r.job);
  const suffix = incomplete.length > 0 ? ` — INCOMPLETE: the source read of job ${incomplete.join(', ')} failed (see above), so this is not everything` : '';
  lines.push(`Plan: ${describeCounts(addPlanCounts(reports.map(planCounts)))}${suffix}`);
  return lines.join('\n');
}

/** One operation as `plan --json` gives it: every attribute it would send or change, as old → new. */
export interface PlannedOperationJson {
  readonly object: 'user' | 'group';
  readonly kind: string;
  readonly sourceId: string;
  readonly label: string;
  readonly targetId?: string;
  readonly reason?: string;
  /** True when the safety guard would hold it back. */
  readonly held: boolean;
  /** old is null for an attribute provisiond never sent (every attribute of a create). */
  readonly changes: readonly {
    readonly path: string;
    readonly old: ScimValue | null;
    readonly new: ScimValue | null;
    readonly onCreateOnly?: true;
    /** For app roles: `add` sends the roles `old` lacks (new is what the app then holds), `replace` sends `new`. */
    readonly valueSet?: 'add' | 'replace';
  }[];
}

export interface PlanJobJson {
  readonly job: string;
  readonly source?: string;
  /** False when the source read failed or stopped: the plan then leaves out who would be disabled or deleted. */
  readonly complete: boolean;
  readonly message?: string;
  readonly read: { readonly users: number; readonly inScope: number; readonly groups?: number };
  readonly summary: PlanCounts;
  readonly operations: readonly PlannedOperationJson[];
  readonly membership: readonly { readonly kind: 'add-members' | 'remove-members'; readonly group: string; readonly groupSourceId: string; readonly groupTargetId: string; readonly members: readonly string[] }[];
  readonly skipped: readonly { readonly sourceId: string; readonly label: string; readonly error: string }[];
}

export interface PlanJson {
  readonly complete: boolean;
  readonly changes: boolean;
  readonly summary: PlanCounts;
  readonly jobs: readonly PlanJobJson[];
}

/** The whole plan as one JSON value, for `plan --json`. Values of sensitive paths are "[Redact]", as in the text. */
export function planJson(reports: readonly CycleReport[], optionsOf: (job: string) => PlanFormatOptions): PlanJson {
  const jobs = reports.map((report) => planJobJson(report, optionsOf(report.job)));
  const summary = addPlanCounts(jobs.map((j) => j.summary));
  return { complete: jobs.every((j) => j.complete), changes: hasChanges(summary), summary, jobs };
}

function planJobJson(report: CycleReport, options: PlanFormatOptions): PlanJobJson {
  const sensitive = options.sensitive ?? new Set<string>();
  const value = (path: string, v: ScimValue | undefined): ScimValue | null => (v === undefined ? null : sensitive.has(path) ? '[Redact]' : v);
  const held = new Set<unknown>(report.guard.held);
  const operation = (op: UserOperation | GroupOperation): PlannedOperationJson => {
    const base = {
      object: op.kind.endsWith('-group') ? ('group' as const) : ('user' as const),
      kind: op.kind,
      sourceId: op.sourceId,
      label: op.label,
      ...('targetId' in op ? { targetId: op.targetId } : {}),
      ...('reason' in op && op.reason ? { reason: op.reason } : {}),
      held: held.has(op),
    };
    if (op.kind === 'create' || op.kind === 'create-group') {
      const createOnly = op.kind === 'create' ? op.mapped.createOnly : {};
      return {
        ...base,
        changes: [
          ...Object.entries(op.mapped.attributes).map(([path, v]) => ({ path, old: null, new: value(path, v) })),
          ...Object.entries(createOnly).map(([path, v]) => ({ path, old: null, new: value(path, v), onCreateOnly: true as const })),
        ],
      };
    }
    if (op.kind === 'delete' || op.kind === 'delete-group') return { ...base, changes: [] };
    return { ...base, changes: op.changes.map((c) => ({ path: c.path, old: value(c.path, c.old), new: value(c.path, c.new), ...(c.valueSet ? { valueSet: c.valueSet } : {}) })) };
  };
  const complete = !readIncomplete(report);
  return {
    job: report.job,
    ...(options.source === undefined ? {} : { source: options.source }),
    complete,
    ...(report.message ? { message: report.message } : {}),
    read: { users: report.counts.read ?? 0, inScope: report.counts.inScope ?? 0, ...(report.counts.groupsRead === undefined ? {} : { groups: report.counts.groupsRead }) },
    summary: planCounts(report),
    operations: [...report.plan.operations, ...(report.groupPlan?.operations ?? [])].map(operation),
    membership: (report.membership?.changes ?? []).map((c) => ({
      kind: c.kind,
      group: c.groupLabel,
      groupSourceId: c.groupSourceId,
      groupTargetId: c.groupTargetId,
      members: c.members.map((m) => m.sourceId),
    })),
    skipped: [...report.plan.skipped, ...(report.groupPlan?.skipped ?? [])].map((s) => ({ sourceId: s.sourceId, label: s.label, error: s.error })),
  };
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
