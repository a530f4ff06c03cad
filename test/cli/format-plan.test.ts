/** What `provisiond plan` prints: an incomplete read is said plainly, and never reads as "in sync". */
import { describe, expect, it } from 'vitest';
import { formatPlan, readIncomplete } from '../../src/cli/format-plan.js';
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
