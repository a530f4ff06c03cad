/**
 * `npm run bench -- --e2e [--users N] [--groups G] [--concurrency C] [--scenarios a,b] [--timeout-minutes M] [--keep]`:
 * provisiond end to end, as a user runs it. The Graph fake (HTTPS, its own process) holds N
 * users with the attributes 14 mappings read; a fast in-memory SCIM app (its own process) is the
 * target; the built CLI (`node dist/main.js --sync-now`) runs each scenario in a fresh process:
 *
 *   initial      first sync of N users (N creates)
 *   incremental  no change since the last cycle
 *   full         no change, --full (reads and compares everything)
 *   changed      1% of the users changed in the directory, then a sync
 *   kill         a first sync killed with SIGKILL halfway, then restarted: every user exactly once
 *   groups       G groups × 20 members (default 5,000 at 100k users, else off): first sync, then a no-change sync
 *   reconcile    `provisiond reconcile` of the main app after 100 users were edited in the app: N accounts
 *                listed, compared with a full directory read; checks that exactly the 100 are drifted
 *
 * and a ceiling: a bare HTTP loop posting the same bodies at the same concurrency, before and
 * after the runs. Reported per scenario: wall time (process start included), SCIM requests,
 * requests/s, creates/s against the ceiling, and the peak RSS of the provisiond process.
 * Table on stdout, JSON in bench/results/. Speed is measured here, never asserted in tests.
 * BENCH_CLI_NODE_FLAGS are node flags for the provisiond processes only (e.g. --cpu-prof).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { CeilingResult } from './ceiling.js';
import { CLIENT_SECRET_ENV, createBody, graphUser, MAPPINGS, SCIM_TOKEN_ENV, userId, writeJobConfig, writeSeed } from './e2e/data.js';
import { cpuBudget, type CpuBudget } from './e2e/budget.js';
import { cycleSummary, HttpsJson, runTimed, startJsonLineProcess, type JsonLineProcess, type TimedRun } from './e2e/processes.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'main.js');
// The fakes and the ceiling loop are built beside the product (npm run build:dev), not into it.
const DEV_DIST = join(ROOT, 'dist-dev');
const SCENARIOS = ['initial', 'incremental', 'full', 'changed', 'kill', 'groups', 'reconcile'] as const;
type Scenario = (typeof SCENARIOS)[number];

interface Options {
  readonly users: number;
  readonly groups: number;
  readonly concurrency: number;
  readonly ceilingUsers: number;
  readonly scenarios: ReadonlySet<Scenario>;
  readonly keep: boolean;
  /** A provisiond run longer than this is killed and reported as timed out (0 = no limit). */
  readonly timeoutMs: number;
}

interface GraphInfo {
  graphUrl: string;
  authorityHost: string;
  certPath: string;
  tenantId: string;
  clientId: string;
  adminUrl: string;
}

interface ScimInfo {
  url: string;
  adminUrl: string;
}

interface ScimStats {
  total: number;
  byRoute: Record<string, number>;
  byStatus: Record<string, number>;
  cpuMs: number;
}

export interface ScenarioResult {
  readonly scenario: string;
  readonly exitCode: number | null;
  readonly wallMs: number;
  readonly scimRequests: number;
  readonly requestsPerSecond: number;
  readonly creates: number;
  readonly createsPerSecond?: number;
  /** creates/s over the ceiling's creates/s (the mean of before and after). */
  readonly ratioToCeiling?: number;
  readonly peakRssMb: number;
  /** CPU time of the provisiond process, and of the SCIM app while it ran. */
  readonly cpuMs: number;
  readonly scimServerCpuMs: number;
  readonly byRoute: Record<string, number>;
  readonly byStatus: Record<string, number>;
  readonly cycle?: Record<string, unknown>;
  readonly checks: Record<string, unknown>;
}

export async function runE2eBench(argv: readonly string[]): Promise<void> {
  const options = parseOptions(argv);
  const dir = mkdtempSync(join(tmpdir(), 'provisiond-bench-'));
  const logs = join(dir, 'logs');
  mkdirSync(logs);
  const scimToken = `bench-${randomUUID()}`;
  const clientSecret = `bench-${randomUUID()}`;
  const running: JsonLineProcess<unknown>[] = [];
  const results: ScenarioResult[] = [];
  const ceilings: (CeilingResult & { when: string; appCpuMs: number })[] = [];
  const started = new Date();
  console.log(`provisiond e2e bench: ${options.users} users, ${options.scenarios.has('groups') ? options.groups : 0} groups, concurrency ${options.concurrency}, scenarios ${[...options.scenarios].join(',')}; work dir ${dir}`);

  try {
    // ---- the directory ------------------------------------------------------------------
    const seedStart = performance.now();
    writeSeed(join(dir, 'seed.json'), options.users, options.scenarios.has('groups') ? options.groups : 0);
    const graph = await startJsonLineProcess<GraphInfo>(join(DEV_DIST, 'dev', 'graph-fake.js'), [
      '--port', '0', '--seed', join(dir, 'seed.json'), '--cert-dir', dir,
      '--tenant', randomUUID(), '--client-id', randomUUID(), '--client-secret', clientSecret, '--page-size', '999',
    ]);
    running.push(graph);
    const graphInfo = graph.info;
    const https = new HttpsJson(readFileSync(graphInfo.certPath, 'utf8'));
    console.log(`graph fake up with ${options.users} users in ${Math.round(performance.now() - seedStart)} ms`);
    const graphRead = await timeGraphRead(https, graphInfo, clientSecret);
    console.log(`graph fake: a raw paged read of /users ($top=999, 14 attributes) takes ${graphRead.ms} ms for ${graphRead.users} users`);

    const cliEnv: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'] ?? '',
      NODE_EXTRA_CA_CERTS: graphInfo.certPath,
      [SCIM_TOKEN_ENV]: scimToken,
      [CLIENT_SECRET_ENV]: clientSecret,
    };
    const startScim = async (): Promise<JsonLineProcess<ScimInfo>> => {
      const scim = await startJsonLineProcess<ScimInfo>(join(DEV_DIST, 'dev', 'fast-scim-server.js'), ['--port', '0', '--token', scimToken]);
      running.push(scim);
      return scim;
    };
    const ceiling = async (when: string): Promise<void> => {
      const scim = await startScim();
      const run = await startJsonLineProcess<CeilingResult>(
        join(DEV_DIST, 'bench', 'ceiling.js'),
        ['--url', scim.info.url, '--users', String(options.ceilingUsers), '--concurrency', String(options.concurrency)],
        { ...process.env, [SCIM_TOKEN_ENV]: scimToken },
      );
      await new Promise((r) => run.child.once('exit', r));
      const appCpuMs = (await scimStats(scim.info)).cpuMs;
      await scim.stop();
      ceilings.push({ ...run.info, appCpuMs, when });
      console.log(`ceiling ${when}: ${run.info.perSecond} creates/s (${run.info.requests} POST /Users in ${run.info.ms} ms, loop CPU ${run.info.cpuMs} ms, app CPU ${appCpuMs} ms, ${run.info.failures} failed)`);
    };
    const configFor = (name: string, scim: ScimInfo, groups: boolean): string => {
      const path = join(dir, `${name}.yaml`);
      writeJobConfig(path, { statePath: join(dir, `${name}.db`), scimUrl: scim.url, graph: graphInfo, concurrency: options.concurrency, groups });
      return path;
    };
    const sync = async (
      scenario: string,
      config: string,
      scim: ScimInfo,
      extra: string[] = [],
      killWhen?: () => Promise<boolean>,
    ): Promise<{ run: TimedRun; stats: ScimStats; cycle?: Record<string, unknown>; timedOut: boolean }> => {
      await fetch(`${scim.adminUrl}/stats`, { method: 'DELETE' });
      const logFile = join(logs, `${scenario}.log`);
      const start = performance.now();
      let timedOut = false;
      const limit = async (): Promise<boolean> => {
        if (options.timeoutMs > 0 && performance.now() - start > options.timeoutMs) return (timedOut = true);
        return killWhen ? killWhen() : false;
      };
      const run = await runTimed(CLI, { args: ['--sync-now', '--config', config, ...extra], env: cliEnv, cwd: dir, logFile, killWhen: limit });
      const stats = await scimStats(scim);
      const cycle = cycleSummary(logFile);
      if (timedOut) console.log(`${scenario}: stopped after ${options.timeoutMs / 60_000} minutes (--timeout-minutes)`);
      return { run, stats, ...(cycle ? { cycle } : {}), timedOut };
    };
    const record = (scenario: string, outcome: { run: TimedRun; stats: ScimStats; cycle?: Record<string, unknown>; timedOut: boolean }, extraChecks: Record<string, unknown> = {}): ScenarioResult => {
      const checks = outcome.timedOut ? { timedOut: true, ...extraChecks } : extraChecks;
      const creates = outcome.stats.byRoute['POST /Users'] ?? 0;
      const seconds = outcome.run.wallMs / 1000;
      const result: ScenarioResult = {
        scenario,
        exitCode: outcome.run.code,
        wallMs: outcome.run.wallMs,
        scimRequests: outcome.stats.total,
        requestsPerSecond: Math.round(outcome.stats.total / seconds),
        creates,
        ...(creates > 0 ? { createsPerSecond: Math.round(creates / seconds) } : {}),
        peakRssMb: outcome.run.peakRssMb,
        cpuMs: outcome.run.cpuMs,
        scimServerCpuMs: outcome.stats.cpuMs,
        byRoute: outcome.stats.byRoute,
        byStatus: outcome.stats.byStatus,
        ...(outcome.cycle ? { cycle: pickCycle(outcome.cycle) } : {}),
        checks,
      };
      results.push(result);
      console.log(`${scenario}: exit ${String(result.exitCode)}, ${result.wallMs} ms, ${result.scimRequests} SCIM requests, peak RSS ${result.peakRssMb} MiB${Object.keys(checks).length ? `, checks ${JSON.stringify(checks)}` : ''}`);
      return result;
    };

    const expectedUserNames = new Set(Array.from({ length: options.users }, (_, i) => graphUser(i).userPrincipalName.toLowerCase()));
    const verifyUsers = async (scim: ScimInfo): Promise<Record<string, unknown>> => {
      const { userNames } = (await (await fetch(`${scim.adminUrl}/userNames`)).json()) as { userNames: string[] };
      const seen = new Map<string, number>();
      for (const name of userNames) seen.set(name.toLowerCase(), (seen.get(name.toLowerCase()) ?? 0) + 1);
      const duplicates = [...seen.values()].filter((n) => n > 1).length;
      const missing = [...expectedUserNames].filter((n) => !seen.has(n)).length;
      const unexpected = [...seen.keys()].filter((n) => !expectedUserNames.has(n)).length;
      return { appUsers: userNames.length, missing, duplicates, unexpected, everyUserOnce: missing === 0 && duplicates === 0 && unexpected === 0 };
    };

    // ---- the ceiling, then the main scenarios on one app and one state database ----------------
    await ceiling('before');
    const main = await startScim();
    const mainConfig = configFor('main', main.info, false);
    const want = (s: Scenario): boolean => options.scenarios.has(s);
    const needsInitial = want('initial') || want('incremental') || want('full') || want('changed') || want('reconcile');
    let initialWallMs: number | undefined;
    if (needsInitial) {
      const initial = await sync('initial', mainConfig, main.info);
      const checks = await verifyUsers(main.info);
      checks['ceilingBodyShape'] = await compareShape(main.info, scimToken);
      record('initial', initial, checks);
      if (initial.timedOut) {
        console.log('the initial sync did not finish: the scenarios that build on it are skipped');
        for (const s of ['incremental', 'full', 'changed', 'kill', 'groups', 'reconcile'] as const) (options.scenarios as Set<Scenario>).delete(s);
      } else {
        initialWallMs = initial.run.wallMs;
      }
    }
    // Right after the clean run it is compared with: a shared machine's speed drifts over a bench.
    if (want('kill')) {
      const scim = await startScim();
      const config = configFor('kill', scim.info, false);
      const half = Math.floor(options.users / 2);
      const killed = await sync('kill-first', config, scim.info, [], async () => ((await scimStats(scim.info)).byRoute['POST /Users'] ?? 0) >= half);
      const createsBeforeKill = killed.stats.byRoute['POST /Users'] ?? 0;
      const restarted = await sync('kill-restart', config, scim.info);
      const checks = await verifyUsers(scim.info);
      const total = killed.run.wallMs + restarted.run.wallMs;
      checks['killedAfterCreates'] = createsBeforeKill;
      checks['killedSignal'] = killed.run.signal;
      checks['restartConflicts409'] = restarted.stats.byStatus['409'] ?? 0;
      checks['killedPlusRestartedMs'] = total;
      if (initialWallMs !== undefined) checks['vsCleanInitial'] = Math.round((total / initialWallMs) * 100) / 100;
      record('killed at 50%', killed);
      record('restart after kill', restarted, checks);
      await scim.stop();
    }

    if (want('incremental')) record('incremental (no change)', await sync('incremental', mainConfig, main.info));
    if (want('full')) record('full (no change)', await sync('full', mainConfig, main.info, ['--full']));
    if (want('changed')) {
      const changed = await changeUsers(https, graphInfo, options.users);
      const outcome = await sync('changed', mainConfig, main.info);
      record('1% changed', outcome, { changedInDirectory: changed, patches: outcome.stats.byRoute['PATCH /Users/:id'] ?? 0 });
    }
    if (want('reconcile')) {
      const edited = await editInApp(main.info, scimToken, options.users, 100);
      await fetch(`${main.info.adminUrl}/stats`, { method: 'DELETE' });
      const logFile = join(logs, 'reconcile.log');
      const args = ['reconcile', '--job', 'bench', '--detailed-exitcode', '--config', mainConfig];
      const started = performance.now();
      const run = await runTimed(CLI, { args, env: cliEnv, cwd: dir, logFile, killWhen: async () => options.timeoutMs > 0 && performance.now() - started > options.timeoutMs });
      const stats = await scimStats(main.info);
      const summary = reconcileSummary(logFile);
      const counts = (summary?.['counts'] ?? {}) as Record<string, number>;
      record('reconcile (100 edited in the app)', { run, stats, ...(summary ? { cycle: summary } : {}), timedOut: false }, {
        editedInApp: edited,
        appUsers: counts['appUsers'],
        inSync: counts['inSync'],
        drifted: counts['drifted'],
        exactlyTheEdited: counts['drifted'] === edited && counts['missingInApp'] === 0 && counts['unmanaged'] === 0 && run.code === 2,
      });
    }
    await main.stop();

    if (want('groups') && options.groups > 0) {
      const scim = await startScim();
      const config = configFor('groups', scim.info, true);
      const first = await sync('groups-initial', config, scim.info);
      const summary = (await (await fetch(`${scim.info.adminUrl}/summary`)).json()) as { users: number; groups: number; members: number };
      record(`groups: initial (${options.groups} × 20)`, first, { appUsers: summary.users, appGroups: summary.groups, appMembers: summary.members, expectedMembers: options.groups * 20 });
      record('groups: no change', await sync('groups-again', config, scim.info));
      await scim.stop();
    }

    await ceiling('after');

    // ---- report ------------------------------------------------------------------------------
    const ceilingRate = ceilings.reduce((sum, c) => sum + c.perSecond, 0) / Math.max(1, ceilings.length);
    const withRatio = results.map((r) => (r.createsPerSecond ? { ...r, ratioToCeiling: Math.round((r.createsPerSecond / ceilingRate) * 100) / 100 } : r));
    console.log('');
    console.table(
      withRatio.map((r) => ({
        scenario: r.scenario,
        exit: r.exitCode,
        'wall s': Math.round(r.wallMs / 100) / 10,
        'SCIM req': r.scimRequests,
        'req/s': r.requestsPerSecond,
        'creates/s': r.createsPerSecond ?? '',
        'vs ceiling': r.ratioToCeiling ?? '',
        'peak RSS MiB': r.peakRssMb,
        'CPU s': Math.round(r.cpuMs / 100) / 10,
        'app CPU s': Math.round(r.scimServerCpuMs / 100) / 10,
      })),
    );
    console.log(`ceiling: ${ceilings.map((c) => `${c.when} ${c.perSecond}/s`).join(', ')} (bare POST /Users loop, concurrency ${options.concurrency})`);
    const initialRun = results.find((r) => r.scenario === 'initial');
    const budget: CpuBudget | undefined =
      initialRun && initialRun.creates > 0 && ceilings.length > 0
        ? cpuBudget({
            clientCpuMs: initialRun.cpuMs,
            creates: initialRun.creates,
            appCpuMs: initialRun.scimServerCpuMs,
            appRequests: initialRun.scimRequests,
            loopCpuMs: ceilings.reduce((sum, c) => sum + c.cpuMs, 0),
            loopRequests: ceilings.reduce((sum, c) => sum + c.requests, 0),
            cores: cpus().length,
            ceilingPerSecond: ceilingRate,
          })
        : undefined;
    if (budget) {
      console.log(
        `CPU per create (initial): provisiond ${budget.clientMs} ms, the bare loop ${budget.loopMs} ms; the app ${budget.appMs} ms a request. ` +
          `On ${budget.cores} cores that allows at most ${budget.oneThreadBound}/s on one thread (${budget.oneThreadRatio} of the ceiling), ` +
          `${budget.allCoresBound}/s spread over all (${budget.allCoresRatio}); ${budget.clientMsFor.target} of the ceiling needs ≤ ${budget.clientMsFor.ms} ms a create.`,
      );
    }
    const resultsDir = join(ROOT, 'bench', 'results');
    mkdirSync(resultsDir, { recursive: true });
    const report = {
      date: started.toISOString(),
      node: process.version,
      cpu: cpus()[0]?.model,
      cpus: cpus().length,
      memoryGb: Math.round(totalmem() / 2 ** 30),
      options: { ...options, scenarios: [...options.scenarios] },
      mappings: MAPPINGS.length,
      graphRead,
      ceilings,
      results: withRatio,
      ...(budget ? { cpuBudget: budget } : {}),
    };
    const file = join(resultsDir, `e2e-${started.toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(report, null, 2));
    writeFileSync(join(resultsDir, 'e2e-latest.json'), JSON.stringify(report, null, 2));
    console.log(`written to ${file} (and e2e-latest.json)`);
    https.close();
  } finally {
    await Promise.all(running.map((p) => p.stop()));
    if (options.keep) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

function parseOptions(argv: readonly string[]): Options {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i === -1 ? undefined : argv[i + 1];
  };
  const int = (name: string, fallback: number): number => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    const n = Number(raw.replace(/_/g, ''));
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} takes a whole number, not "${raw}"`);
    return n;
  };
  const users = int('users', 10_000);
  const scenarios = new Set((value('scenarios') ?? SCENARIOS.join(',')).split(',').map((s) => s.trim()));
  for (const s of scenarios) if (!(SCENARIOS as readonly string[]).includes(s)) throw new Error(`unknown scenario "${s}" (known: ${SCENARIOS.join(', ')})`);
  return {
    users,
    groups: int('groups', users >= 100_000 ? 5_000 : 0),
    concurrency: Math.max(1, int('concurrency', 4)),
    ceilingUsers: int('ceiling-users', Math.min(users, 20_000)),
    scenarios: scenarios as Set<Scenario>,
    keep: argv.includes('--keep'),
    timeoutMs: Math.max(0, Number(value('timeout-minutes') ?? 0) || 0) * 60_000,
  };
}

async function scimStats(scim: ScimInfo): Promise<ScimStats> {
  return (await (await fetch(`${scim.adminUrl}/stats`)).json()) as ScimStats;
}

/** Token, then /users paged with $top=999 and the mappings' $select: what the fake costs a full read. */
async function timeGraphRead(https: HttpsJson, graph: GraphInfo, secret: string): Promise<{ ms: number; users: number; pages: number }> {
  const start = performance.now();
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: graph.clientId, client_secret: secret, scope: 'https://graph.microsoft.com/.default' });
  const token = await https.request(`${graph.authorityHost}/${graph.tenantId}/oauth2/v2.0/token`, { method: 'POST', body: form.toString() });
  const accessToken = (token.body as { access_token?: string }).access_token;
  if (!accessToken) throw new Error(`graph fake refused a token: ${JSON.stringify(token.body)}`);
  const select = 'id,userPrincipalName,accountEnabled,givenName,surname,mail,jobTitle,mobilePhone,city,country,department,employeeId,companyName,displayName';
  let next: string | undefined = `${graph.graphUrl}/users?$select=${select}&$top=999`;
  let users = 0;
  let pages = 0;
  while (next) {
    const page = await https.request(next, { headers: { authorization: `Bearer ${accessToken}` } });
    if (page.status !== 200) throw new Error(`graph fake answered ${page.status} on ${next}`);
    const body = page.body as { value: unknown[]; '@odata.nextLink'?: string };
    users += body.value.length;
    pages++;
    next = body['@odata.nextLink'];
  }
  return { ms: Math.round(performance.now() - start), users, pages };
}

/** Changes the jobTitle of every 100th user through the fake's admin API; returns how many. */
async function changeUsers(https: HttpsJson, graph: GraphInfo, users: number): Promise<number> {
  const ids = Array.from({ length: users }, (_, i) => i).filter((i) => i % 100 === 0);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < ids.length) {
        const i = ids[next++] as number;
        const response = await https.request(`${graph.adminUrl}/users/${userId(i)}`, { method: 'PATCH', body: { jobTitle: `Changed ${i}` } });
        if (response.status !== 204) throw new Error(`graph fake refused a change: ${response.status} ${JSON.stringify(response.body)}`);
      }
    }),
  );
  return ids.length;
}

/** Edits the title of `count` users spread over the directory directly in the app (a SCIM PATCH, as its admin UI would); returns how many. */
async function editInApp(scim: ScimInfo, token: string, users: number, count: number): Promise<number> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' };
  let edited = 0;
  for (let n = 0; n < count; n++) {
    const i = Math.floor((n * users) / count) + 1;
    const filter = encodeURIComponent(`userName eq "${graphUser(Math.min(i, users - 1)).userPrincipalName}"`);
    const found = (await (await fetch(`${scim.url}/Users?filter=${filter}&attributes=id`, { headers })).json()) as { Resources?: { id: string }[] };
    const id = found.Resources?.[0]?.id;
    if (!id) continue;
    const body = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: `Edited in the app ${n}` }] };
    const response = await fetch(`${scim.url}/Users/${id}`, { method: 'PATCH', headers, body: JSON.stringify(body) });
    if (response.ok) edited++;
  }
  return edited;
}

/** The `reconcile …` summary log line (stderr, in the run's log file). */
function reconcileSummary(logFile: string): Record<string, unknown> | undefined {
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.startsWith('{') || !line.includes('"reconcile ')) continue;
    try {
      const record = JSON.parse(line) as Record<string, unknown>;
      if (typeof record['msg'] === 'string' && record['msg'].startsWith('reconcile ')) return pickCycle(record);
    } catch {
      // not a log record
    }
  }
  return undefined;
}

/** The attribute paths provisiond sent for user 0 against those of the ceiling's body for it. */
async function compareShape(scim: ScimInfo, token: string): Promise<{ matches: boolean; onlyProvisiond: string[]; onlyCeiling: string[] }> {
  const filter = encodeURIComponent(`userName eq "${graphUser(0).userPrincipalName}"`);
  const response = await fetch(`${scim.url}/Users?filter=${filter}`, { headers: { authorization: `Bearer ${token}` } });
  const { Resources } = (await response.json()) as { Resources: Record<string, unknown>[] };
  const { id: _id, meta: _meta, ...sent } = Resources[0] ?? {};
  const provisiond = new Set(paths(sent));
  const ceiling = new Set(paths(createBody(graphUser(0))));
  const onlyProvisiond = [...provisiond].filter((p) => !ceiling.has(p));
  const onlyCeiling = [...ceiling].filter((p) => !provisiond.has(p));
  return { matches: onlyProvisiond.length === 0 && onlyCeiling.length === 0, onlyProvisiond, onlyCeiling };
}

function paths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => paths(v, `${prefix}[]`));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => (k === 'schemas' ? [`${prefix}.schemas`] : paths(v, `${prefix}.${k}`))).sort();
  return [prefix];
}

function pickCycle(record: Record<string, unknown>): Record<string, unknown> {
  const { outcome, durationMs, counts } = record;
  return { outcome, durationMs, counts };
}
