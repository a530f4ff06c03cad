/**
 * provisiond as a service: schedules each job's cycles, serves /healthz /readyz /metrics and
 * POST /sync, reloads its config on SIGHUP or a changed file, and on SIGTERM/SIGINT stops
 * scheduling, lets running cycles finish within `server.shutdownTimeout`, and exits 0.
 */
import { ConfigError } from '../config/errors.js';
import { loadConfigFile, type LoadedConfig } from '../config/load.js';
import { provisionUser, runJobs } from '../cli/runner.js';
import { reconcileJob } from '../cli/reconcile-runner.js';
import { loadSourceAdapters } from '../sources/index.js';
import type { Logger } from '../log.js';
import { StateStore } from '../state/store.js';
import { watchConfigFile } from './config-watch.js';
import { CycleCoordinator, UnavailableError, type RunJob, type RunReconcile, type RunUser } from './cycles.js';
import { startHttpServer, type DaemonHttpServer, type Readiness } from './http.js';
import { currentProcessOwner, DAEMON_LEASE, describeHolder, Leases, type LeaseTiming } from './lock.js';
import { DaemonMetrics } from './metrics.js';
import { describeTrigger, Scheduler, triggerFor, type Trigger } from './scheduler.js';

export interface DaemonOptions {
  readonly configFile: string;
  readonly loaded: LoadedConfig;
  readonly log: Logger;
  /** Ends the process. */
  readonly exit?: (code: number) => void;
  readonly runJob?: RunJob;
  readonly runUser?: RunUser;
  readonly runReconcile?: RunReconcile;
  readonly leaseTiming?: LeaseTiming;
}

/** What the daemon lease tells `provisiond status`. */
export interface DaemonDetail {
  readonly startedAt: string;
  readonly schedules: Readonly<Record<string, string>>;
  readonly nextRuns: Readonly<Record<string, string>>;
}

const SIGNAL_EXIT_CODES: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 };

/** Resolves once the daemon is up; the process then lives until a signal ends it. */
export async function runDaemon(options: DaemonOptions): Promise<void> {
  const { log, configFile } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let current = options.loaded;
  const startedAt = new Date().toISOString();
  const store = StateStore.open(current.config.state.path);
  await loadSourceAdapters(Object.values(current.config.sources));
  const leases = new Leases(store, currentProcessOwner(), log, options.leaseTiming);
  const runJob: RunJob =
    options.runJob ??
    (async (loaded, job, { allowDeletes, force, full }) => {
      const [report] = await runJobs(loaded, { jobName: job, dryRun: false, allowDeletes, force, full }, log, store);
      if (!report) throw new Error(`job ${job} produced no report`);
      return report;
    });

  const runUser: RunUser = options.runUser ?? ((loaded, job, user) => provisionUser(loaded, job, user, log, store));
  const runReconcile: RunReconcile =
    options.runReconcile ??
    (async (loaded, name) => {
      const job = loaded.jobs.find((j) => j.config.name === name);
      if (!job) throw new Error(`job ${name} is not in the config`);
      return reconcileJob(loaded, job, { repair: job.config.reconcile.repair, adopt: false }, log, store);
    });

  let servingDatabase = false;
  let stopping = false;
  const giveUpWaiting = new AbortController();

  const jobNames = () => current.jobs.map((j) => j.config.name);
  const metrics: DaemonMetrics = new DaemonMetrics({
    store,
    jobs: jobNames,
    nextRun: (job): Date | undefined => scheduler.nextRun(job),
    running: (job): boolean => coordinator.isRunning(job),
  });
  const coordinator: CycleCoordinator = new CycleCoordinator({
    config: () => current,
    store,
    leases,
    log,
    runJob,
    runUser,
    runReconcile,
    metrics,
    onCycleEnd: (job) => {
      const next = scheduler.nextRun(job);
      if (next && !stopping) log.info({ job, nextRunAt: next.toISOString() }, 'next cycle scheduled');
      leases.publish(DAEMON_LEASE, JSON.stringify(detail()));
    },
  });
  const scheduler: Scheduler = new Scheduler((job) => coordinator.scheduled(job));
  // Reconciliation has its own clock (schedule.reconcileEvery); its runs queue behind the job's cycles.
  const reconcileScheduler = new Scheduler((job) => coordinator.scheduledReconcile(job));

  const detail = (): DaemonDetail => {
    const schedules: Record<string, string> = {};
    const nextRuns: Record<string, string> = {};
    for (const job of jobNames()) {
      const trigger = scheduler.trigger(job);
      if (trigger) schedules[job] = describeTrigger(trigger);
      const next = scheduler.nextRun(job);
      if (next) nextRuns[job] = next.toISOString();
    }
    return { startedAt, schedules, nextRuns };
  };

  // Ready = able to serve: the config is loaded (the daemon never runs without one) and the state
  // database is open and this daemon's. How the last cycle went is for metrics and status: a
  // single replica taken out of service for a failing IdP would lose POST /sync and scraping just
  // when they are needed.
  const readiness = (): Readiness => {
    const reasons: string[] = [];
    if (stopping) reasons.push('shutting down');
    if (!servingDatabase) reasons.push('another provisiond daemon holds the state database');
    try {
      void store.schemaVersion;
    } catch (error) {
      reasons.push(`the state database cannot be read: ${error instanceof Error ? error.message : String(error)}`);
    }
    return { ready: reasons.length === 0, reasons };
  };

  const server = current.config.server;
  const host = server.host ?? process.env.PROVISIOND_HOST ?? '127.0.0.1';
  let http: DaemonHttpServer;
  try {
    http = await startHttpServer(
      { host, port: server.port },
      {
        readiness,
        metrics: () => metrics.render(),
        sync: (request) => {
          if (!servingDatabase) throw new UnavailableError('another provisiond daemon serves this state database; this one is waiting for it to stop');
          return coordinator.request(request);
        },
        provisionUser: (job, user) => {
          if (!servingDatabase) throw new UnavailableError('another provisiond daemon serves this state database; this one is waiting for it to stop');
          return coordinator.provisionUser(job, user);
        },
        syncToken: () => current.config.server.token,
        onSyncRequest: (result) => metrics.observeSyncRequest(result),
      },
      log,
    );
  } catch (error) {
    log.fatal({ host, port: server.port, error: error instanceof Error ? error.message : String(error) }, 'cannot listen for HTTP; is another provisiond running?');
    store.close();
    exit(1);
    return;
  }
  log.info({ address: http.url, ...(http.localUrl === http.url ? {} : { localAddress: http.localUrl }), syncEnabled: server.token !== undefined }, `listening on ${http.url}`);

  const finish = (code: number): void => {
    leases.releaseAll();
    store.close();
    log.info({ exitCode: code }, 'provisiond stopped');
    exit(code);
  };

  const markInterrupted = (why: string): void => {
    for (const job of coordinator.runningJobs()) {
      store.interruptRunningRuns(job, `interrupted: ${why} before the cycle finished; every confirmed operation is recorded`);
      log.warn({ job }, `cycle interrupted: ${why}`);
    }
  };

  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    stopping = true;
    const timeoutMs = current.config.server.shutdownTimeout;
    log.info({ signal, timeoutMs, running: coordinator.runningJobs() }, 'stopping: no new cycles; running cycles may finish');
    scheduler.stop();
    reconcileScheduler.stop();
    watch?.stop();
    giveUpWaiting.abort();
    const finished = await coordinator.drain(timeoutMs);
    if (!finished) markInterrupted(`provisiond stopped (${signal}) after waiting ${timeoutMs} ms`);
    await http.close();
    finish(0);
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (!stopping) {
      void shutdown(signal);
      return;
    }
    // Each outcome was recorded when it landed, so leaving now keeps the snapshot consistent.
    log.warn({ signal }, 'second signal: exiting now');
    markInterrupted(`a second ${signal}`);
    finish(SIGNAL_EXIT_CODES[signal] ?? 1);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  const reload = (reason: string): void => {
    if (stopping) return;
    let next: LoadedConfig;
    try {
      next = loadConfigFile(configFile);
    } catch (error) {
      // ConfigError messages name keys and lines, never a secret's value.
      const message = error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error);
      log.error({ reason, error: message }, 'config reload refused; the running config stays in force');
      metrics.observeReload('refused');
      return;
    }
    const needRestart = restartOnlySettings(current, next);
    if (needRestart.length > 0) log.warn({ keys: needRestart }, 'these settings take effect when provisiond restarts');
    current = next;
    log.level = next.config.log.level;
    if (servingDatabase) {
      scheduler.apply(triggersOf(current));
      reconcileScheduler.apply(reconcileTriggersOf(current));
    }
    leases.publish(DAEMON_LEASE, JSON.stringify(detail()));
    log.info({ reason, jobs: Object.fromEntries([...triggersOf(current)].map(([job, t]) => [job, describeTrigger(t)])) }, 'config reloaded');
    metrics.observeReload('applied');
  };
  process.on('SIGHUP', () => reload('SIGHUP'));
  const watch = watchConfigFile(configFile, () => reload('the config file changed'));

  // A second daemon on the same database (a rolling update) waits rather than writing beside the first.
  const publication = () => ({ address: http.localUrl, detail: JSON.stringify(detail()) });
  const attempt = leases.tryAcquire(DAEMON_LEASE, publication());
  if (!attempt.acquired) {
    log.warn({ holder: describeHolder(attempt.current) }, 'another provisiond daemon serves this state database; waiting for it to stop');
    try {
      await leases.acquire(DAEMON_LEASE, { signal: giveUpWaiting.signal, publication: publication() });
    } catch {
      return; // shutting down before ever serving
    }
  }
  servingDatabase = true;
  scheduler.apply(triggersOf(current));
  reconcileScheduler.apply(reconcileTriggersOf(current));
  leases.publish(DAEMON_LEASE, JSON.stringify(detail()));
  leases.renew();
  const plan = detail();
  log.info(
    { pid: process.pid, jobs: Object.fromEntries(jobNames().map((job) => [job, { schedule: plan.schedules[job], nextRunAt: plan.nextRuns[job] }])) },
    'provisiond started',
  );
}

function triggersOf(loaded: LoadedConfig): Map<string, Trigger> {
  return new Map(loaded.jobs.map((job) => [job.config.name, triggerFor(job.config, loaded.config.schedule)]));
}

/** Every job reconciles on schedule.reconcileEvery when it is set; off otherwise. */
function reconcileTriggersOf(loaded: LoadedConfig): Map<string, Trigger> {
  const every = loaded.config.schedule.reconcileEvery;
  return new Map(every === undefined ? [] : loaded.jobs.map((job) => [job.config.name, { kind: 'every', everyMs: every } as const]));
}

function restartOnlySettings(before: LoadedConfig, after: LoadedConfig): string[] {
  const keys: string[] = [];
  if (before.config.state.path !== after.config.state.path) keys.push('state.path');
  if (before.config.server.port !== after.config.server.port) keys.push('server.port');
  if (before.config.server.host !== after.config.server.host) keys.push('server.host');
  return keys;
}
