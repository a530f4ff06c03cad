import { describe, expect, it } from 'vitest';
import { planUserChanges, type ObservedUser } from '../../src/engine/plan.js';
import type { Link } from '../../src/state/store.js';

const rules = { outOfScope: 'disable', disabled: 'disable', softDeleted: 'disable', hardDeleted: 'delete' } as const;

function observed(id: string, status: ObservedUser['status'], attributes: Record<string, string | boolean>): ObservedUser {
  return { sourceId: id, label: `${id}@x`, status, mapped: { ok: true, value: { attributes, createOnly: {} } }, match: [{ attribute: 'userName', value: `${id}@x` }] };
}
function link(id: string, attributes: Record<string, string | boolean>, state: Link['state'] = 'active'): [string, Link] {
  return [id, { sourceId: id, targetId: `t-${id}`, label: `${id}@x`, state, attributes }];
}

describe('planUserChanges', () => {
  it('creates unlinked in-scope users and updates only changed attributes of linked ones', () => {
    const plan = planUserChanges({
      observed: [observed('a', 'active', { userName: 'a@x', title: 'CTO', active: true }), observed('b', 'active', { userName: 'b@x', title: 'Dev', active: true })],
      links: new Map([link('b', { userName: 'b@x', title: 'Intern', active: true })]),
      readComplete: true,
      rules,
    });
    expect(plan.operations.map((o) => [o.kind, o.sourceId])).toEqual([
      ['create', 'a'],
      ['update', 'b'],
    ]);
    expect(plan.operations[1]).toMatchObject({ targetId: 't-b', changes: [{ path: 'title', old: 'Intern', new: 'Dev' }] });
  });

  it('plans nothing for an unchanged directory', () => {
    const plan = planUserChanges({
      observed: [observed('a', 'active', { userName: 'a@x', active: true })],
      links: new Map([link('a', { userName: 'a@x', active: true })]),
      readComplete: true,
      rules,
    });
    expect(plan.operations).toEqual([]);
  });

  it('disables a linked user that was disabled, with active=false, and never creates a disabled one', () => {
    const plan = planUserChanges({
      observed: [observed('a', 'disabled', { userName: 'a@x', active: false }), observed('new', 'disabled', { userName: 'new@x', active: false })],
      links: new Map([link('a', { userName: 'a@x', active: true })]),
      readComplete: true,
      rules,
    });
    expect(plan.operations).toEqual([
      expect.objectContaining({ kind: 'disable', targetId: 't-a', reason: 'disabled', changes: [{ path: 'active', old: true, new: false }] }),
    ]);
  });

  it('re-enables a disabled link that is back in scope, keeping its target id', () => {
    const plan = planUserChanges({
      observed: [observed('a', 'active', { userName: 'a@x', active: true })],
      links: new Map([link('a', { userName: 'a@x', active: false }, 'disabled')]),
      readComplete: true,
      rules,
    });
    expect(plan.operations).toEqual([expect.objectContaining({ kind: 'enable', targetId: 't-a', changes: [{ path: 'active', old: false, new: true }] })]);
  });

  it('applies the rule of each reason: ignore, delete, and hard deletes only after a complete read', () => {
    const links = new Map([link('gone', { userName: 'gone@x', active: true }), link('out', { userName: 'out@x', active: true })]);
    const input = { observed: [observed('out', 'outOfScope', { userName: 'out@x', active: false })], links };
    expect(planUserChanges({ ...input, readComplete: true, rules: { ...rules, outOfScope: 'ignore' } }).operations).toEqual([
      expect.objectContaining({ kind: 'delete', sourceId: 'gone', reason: 'hardDeleted' }),
    ]);
    expect(planUserChanges({ ...input, readComplete: false, rules: { ...rules, outOfScope: 'ignore' } }).operations).toEqual([]);
    expect(planUserChanges({ ...input, readComplete: true, rules: { ...rules, hardDeleted: 'disable' } }).operations.map((o) => o.kind)).toEqual(['disable', 'disable']);
  });

  it('skips a user whose mapping failed and reports it with its id', () => {
    const plan = planUserChanges({
      observed: [{ sourceId: 'bad', label: 'bad', status: 'active', mapped: { ok: false, error: 'required attribute userName is empty' }, match: [] }],
      links: new Map([link('bad', { userName: 'bad@x', active: true })]),
      readComplete: true,
      rules,
    });
    expect(plan.operations).toEqual([]);
    expect(plan.skipped).toEqual([{ sourceId: 'bad', label: 'bad', error: 'required attribute userName is empty' }]);
  });

  it('orders creates and updates before deprovisioning', () => {
    const plan = planUserChanges({
      observed: [observed('d', 'disabled', { active: false }), observed('n', 'active', { userName: 'n@x', active: true })],
      links: new Map([link('d', { active: true })]),
      readComplete: true,
      rules,
    });
    expect(plan.operations.map((o) => o.kind)).toEqual(['create', 'disable']);
  });
});
