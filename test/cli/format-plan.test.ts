/** What `provisiond plan` prints: an incomplete read is said plainly, and never reads as "in sync". */
import { describe, expect, it } from 'vitest';
import { formatPlan, formatPlanSummary, planJson, readIncomplete } from '../../src/cli/format-plan.js';
import type { UserOperation } from '../../src/engine/plan.js';
import type { CycleReport } from '../../src/engine/cycle.js';

function report(overrides: Partial<CycleReport>): CycleReport {
  return {
    job: 'app',
    outcome: 'success',
    plan: { operations: [], skipped: [] },
    guard: { verdict: 'pass', allowed: [], held: [] },
    counts: { read: 0, inScope: 0 },
    durationMs: 3,
    ...overrides,
  };
}

describe('formatPlan', () => {
  it('says "in sync" for an empty plan from a complete read', () => {
    const text = formatPlan(report({ counts: { read: 3, inScope: 3 } }), { source: 'corp' });
    expect(text).toBe('Job app: 0 operation(s) planned (read 3 users, 3 in scope)\n  Nothing to do: the target is in sync with the snapshot.');
  });

  it('names the source and its error when the read failed, and never says "in sync"', () => {
    const failed = report({ outcome: 'partial', message: 'source corp: reading users (page 1) failed: Graph answered 503 ServiceUnavailable' });
    const text = formatPlan(failed, { source: 'corp' });
    expect(readIncomplete(failed)).toBe(true);
    expect(text).toContain('! Reading source "corp" failed: source corp: reading users (page 1) failed: Graph answered 503 ServiceUnavailable');
    expect(text).toContain('says nothing\n  ! about who would be disabled or deleted');
    expect(text).toContain('No operations planned from what was read.');
    expect(text).not.toContain('in sync');
  });

  it('treats a failed outcome the same way, even without a message', () => {
    const text = formatPlan(report({ outcome: 'failed' }));
    expect(text).toContain('! Reading the source failed: no reason was given');
    expect(text).not.toContain('in sync');
  });

  it('shows a guard’s reason on a complete read as before', () => {
    const text = formatPlan(report({ message: 'the cycle would delete 30 users' }), {});
    expect(text).toContain('  ! the cycle would delete 30 users');
    expect(text).toContain('in sync');
    expect(readIncomplete(report({}))).toBe(false);
  });
});

function create(i: number): UserOperation {
  return { kind: 'create', sourceId: `s${i}`, label: `user${i}@x`, mapped: { attributes: { userName: `user${i}@x`, password: 'p' }, createOnly: { title: 'T' } }, match: [] };
}

const update: UserOperation = { kind: 'update', sourceId: 'u1', label: 'ada@x', targetId: 't1', changes: [{ path: 'title', old: 'Eng', new: 'CTO' }], attributes: {} };
const disable: UserOperation = { kind: 'disable', sourceId: 'u2', label: 'bob@x', targetId: 't2', changes: [{ path: 'active', old: true, new: false }], attributes: {}, reason: 'softDeleted' };

describe('plan summary, shortening and JSON', () => {
  const big = report({
    plan: { operations: [...Array.from({ length: 13 }, (_, i) => create(i)), update, disable], skipped: [] },
    membership: { changes: [{ kind: 'add-members', groupSourceId: 'g1', groupLabel: 'Sales', groupTargetId: 'tg', members: Array.from({ length: 40 }, (_, i) => ({ sourceId: `m${i}`, targetId: `(new)` })) }], forgotten: [] },
    guard: { verdict: 'guarded', allowed: [], held: [disable], reason: 'above maxDeletes' },
  });

  it('ends with one Terraform-style line', () => {
    expect(formatPlanSummary([big])).toBe('Plan: 13 to create, 1 to update, 1 to disable, 0 to delete, 40 membership changes (1 held by the safety guard)');
    expect(formatPlanSummary([big, report({ job: 'b', outcome: 'failed' })])).toBe(
      [
        '  app: 13 to create, 1 to update, 1 to disable, 0 to delete, 40 membership changes (1 held by the safety guard)',
        '  b: 0 to create, 0 to update, 0 to disable, 0 to delete, 0 membership changes — INCOMPLETE',
        'Plan: 13 to create, 1 to update, 1 to disable, 0 to delete, 40 membership changes (1 held by the safety guard) — INCOMPLETE: the source read of job b failed (see above), so this is not everything',
      ].join('\n'),
    );
  });

  it('shortens long lists when given a limit, and lists everything without one', () => {
    const short = formatPlan(big, { limit: 10 });
    expect(short).toContain('    user9@x (s9)');
    expect(short).not.toContain('user10@x');
    expect(short).toContain('    … and 3 more (--all lists them, --json gives them to a script)');
    expect(short).toContain('+ Sales: m0, m1, m2, m3, m4, … 35 more');
    const all = formatPlan(big, {});
    expect(all).toContain('user12@x (s12)');
    expect(all).toContain('m39');
    expect(all).not.toContain('more');
  });

  it('gives a script every operation with old → new, sensitive values redacted', () => {
    const json = planJson([big], () => ({ sensitive: new Set(['password']), source: 'corp' }));
    expect(json).toMatchObject({ complete: true, changes: true, summary: { create: 13, update: 1, disable: 1, membershipChanges: 40, held: 1 } });
    const [job] = json.jobs;
    expect(job?.operations[0]).toEqual({
      object: 'user',
      kind: 'create',
      sourceId: 's0',
      label: 'user0@x',
      held: false,
      changes: [
        { path: 'userName', old: null, new: 'user0@x' },
        { path: 'password', old: null, new: '[Redact]' },
        { path: 'title', old: null, new: 'T', onCreateOnly: true },
      ],
    });
    expect(job?.operations.find((o) => o.kind === 'disable')).toMatchObject({ targetId: 't2', reason: 'softDeleted', held: true, changes: [{ path: 'active', old: true, new: false }] });
    expect(job?.membership[0]?.members).toHaveLength(40);
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});

describe('formatPlan: the manager and removals', () => {
  const MANAGER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager';

  it('shows a manager not in the app yet on the create, and a removal as one', () => {
    const text = formatPlan(
      report({
        plan: {
          operations: [
            { kind: 'create', sourceId: 's1', label: 'ada', mapped: { attributes: { userName: 'ada' }, createOnly: {}, references: { [MANAGER]: 'boss-id' } }, match: [] },
            {
              kind: 'update',
              sourceId: 's2',
              label: 'alan',
              targetId: 't2',
              changes: [{ path: MANAGER, old: { value: 't-boss' }, new: undefined }, { path: 'title', old: 'Engineer', new: 'Lead' }],
              attributes: {},
            },
          ],
          skipped: [],
        },
      }),
    );
    expect(text).toContain(`      + ${MANAGER} = (user boss-id once it is in the app; set by the cycle that provisions it)`);
    expect(text).toContain(`      - ${MANAGER}: {"value":"t-boss"} → (removed)`);
    expect(text).toContain('      ~ title: "Engineer" → "Lead"');
  });
});
