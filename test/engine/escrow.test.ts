import { describe, expect, it } from 'vitest';
import { applyEscrow, fingerprintOf, nextAttemptAt } from '../../src/engine/escrow.js';
import type { UserOperation } from '../../src/engine/plan.js';
import type { PendingEntry } from '../../src/state/store.js';

const now = new Date('2026-06-01T12:00:00Z');
const update = (id: string, title: string): UserOperation => ({
  kind: 'update',
  sourceId: id,
  label: id,
  targetId: `t-${id}`,
  changes: [{ path: 'title', old: 'x', new: title }],
  attributes: { title },
});
const pending = (op: UserOperation, attempts: number, nextAttemptAt: string | null): [string, PendingEntry] => [
  op.sourceId,
  { sourceId: op.sourceId, attempts, nextAttemptAt, fingerprint: fingerprintOf(op), lastError: '400 invalidValue' },
];

describe('escrow', () => {
  it('sends new operations and those whose backoff has passed; defers the others', () => {
    const fresh = update('fresh', 'a');
    const ready = update('ready', 'b');
    const waiting = update('waiting', 'c');
    const decision = applyEscrow(
      [fresh, ready, waiting],
      new Map([pending(ready, 2, '2026-06-01T11:00:00Z'), pending(waiting, 3, '2026-06-01T13:00:00Z')]),
      { now, maxAttempts: 10 },
    );
    expect(decision.due).toEqual([fresh, ready]);
    expect(decision.deferred).toEqual([waiting]);
  });

  it('parks an operation out of attempts, until the source object changes', () => {
    const stuck = update('stuck', 'a');
    const entries = new Map([pending(stuck, 10, null)]);
    expect(applyEscrow([stuck], entries, { now, maxAttempts: 10 }).parked).toEqual([{ operation: stuck, lastError: '400 invalidValue', attempts: 10 }]);
    const changed = update('stuck', 'fixed at the source');
    expect(applyEscrow([changed], entries, { now, maxAttempts: 10 }).due).toEqual([changed]);
  });

  it('retries on the next cycles first, then backs off exponentially up to 12 h', () => {
    const wait = (attempts: number) => (nextAttemptAt(attempts, now).getTime() - now.getTime()) / 60_000;
    expect([1, 2, 3, 4, 5].map(wait)).toEqual([0, 5, 10, 20, 40]);
    expect(wait(20)).toBe(720);
  });
});
