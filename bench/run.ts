/**
 * `npm run bench`: the engine's hot paths on generated data, timed, printed as a table and
 * written to bench/results/latest.json. Speed is measured here, never asserted in tests.
 * `npm run bench -- --e2e [--users N …]` runs the end-to-end benchmark instead (e2e.ts).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { MappingConfig } from '../src/config/schema.js';
import { planMembershipChanges } from '../src/engine/group-plan.js';
import { planUserChanges, type ObservedUser } from '../src/engine/plan.js';
import { compileMappings, mapObject, type MappingEnvironment } from '../src/mapping/map.js';
import type { SourceUser } from '../src/sources/source.js';
import { serializeLink, StateStore, type Link, type StateWrite } from '../src/state/store.js';

interface Result {
  readonly name: string;
  readonly items: number;
  readonly ms: number;
  readonly target?: string;
}

const env: MappingEnvironment = { now: () => new Date('2026-01-01T00:00:00Z'), random: () => 0.5 };

const mappingConfigs: MappingConfig[] = [
  { target: 'userName', source: 'userPrincipalName', apply: 'always', required: true },
  { target: 'externalId', source: 'id', apply: 'always', required: false },
  { target: 'active', expression: 'Switch([IsSoftDeleted], , "False", "True", "True", "False")', apply: 'always', required: false },
  { target: 'displayName', expression: 'Join(" ", [givenName], [surname])', apply: 'always', required: false },
  { target: 'name.givenName', source: 'givenName', apply: 'always', required: false },
  { target: 'name.familyName', source: 'surname', apply: 'always', required: false },
  { target: 'emails[type eq "work"].value', expression: 'ToLower([mail])', apply: 'always', required: false },
  { target: 'title', source: 'jobTitle', apply: 'always', required: false },
  { target: 'phoneNumbers[type eq "mobile"].value', source: 'mobilePhone', apply: 'always', required: false },
  { target: 'addresses[type eq "work"].locality', source: 'city', apply: 'always', required: false },
  { target: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', source: 'department', apply: 'always', required: false },
  { target: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber', source: 'employeeId', apply: 'always', required: false },
  { target: 'nickName', expression: 'ToLower(Join(".", [givenName], [surname]))', apply: 'always', required: false },
  { target: 'preferredLanguage', constant: 'en-US', apply: 'always', required: false },
  { target: 'userType', expression: 'Switch([department], "Staff", "Engineering", "Engineer", "Sales", "Seller")', apply: 'always', required: false },
];

function makeUsers(count: number): SourceUser[] {
  const departments = ['Engineering', 'Sales', 'Support', 'Finance'];
  return Array.from({ length: count }, (_, i) => ({
    id: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
    enabled: i % 50 !== 0,
    deleted: false,
    attributes: {
      id: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
      userPrincipalName: `user${i}@contoso.com`,
      givenName: `Given${i}`,
      surname: `Surname${i}`,
      mail: `User${i}@Contoso.com`,
      jobTitle: 'Engineer',
      mobilePhone: `+1 555 ${String(i).padStart(7, '0')}`,
      city: 'Berlin',
      department: departments[i % departments.length] as string,
      employeeId: String(100000 + i),
    },
  }));
}

function time(name: string, items: number, fn: () => void, target?: string): Result {
  fn(); // warm-up: JIT and lazy compilation are not what we measure
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    fn();
    runs.push(performance.now() - start);
  }
  return { name, items, ms: Math.min(...runs), target };
}

function main(): void {
  const results: Result[] = [];
  const set = compileMappings(mappingConfigs);
  const users = makeUsers(100_000);
  let mapped: ObservedUser[] = [];
  results.push(
    time('map 100k users × 15 mappings', users.length, () => {
      mapped = users.map((u) => ({ sourceId: u.id, label: u.id, status: u.enabled ? 'active' : 'disabled', mapped: mapObject(u, !u.enabled, set, env), match: [] }));
    }, '< 2000 ms'),
  );
  const links = new Map<string, Link>();
  mapped.forEach((u, i) => {
    if (!u.mapped.ok) return;
    const attributes = i % 100 === 0 ? { ...u.mapped.value.attributes, title: 'Changed' } : u.mapped.value.attributes;
    links.set(u.sourceId, { sourceId: u.sourceId, targetId: `t${i}`, label: u.label, state: 'active', attributes });
  });
  const rules = { outOfScope: 'disable', disabled: 'disable', softDeleted: 'disable', hardDeleted: 'delete' } as const;
  results.push(time('diff+plan 100k linked users', users.length, () => void planUserChanges({ observed: mapped, links, readComplete: true, rules })));

  const memberIds = Array.from({ length: 50_050 }, (_, i) => `user-${i}`);
  const memberLinks = new Map<string, Link>(memberIds.map((id, i) => [id, { sourceId: id, targetId: `t${i}`, label: id, state: 'active', attributes: {} }]));
  const recorded = new Map([['group', new Set(memberIds.slice(0, 50_000))]]);
  results.push(
    time('membership diff, 50k-member group, 100 changes', 50_000, () => {
      const plan = planMembershipChanges({
        groups: [{ sourceId: 'group', label: 'All staff', targetId: 'tg', memberIds: memberIds.slice(50) }],
        recorded,
        userLinks: memberLinks,
        batchSize: 50,
      });
      if (plan.changes.length !== 2) throw new Error('membership benchmark computed the wrong plan');
    }, '< 1000 ms'),
  );

  // What the recorder does per confirmed create, on a fresh state file: the claim lookup, then the
  // link (attributes, hash) in transactions of 1,000.
  const confirmed = mapped.slice(0, 30_000).flatMap((u, i) => (u.mapped.ok ? [{ sourceId: u.sourceId, targetId: `${i}-${u.sourceId}`, label: u.label, attributes: u.mapped.value.attributes }] : []));
  results.push(
    time('record 30k confirmed creates (state file, batches of 1,000)', confirmed.length, () => {
      const dir = mkdtempSync(join(tmpdir(), 'provisiond-bench-store-'));
      const store = StateStore.open(join(dir, 'state.db'));
      try {
        let batch: StateWrite[] = [];
        for (const link of confirmed) {
          if (store.linkedSourceOf('bench', 'user', link.targetId)) throw new Error('store benchmark found a claim on a new id');
          batch.push({ type: 'link', kind: 'user', link: serializeLink({ ...link, state: 'active' }), clearsPending: false });
          if (batch.length === 1000) (store.writeBatch('bench', batch), (batch = []));
        }
        store.writeBatch('bench', batch);
      } finally {
        store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }),
  );

  const rows = results.map((r) => ({
    benchmark: r.name,
    items: r.items,
    'ms (best of 3)': Math.round(r.ms),
    'items/s': Math.round((r.items / r.ms) * 1000),
    target: r.target ?? '',
  }));
  console.table(rows);
  const dir = join(process.cwd(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'latest.json');
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, results }, null, 2));
  console.log(`written to ${file}`);
}

if (process.argv.includes('--e2e')) {
  const { runE2eBench } = await import('./e2e.js');
  await runE2eBench(process.argv.slice(2));
} else {
  main();
}
