/**
 * The bad-input corpus (run by bad-input.test.ts): source objects no one should have to sync (missing or colliding names,
 * nulls, 10 KB values, control characters, lone surrogates, emoji, right-to-left text, quotes and
 * backslashes through Join and customJson, a group that contains itself, unknown members) and
 * answers no app should give (not JSON, no id, a numeric id, the wrong content type, 409 with
 * nothing to find, 404 on PATCH, SCIM error bodies, someone else's resource).
 *
 * Every case ends as a per-object error or is handled cleanly: never a crash, never a wrong link,
 * nothing duplicated, the snapshot consistent. All cases share one directory and one app, and the
 * same few cycles, so the corpus costs a handful of CLI runs rather than one per case.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScimRequestLogEntry, ScimResource } from '../../dev/scim-server.js';
import { crashed, FaultEnv, levelOf, writes, type CliResult, type LinkRow } from './fault-env.js';
import { recordCase } from './summary.js';

const FULL = ['--sync-now', '--full', '--config', 'provisiond.yaml'];
const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const CUSTOM = 'urn:ietf:params:scim:schemas:extension:flip:custom:2.0:User';
const TEAM = `${CUSTOM}:attributes[technicalName eq "custom_team"].value`;
const CUSTOM_JSON = 'urn:ietf:params:scim:schemas:extension:flip:customJson:2.0:User:value';
const KB10 = 'x'.repeat(10 * 1024);

/** How a case must end. */
type Expectation =
  /** In the app exactly as mapped, linked to its own account, once. */
  | 'synced'
  /** A per-object error every cycle: not in the app, not linked. */
  | 'refused'
  /** A per-object error first (the answer could not be believed), then synced by a later cycle without a duplicate. */
  | 'recovers'
  /** Either synced or refused; both are clean. */
  | 'handled';

interface Case {
  readonly name: string;
  readonly expect: Expectation;
  /** Runs before the baseline cycle (objects later cycles change). */
  readonly baseline?: () => void;
  /** A broken source page: arranged and run on its own cycle, between the baseline and the corpus cycles (a broken page fails the whole read). */
  readonly ownCycle?: boolean;
  /** The app performed the request whose answer could not be believed: later cycles must find the object, never create it again. */
  readonly performed?: boolean;
  /** The app's accounts for it were made by the app's admin (not provisiond): they are no duplicates of ours. */
  readonly handMade?: boolean;
  /** For values of the wrong type: what they become is not prescribed, only that the user ends synced (once, linked to its own account) or refused. */
  readonly inexact?: boolean;
  /** Sets up the case: source objects, faults. Returns the source user ids it is about. */
  readonly arrange: () => Promise<string[]> | string[];
  /** Extra assertions of the case, after the cycles. */
  readonly check?: (ids: readonly string[]) => void;
}

let env: FaultEnv;
const runs: CliResult[] = [];
/** What each corpus cycle sent the app. */
const runWrites: ScimRequestLogEntry[][] = [];
let baseline: CliResult;
let quiet: CliResult;
let quietWrites: string[];
const ownCycles = new Map<string, CliResult>();
const ownCycleWrites = new Map<string, ScimRequestLogEntry[]>();
/** Source id → its app account's id after the baseline cycle. */
const baselineTargetIds = new Map<string, string>();
const caseIds = new Map<string, string[]>();
const baselineIds = new Map<string, string>();
let serial = 0;

// ---- source objects --------------------------------------------------------------------------

function sourceUser(key: string, props: Record<string, unknown> = {}): string {
  serial += 1;
  return env.graph.upsertUser({
    userPrincipalName: `upn-${serial}@upn.corpus.example`,
    mail: `${key}@corpus.example`,
    givenName: 'Given',
    surname: key,
    jobTitle: 'Title',
    department: 'Dept',
    accountEnabled: true,
    ...props,
  });
}

function sourceProps(id: string): Record<string, unknown> {
  const found = env.graph.users().find((u) => u['id'] === id);
  if (!found) throw new Error(`no source user ${id}`);
  return found;
}

function mailOf(id: string): string {
  return String(sourceProps(id)['mail']);
}

/** A source user's app account as the job maps it. */
function mapped(id: string): Record<string, unknown> {
  const u = sourceProps(id);
  return {
    userName: u['mail'],
    externalId: id,
    displayName: `${String(u['givenName'])} ${String(u['surname'])}`,
    // SCIM's title is a string: a number from the directory is sent as its text.
    ...(u['jobTitle'] === null || u['jobTitle'] === undefined ? {} : { title: typeof u['jobTitle'] === 'number' ? String(u['jobTitle']) : u['jobTitle'] }),
    team: u['department'],
  };
}

// ---- what the app and the snapshot hold --------------------------------------------------------

function accountsOf(id: string): ScimResource[] {
  return env.scim.users().filter((u) => u['externalId'] === id);
}

function liveLink(id: string): LinkRow | undefined {
  return env.snapshot().links.find((l) => l.sourceId === id && l.state !== 'deleted');
}

function held(account: ScimResource): Record<string, unknown> {
  const custom = account[CUSTOM] as { attributes?: { technicalName: string; value: unknown }[] } | undefined;
  return {
    userName: account['userName'],
    externalId: account['externalId'],
    displayName: account['displayName'],
    ...(account['title'] === undefined ? {} : { title: account['title'] }),
    team: custom?.attributes?.find((a) => a.technicalName === 'custom_team')?.value,
  };
}

/** Warnings and errors of a run that name this source object (by id or userName). */
function complaintsAbout(run: CliResult, ...needles: string[]): Record<string, unknown>[] {
  return run.logs.filter((l) => levelOf(l) >= 40 && needles.some((n) => JSON.stringify(l).includes(JSON.stringify(n).slice(1, -1))));
}

function isSynced(id: string): boolean {
  const accounts = accountsOf(id);
  const link = liveLink(id);
  return accounts.length === 1 && link?.targetId === String(accounts[0]!.id);
}

function expectSynced(id: string, exact = true): void {
  const accounts = accountsOf(id);
  expect(accounts, `app accounts of ${id}`).toHaveLength(1);
  const account = accounts[0]!;
  if (exact) expect(held(account)).toEqual(mapped(id));
  else expect(account['userName']).toBe(mailOf(id));
  const link = liveLink(id);
  expect(link?.targetId, 'linked under the string form of the id').toBe(String(account.id));
  expect(typeof link?.targetId).toBe('string');
}

function expectRefused(id: string): void {
  expect(accountsOf(id), `app accounts of ${id}`).toHaveLength(0);
  expect(liveLink(id)).toBeUndefined();
  // Reported (escrow may defer later attempts, which are then not logged again).
  expect(runs.flatMap((run) => complaintsAbout(run, id, mailOf(id))).length, `a per-object error names ${id}`).toBeGreaterThan(0);
}

/** Counts for the tally: source users that should be in the app and are not; accounts beyond one per source user. */
function tallyOf(c: Case, ids: readonly string[]): { lost: number; duplicated: number } {
  const lost = c.expect === 'synced' || c.expect === 'recovers' ? ids.filter((id) => accountsOf(id).length === 0).length : 0;
  const duplicated = c.handMade ? 0 : ids.reduce((sum, id) => sum + Math.max(0, accountsOf(id).length - 1), 0);
  return { lost, duplicated };
}

// ---- the corpus ------------------------------------------------------------------------------

/** A fault on the next POST /Users that carries this user's userName. */
function onCreateOf(mail: string, fault: Record<string, unknown>): void {
  env.scim.injectFault({ method: 'POST', path: '/Users', match: `"userName":"${mail}"`, ...fault });
}

function targetIdOf(key: string): string {
  const id = baselineIds.get(key)!;
  return String(accountsOf(id)[0]!.id);
}

export const CASES: Case[] = [
  // Source: names
  { name: 'source: null userName (mail) on a required mapping', expect: 'refused', arrange: () => [sourceUser('null-mail', { mail: null })] },
  { name: 'source: empty userName', expect: 'refused', arrange: () => [sourceUser('empty-mail', { mail: '' })] },
  { name: 'source: whitespace-only userName', expect: 'handled', arrange: () => [sourceUser('ws', { mail: '   ' })] },
  { name: 'source: userName with leading and trailing spaces', expect: 'handled', arrange: () => [sourceUser('pad', { mail: '  pad@corpus.example  ' })] },
  {
    name: 'source: two users whose userName differs only in case',
    expect: 'refused',
    arrange: () => [sourceUser('Case.Twin'), sourceUser('case.twin')],
    check: ([first, second]) => collisionChecks(first!, second!),
  },
  {
    name: 'source: two users mapping to the same userName',
    expect: 'refused',
    arrange: () => [sourceUser('same-name'), sourceUser('same-name')],
    check: ([first, second]) => collisionChecks(first!, second!),
  },
  { name: 'source: 10 KB givenName (through Join)', expect: 'synced', arrange: () => [sourceUser('long-given', { givenName: KB10 })] },
  { name: 'source: 10 KB jobTitle', expect: 'synced', arrange: () => [sourceUser('long-title', { jobTitle: KB10 })] },
  { name: 'source: 10 KB department (through customJson)', expect: 'synced', arrange: () => [sourceUser('long-dept', { department: KB10 })] },
  { name: 'source: 10 KB userName', expect: 'handled', arrange: () => [sourceUser(`long-${KB10}`)] },
  { name: 'source: 10 KB of emoji in surname', expect: 'synced', arrange: () => [sourceUser('emoji-10k', { surname: '🦄'.repeat(2560) })] },
  // Source: characters
  { name: 'source: control characters in surname', expect: 'handled', arrange: () => [sourceUser('ctl-surname', { surname: 'a\u0001b\u0007c\u001b[31mred\u0000z' })] },
  { name: 'source: newline and tab in jobTitle', expect: 'synced', arrange: () => [sourceUser('ctl-title', { jobTitle: 'line one\nline two\tcolumn' })] },
  { name: 'source: control characters in userName', expect: 'handled', arrange: () => [sourceUser('ctl\u0007name')] },
  { name: 'source: lone high surrogate in givenName', expect: 'handled', arrange: () => [sourceUser('lone-high', { givenName: 'broken\ud800' })] },
  { name: 'source: lone low surrogate in jobTitle', expect: 'handled', arrange: () => [sourceUser('lone-low', { jobTitle: '\udfffbroken' })] },
  { name: 'source: lone surrogate in userName', expect: 'handled', arrange: () => [sourceUser('lone\ud83dname')] },
  { name: 'source: emoji in givenName and surname', expect: 'synced', arrange: () => [sourceUser('emoji', { givenName: '👩🏽‍💻', surname: '👨‍👩‍👧‍👦 Family' })] },
  { name: 'source: emoji in userName', expect: 'handled', arrange: () => [sourceUser('🦄unicorn')] },
  { name: 'source: right-to-left names', expect: 'synced', arrange: () => [sourceUser('rtl', { givenName: 'שלום', surname: 'مرحبا' })] },
  { name: 'source: right-to-left override in jobTitle', expect: 'synced', arrange: () => [sourceUser('rlo', { jobTitle: 'admin\u202egnp.exe' })] },
  { name: 'source: quotes and backslashes through Join', expect: 'synced', arrange: () => [sourceUser('join-quotes', { givenName: 'Ann "The \\"Hammer\\""', surname: 'back\\slash\\' })] },
  {
    name: 'source: quotes, backslashes and JSON through customJson',
    expect: 'synced',
    arrange: () => [sourceUser('json-quotes', { department: 'R&D "core" \\ \n {"attributes":[{"technicalName":"x","value":"y"}]}' })],
  },
  { name: 'source: double quote in userName (filter escaping)', expect: 'handled', arrange: () => [sourceUser('o"neil')] },
  { name: 'source: backslash in userName (filter escaping)', expect: 'handled', arrange: () => [sourceUser('back\\slash')] },
  { name: 'source: filter syntax in userName', expect: 'handled', arrange: () => [sourceUser('x" or userName pr or "')] },
  // Source: nulls and types
  { name: 'source: null jobTitle', expect: 'synced', arrange: () => [sourceUser('null-title', { jobTitle: null })] },
  { name: 'source: null accountEnabled', expect: 'handled', arrange: () => [sourceUser('null-enabled', { accountEnabled: null })] },
  { name: 'source: number where a string belongs (jobTitle: 42)', expect: 'handled', inexact: true, arrange: () => [sourceUser('num-title', { jobTitle: 42 })] },
  { name: 'source: object where a string belongs (surname)', expect: 'handled', inexact: true, arrange: () => [sourceUser('obj-surname', { surname: { nested: true } })] },
  { name: 'source: array where a string belongs (mail)', expect: 'handled', inexact: true, arrange: () => [sourceUser('arr-mail', { mail: ['a@corpus.example', 'b@corpus.example'] })] },
  // Source: broken pages (from the Graph fake's malformPage)
  {
    name: 'source: a user without an id in a page',
    expect: 'handled',
    ownCycle: true,
    baseline: () => void baselineIds.set('first-in-page', sourceUser('first-in-page')),
    arrange: () => {
      env.graph.malformPage(1, { fault: 'userWithoutId', times: 1 });
      return [baselineIds.get('first-in-page')!];
    },
    check: ([id]) => brokenPageChecks('source: a user without an id in a page', id!),
  },
  {
    name: 'source: a null in a page',
    expect: 'handled',
    ownCycle: true,
    baseline: () => void baselineIds.set('first-of-null-page', sourceUser('first-of-null-page')),
    arrange: () => {
      env.graph.malformPage(1, { fault: 'nullItem', times: 1 });
      return [baselineIds.get('first-of-null-page')!];
    },
    check: ([id]) => brokenPageChecks('source: a null in a page', id!),
  },
  // Groups
  {
    name: 'source: a group that contains itself',
    expect: 'handled',
    arrange: () => {
      const members = [sourceUser('self-group-member-1'), sourceUser('self-group-member-2')];
      const id = '5e1f5e1f-0000-4000-8000-000000000001';
      env.graph.upsertGroup({ id, displayName: 'Contains Itself', members: [id, ...members] });
      groupCases.set('Contains Itself', { id, members });
      return members;
    },
    check: () => groupChecks('Contains Itself'),
  },
  {
    name: 'source: a group with unknown member ids',
    expect: 'handled',
    arrange: () => {
      const members = [sourceUser('unknown-members-member')];
      const id = env.graph.upsertGroup({ displayName: 'Unknown Members', members: [...members, '0bad0bad-0000-4000-8000-00000000dead', 'not-even-a-guid'] });
      groupCases.set('Unknown Members', { id, members });
      return members;
    },
    check: () => groupChecks('Unknown Members'),
  },
  {
    name: 'source: two groups whose names differ only in case',
    expect: 'handled',
    arrange: () => {
      const a = env.graph.upsertGroup({ displayName: 'Twin Group', members: [] });
      const b = env.graph.upsertGroup({ displayName: 'twin group', members: [] });
      groupCases.set('Twin Group', { id: a, members: [] });
      groupCases.set('twin group', { id: b, members: [] });
      return [];
    },
    check: () => {
      groupChecks('Twin Group');
      groupChecks('twin group');
    },
  },
  {
    name: 'source: a group named with emoji, right-to-left text, quotes and backslashes',
    expect: 'handled',
    arrange: () => {
      const members = [sourceUser('unicode-group-member')];
      const name = '👩‍💻 "Quoted" \\ שלום';
      groupCases.set(name, { id: env.graph.upsertGroup({ displayName: name, members }), members });
      return members;
    },
    check: () => groupChecks('👩‍💻 "Quoted" \\ שלום'),
  },
  // Target: answers to a create
  {
    name: 'target: create performed, answered 201 with a body that is not JSON',
    expect: 'recovers',
    performed: true,
    arrange: () => {
      const id = sourceUser('create-not-json');
      onCreateOf(mailOf(id), { perform: true, answer: { status: 201, body: 'Created!', contentType: 'text/plain' } });
      return [id];
    },
  },
  {
    name: 'target: create performed, answered 200 with an HTML page',
    expect: 'recovers',
    performed: true,
    arrange: () => {
      const id = sourceUser('create-html');
      onCreateOf(mailOf(id), { perform: true, answer: { status: 200, body: '<!DOCTYPE html><html><body>Welcome</body></html>', contentType: 'text/html' } });
      return [id];
    },
  },
  {
    name: 'target: create performed, answered without an id',
    expect: 'recovers',
    performed: true,
    arrange: () => {
      const id = sourceUser('create-no-id');
      onCreateOf(mailOf(id), { perform: true, transform: 'withoutId' });
      return [id];
    },
  },
  {
    name: 'target: create performed, answered {}',
    expect: 'recovers',
    performed: true,
    arrange: () => {
      const id = sourceUser('create-empty-object');
      onCreateOf(mailOf(id), { perform: true, answer: { status: 201, body: '{}', contentType: 'application/scim+json' } });
      return [id];
    },
  },
  {
    name: 'target: create performed, answered null',
    expect: 'recovers',
    performed: true,
    arrange: () => {
      const id = sourceUser('create-null');
      onCreateOf(mailOf(id), { perform: true, answer: { status: 201, body: 'null', contentType: 'application/scim+json' } });
      return [id];
    },
  },
  {
    name: 'target: create performed, answered with an empty-string id',
    expect: 'recovers',
    performed: true,
    arrange: () => {
      const id = sourceUser('create-empty-id');
      onCreateOf(mailOf(id), { perform: true, answer: { status: 201, body: JSON.stringify({ schemas: [CORE_USER], id: '', userName: mailOf(id) }), contentType: 'application/scim+json' } });
      return [id];
    },
  },
  {
    name: 'target: create performed, answered with another user’s resource',
    expect: 'recovers',
    performed: true,
    baseline: () => void baselineIds.set('victim', sourceUser('victim')),
    arrange: () => {
      const id = sourceUser('create-someone-else');
      const other = accountsOf(baselineIds.get('victim')!)[0]!;
      onCreateOf(mailOf(id), { perform: true, answer: { status: 201, body: JSON.stringify(other), contentType: 'application/scim+json' } });
      return [id];
    },
  },
  {
    name: 'target: create performed, answered with the wrong content type',
    expect: 'handled',
    arrange: () => {
      const id = sourceUser('create-wrong-type');
      onCreateOf(mailOf(id), { perform: true, answer: { contentType: 'text/html; charset=utf-8' } });
      return [id];
    },
  },
  {
    name: 'target: create answered with a numeric id',
    expect: 'synced',
    arrange: () => [sourceUser('create-numeric-id')],
    check: ([id]) => expect(accountsOf(id!)[0]!.id).toMatch(/^\d+$/),
  },
  {
    name: 'target: create not performed, answered 201 with a body that is not JSON',
    expect: 'recovers',
    arrange: () => {
      const id = sourceUser('create-junk-unperformed');
      onCreateOf(mailOf(id), { answer: { status: 201, body: 'OK' } });
      return [id];
    },
  },
  {
    name: 'target: create performed, its answer lost past the client timeout',
    expect: 'synced',
    arrange: () => {
      const id = sourceUser('create-hangs');
      onCreateOf(mailOf(id), { perform: true, holdMs: 4_000 });
      return [id];
    },
  },
  {
    name: 'target: 409 uniqueness with nothing to find',
    expect: 'recovers',
    arrange: () => {
      const id = sourceUser('create-409-nothing');
      onCreateOf(mailOf(id), { status: 409, scimType: 'uniqueness' });
      return [id];
    },
  },
  {
    name: 'target: 400 SCIM error body (invalidValue) on create',
    expect: 'recovers',
    arrange: () => {
      const id = sourceUser('create-400');
      onCreateOf(mailOf(id), { status: 400, scimType: 'invalidValue' });
      return [id];
    },
    check: ([id]) => {
      const first = complaintsAbout(runs[0]!, id!);
      expect(first.some((l) => l['scimType'] === 'invalidValue' || JSON.stringify(l).includes('invalidValue'))).toBe(true);
    },
  },
  {
    name: 'target: 500 SCIM error body on every attempt of a create',
    expect: 'recovers',
    arrange: () => {
      const id = sourceUser('create-500');
      onCreateOf(mailOf(id), { status: 500, count: 5 });
      return [id];
    },
  },
  {
    name: 'target: 429 without Retry-After on a create',
    expect: 'synced',
    arrange: () => {
      const id = sourceUser('create-429');
      onCreateOf(mailOf(id), { status: 429, count: 2 });
      return [id];
    },
  },
  // Target: answers to a lookup
  {
    name: 'target: lookup answered 200 with HTML',
    expect: 'handled',
    arrange: () => {
      const id = sourceUser('lookup-html');
      env.scim.injectFault({ method: 'GET', match: `"${id}"`, answer: { status: 200, body: '<html>maintenance</html>', contentType: 'text/html' } });
      return [id];
    },
  },
  {
    name: 'target: lookup answered {} for a user the app already has',
    expect: 'handled',
    arrange: async () => {
      const id = sourceUser('lookup-empty-existing');
      await env.scim.createUser({ schemas: [CORE_USER], userName: mailOf(id) });
      env.scim.injectFault({ method: 'GET', match: `"${mailOf(id)}"`, answer: { status: 200, body: '{}', contentType: 'application/scim+json' } });
      return [id];
    },
  },
  {
    name: 'target: lookup answered with Resources that is not an array',
    expect: 'handled',
    arrange: () => {
      const id = sourceUser('lookup-resources-object');
      env.scim.injectFault({
        method: 'GET',
        match: `"${id}"`,
        answer: { status: 200, body: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 1, Resources: {} }), contentType: 'application/scim+json' },
      });
      return [id];
    },
  },
  {
    name: 'target: lookup finds the existing user, but without its id',
    expect: 'recovers',
    arrange: async () => {
      const id = sourceUser('lookup-no-id');
      await env.scim.createUser({ schemas: [CORE_USER], userName: mailOf(id) });
      env.scim.injectFault({ method: 'GET', match: `"${mailOf(id)}"`, perform: true, transform: 'withoutId' });
      return [id];
    },
  },
  {
    name: 'target: lookup answered 400 invalidFilter',
    expect: 'recovers',
    arrange: () => {
      const id = sourceUser('lookup-400');
      env.scim.injectFault({ method: 'GET', match: `"${id}"`, status: 400, scimType: 'invalidFilter' });
      return [id];
    },
  },
  {
    name: 'target: two app accounts match one source user',
    expect: 'refused',
    handMade: true,
    arrange: async () => {
      const id = sourceUser('two-accounts');
      await env.scim.createUser({ schemas: [CORE_USER], userName: 'hand-made-1@corpus.example', externalId: id });
      await env.scim.createUser({ schemas: [CORE_USER], userName: 'hand-made-2@corpus.example', externalId: id });
      return [id];
    },
    check: ([id]) => {
      const handMade = accountsOf(id!).map((a) => String(a.id));
      expect(handMade).toHaveLength(2);
      expect(env.snapshot().links.filter((l) => handMade.includes(l.targetId))).toEqual([]);
    },
  },
  // Target: answers to updates and deletes of users synced by the baseline cycle
  {
    name: 'target: 404 on PATCH of an update',
    expect: 'synced',
    baseline: () => void baselineIds.set('patch-404', sourceUser('patch-404')),
    arrange: () => {
      const id = baselineIds.get('patch-404')!;
      env.scim.injectFault({ method: 'PATCH', path: `/Users/${targetIdOf('patch-404')}`, status: 404 });
      env.graph.patchUser(id, { jobTitle: 'Promoted' });
      return [id];
    },
  },
  {
    name: 'target: 500 SCIM error on every attempt of a PATCH',
    expect: 'recovers',
    baseline: () => void baselineIds.set('patch-500', sourceUser('patch-500')),
    arrange: () => {
      const id = baselineIds.get('patch-500')!;
      env.scim.injectFault({ method: 'PATCH', path: `/Users/${targetIdOf('patch-500')}`, status: 500, count: 5 });
      env.graph.patchUser(id, { jobTitle: 'Promoted' });
      return [id];
    },
  },
  {
    name: 'target: PATCH performed, answered 200 with a body that is not JSON',
    expect: 'handled',
    baseline: () => void baselineIds.set('patch-junk', sourceUser('patch-junk')),
    arrange: () => {
      const id = baselineIds.get('patch-junk')!;
      env.scim.injectFault({ method: 'PATCH', path: `/Users/${targetIdOf('patch-junk')}`, perform: true, answer: { status: 200, body: 'patched', contentType: 'text/plain' } });
      env.graph.patchUser(id, { jobTitle: 'Promoted' });
      return [id];
    },
  },
  {
    name: 'target: 400 mutability SCIM error on a PATCH',
    expect: 'recovers',
    baseline: () => void baselineIds.set('patch-400', sourceUser('patch-400')),
    arrange: () => {
      const id = baselineIds.get('patch-400')!;
      env.scim.injectFault({ method: 'PATCH', path: `/Users/${targetIdOf('patch-400')}`, status: 400, scimType: 'mutability' });
      env.graph.patchUser(id, { jobTitle: 'Promoted' });
      return [id];
    },
  },
  {
    name: 'target: 500 on every attempt of a DELETE',
    expect: 'handled',
    baseline: () => void baselineIds.set('delete-500', sourceUser('delete-500')),
    arrange: () => {
      const id = baselineIds.get('delete-500')!;
      const targetId = targetIdOf('delete-500');
      deleted.set(id, targetId);
      env.scim.injectFault({ method: 'DELETE', path: `/Users/${targetId}`, status: 500, count: 5 });
      env.graph.hardDeleteUser(id);
      return [];
    },
    check: () => {
      const id = baselineIds.get('delete-500')!;
      expect(env.scim.users().filter((u) => u.id === deleted.get(id))).toEqual([]);
      expect(liveLink(id)).toBeUndefined();
    },
  },
  {
    name: 'target: 404 on the PATCH that disables a user',
    expect: 'handled',
    baseline: () => void baselineIds.set('disable-404', sourceUser('disable-404')),
    arrange: () => {
      const id = baselineIds.get('disable-404')!;
      env.scim.injectFault({ method: 'PATCH', path: `/Users/${targetIdOf('disable-404')}`, status: 404 });
      env.graph.patchUser(id, { accountEnabled: false });
      return [];
    },
    check: () => {
      const id = baselineIds.get('disable-404')!;
      const link = env.snapshot().links.find((l) => l.sourceId === id);
      // Either the app was told (a later PATCH went through) or provisiond believes the 404 and forgets the link.
      const account = accountsOf(id)[0];
      expect(account?.['active'] === false || link?.state === 'deleted').toBe(true);
    },
  },
];

const groupCases = new Map<string, { id: string; members: string[] }>();
const deleted = new Map<string, string>();

/**
 * A page the source answered wrongly: the cycle reports it and deprovisions no one (the user it
 * concerns keeps its account, under the same id, active), and the user ends synced.
 */
function brokenPageChecks(name: string, id: string): void {
  const run = ownCycles.get(name)!;
  expect(crashed(run), run.stderr).toBe(false);
  expect(ownCycleWrites.get(name)!.filter((r) => r.method === 'DELETE' || /"active"\s*:\s*(false|"False")/.test(JSON.stringify(r.body)))).toEqual([]);
  expect(run.logs.some((l) => levelOf(l) >= 40), 'the broken page is reported').toBe(true);
  expect(accountsOf(id).map((a) => String(a.id))).toEqual([baselineTargetIds.get(id)]);
  expect(accountsOf(id)[0]!['active']).not.toBe(false);
  expectSynced(id);
}

function collisionChecks(first: string, second: string): void {
  // One app account for the name, linked to the first user only; the second gets an error naming both.
  expectSynced(first);
  expect(accountsOf(second)).toHaveLength(0);
  expect(liveLink(second)).toBeUndefined();
  const complaints = runs.flatMap((run) => complaintsAbout(run, second));
  expect(complaints.length, 'a per-object error for the second user').toBeGreaterThan(0);
  expect(
    complaints.some((l) => {
      const text = JSON.stringify(l);
      return text.includes(first) || text.includes(JSON.stringify(mailOf(first)).slice(1, -1));
    }),
    'the error names the first user too',
  ).toBe(true);
}

function groupChecks(name: string): void {
  const { id, members } = groupCases.get(name)!;
  const targets = env.scim.groups().filter((g) => g['externalId'] === id);
  expect(targets.length, `app groups for ${name}`).toBeLessThanOrEqual(1);
  const links = env.snapshot().groupLinks.filter((l) => l.state !== 'deleted');
  const link = links.find((l) => l.sourceId === id);
  if (targets.length === 0) {
    expect(link).toBeUndefined();
    expect(runs.flatMap((run) => complaintsAbout(run, id)).length, `a per-object error names group ${name}`).toBeGreaterThan(0);
    return;
  }
  const group = targets[0]!;
  expect(group['displayName']).toBe(name);
  expect(link?.targetId).toBe(String(group.id));
  const userIds = new Set(env.scim.users().map((u) => String(u.id)));
  const memberIds = ((group['members'] as { value: string }[] | undefined) ?? []).map((m) => String(m.value));
  for (const member of memberIds) expect(userIds.has(member) || member === String(group.id) ? member : `unknown ${member}`).toBe(member);
  const expectedMembers = members.map((m) => String(accountsOf(m)[0]?.id)).sort();
  expect(memberIds.filter((m) => m !== String(group.id)).sort()).toEqual(expectedMembers);
}

/** Registers the corpus's cycles and one test per case (plus the checks every cycle must pass). */
export function runCorpus(title: string): void {
  const cases = CASES;

  beforeAll(async () => {
    env = await FaultEnv.start({ users: 0, pageSize: 40 });
    env.scim.setNumericIds(true);
    env.writeConfig({
      users: {
        match: [
          { target: 'externalId', source: 'objectId' },
          { target: 'userName', source: 'mail' },
        ],
        mappings: [
          { target: 'userName', source: 'mail', required: true },
          { target: 'externalId', source: 'objectId' },
          { target: 'displayName', expression: 'Join(" ", [givenName], [surname])' },
          { target: 'title', source: 'jobTitle' },
          { target: TEAM, source: 'department' },
        ],
        customJson: CUSTOM_JSON,
      },
      groups: { from: 'all' },
      safety: { maxDeletes: 50 },
    });
    for (const c of cases) c.baseline?.();
    baseline = await env.run(FULL);
    if (baseline.code !== 0) throw new Error(`baseline cycle failed: ${baseline.stdout.slice(-3000)}${baseline.stderr}`);
    for (const id of baselineIds.values()) baselineTargetIds.set(id, String(accountsOf(id)[0]?.id));
    for (const c of cases.filter((c) => c.ownCycle)) {
      caseIds.set(c.name, await c.arrange());
      env.scim.clearRequests();
      ownCycles.set(c.name, await env.run(FULL));
      ownCycleWrites.set(c.name, writes(env.scim.requests));
    }
    for (const c of cases.filter((c) => !c.ownCycle)) caseIds.set(c.name, await c.arrange());
    // The corpus cycle, then two more: an answer that could not be believed is found on the next one.
    for (let i = 0; i < 3; i++) {
      env.scim.clearRequests();
      runs.push(await env.run(FULL));
      runWrites.push(writes(env.scim.requests));
    }
    env.scim.clearRequests();
    quiet = await env.run(FULL);
    quietWrites = writes(env.scim.requests).map((r) => `${r.method} ${r.path} ${JSON.stringify(r.body)?.slice(0, 300) ?? ''}`);
  }, 600_000);

  afterAll(async () => {
    await env?.stop();
  });

  describe(title, () => {

    it('never crashes: every cycle ends with a summary and exit 0 or 1', () => {
      for (const run of [baseline, ...ownCycles.values(), ...runs, quiet]) {
        expect(crashed(run), run.stderr).toBe(false);
        expect(run.logs.some((l) => typeof l['msg'] === 'string' && String(l['msg']).startsWith('cycle ')), 'a cycle summary').toBe(true);
      }
    });

    it('keeps the snapshot consistent (PRAGMA integrity_check) and never links wrongly', () => {
      const { integrity, runs: recorded, groupLinks } = env.snapshot();
      expect(integrity).toBe('ok');
      expect(env.wrongLinks()).toEqual([]);
      const groupTargets = groupLinks.filter((l) => l.state !== 'deleted').map((l) => l.targetId);
      expect(new Set(groupTargets).size, 'two source groups share an app group').toBe(groupTargets.length);
      expect(recorded.filter((r) => r.outcome === 'running')).toEqual([]);
    });

    it('settles: once every case has ended, a cycle sends nothing', () => {
      expect(quietWrites).toEqual([]);
    });

    for (const c of cases) {
      it(`${c.expect}: ${c.name}`, () => {
        const ids = caseIds.get(c.name) ?? [];
        recordCase(c.name, tallyOf(c, ids));
        const [first] = ids;
        if (c.expect === 'synced') for (const id of ids) expectSynced(id);
        if (c.expect === 'recovers') {
          for (const id of ids) expectSynced(id);
          expect(first && complaintsAbout(runs[0]!, first, mailOf(first)).length, 'the first cycle reported the answer it could not believe').toBeGreaterThan(0);
        if (c.performed) {
          const creates = runWrites.slice(1).flat().filter((r) => r.method === 'POST' && JSON.stringify(r.body).includes(`"userName":${JSON.stringify(mailOf(first!))}`));
          expect(creates, 'later cycles find the account the app made, before creating anything').toEqual([]);
        }
        }
        if (c.expect === 'refused' && !c.check) for (const id of ids) expectRefused(id);
        if (c.expect === 'handled' && !c.check) for (const id of ids) (isSynced(id) ? expectSynced(id, !c.inexact) : expectRefused(id));
        for (const id of ids) expect(accountsOf(id).length, `app accounts of ${id}`).toBeLessThanOrEqual(c.handMade ? 2 : 1);
        c.check?.(ids);
      });
    }
  });
}
