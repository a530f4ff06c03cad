/**
 * `--sync-now`: one cycle of each selected job, and never a second writer beside a daemon.
 * A live daemon on the same state database gets the request (POST /sync) and its outcome is
 * reported as ours; without one, or when it cannot take it, each job runs here under its lease,
 * after the cycle that holds it (the daemon's, or another one-shot's) has ended.
 */
import type { LoadedConfig } from '../config/load.js';
import { cycleOutcomeLevel, type Logger } from '../log.js';
import { runJobs, selectJobs, UsageError } from '../cli/runner.js';
import type { LeaseRecord, StateStore } from '../state/store.js';
import { handToDaemon } from './handoff.js';
import { currentProcessOwner, DAEMON_LEASE, describeHolder, jobLeaseName, Leases, staleReason, type LeaseOwner, type LeaseTiming } from './lock.js';
import { summarize, type CycleRequest, type CycleSummary } from './sync-protocol.js';

export async function syncNow(loaded: LoadedConfig, request: CycleRequest, store: StateStore, log: Logger, timing?: LeaseTiming): Promise<CycleSummary[]> {
  const jobs = selectJobs(loaded, request.jobName);
  const leases = new Leases(store, currentProcessOwner(), log, timing);
  try {
    const handedOff = await tryDaemon(loaded, request, store, leases, log);
    if (handedOff) return handedOff;
    const summaries: CycleSummary[] = [];
    for (const job of jobs) {
      const name = job.config.name;
      const lease = jobLeaseName(name);
      await leases.acquire(lease, {
        onWait: (holder) => log.info({ job: name, holder: describeHolder(holder) }, 'waiting for the cycle another process is running of this job to end'),
      });
      try {
        const [report] = await runJobs(loaded, { jobName: name, dryRun: false, allowDeletes: request.allowDeletes, force: true, full: request.full }, log, store);
        if (report) summaries.push(summarize(report, store));
      } finally {
        leases.release(lease);
      }
    }
    return summaries;
  } finally {
    leases.releaseAll();
  }
}

/** Whether to hand the cycle to the daemon that serves this state database, or why it runs here. */
export type HandoffChoice =
  | { readonly kind: 'hand-off'; readonly daemon: LeaseRecord & { readonly address: string }; readonly token: string }
  | { readonly kind: 'run-here'; readonly daemon?: LeaseRecord; readonly reason?: string };

export function chooseHandoff(daemon: LeaseRecord | undefined, self: LeaseOwner, token: string | undefined): HandoffChoice {
  if (!daemon || staleReason(daemon, self) !== undefined) return { kind: 'run-here' };
  if (daemon.address === null) return { kind: 'run-here', daemon, reason: 'a daemon serves this state database but publishes no address' };
  if (daemon.hostname !== self.hostname && isLoopback(daemon.address)) {
    // Its loopback address is not ours: whatever answers there is not that daemon, and must not get the token.
    return { kind: 'run-here', daemon, reason: 'a daemon in another host or container serves this state database' };
  }
  if (token === undefined) return { kind: 'run-here', daemon, reason: 'a daemon serves this state database, but server.token is not set to hand it the cycle' };
  return { kind: 'hand-off', daemon: { ...daemon, address: daemon.address }, token };
}

/** The daemon's reports when it ran the request; undefined when this process should run it. */
async function tryDaemon(loaded: LoadedConfig, request: CycleRequest, store: StateStore, leases: Leases, log: Logger): Promise<CycleSummary[] | undefined> {
  const choice = chooseHandoff(store.lease(DAEMON_LEASE), leases.owner, loaded.config.server.token);
  if (choice.kind === 'run-here') {
    if (choice.daemon && choice.reason) {
      log.info({ daemon: describeHolder(choice.daemon), address: choice.daemon.address }, `${choice.reason}; running it here, between its cycles`);
    }
    return undefined;
  }
  const { daemon, token } = choice;
  const where = { daemon: describeHolder(daemon), address: daemon.address };
  log.info(where, 'handing the cycle to the running daemon');
  const result = await handToDaemon(daemon.address, token, request);
  switch (result.kind) {
    case 'done':
      if (result.reports.length === 0) {
        const message = 'the daemon ran no cycle (its config may have dropped the job)';
        log.error(where, message);
        return [{ job: request.jobName ?? '*', outcome: 'failed', message, counts: {}, durationMs: 0 }];
      }
      for (const report of result.reports) {
        log[cycleOutcomeLevel(report.outcome)](
          { job: report.job, runId: report.runId, outcome: report.outcome, durationMs: report.durationMs, counts: report.counts, ...(report.message ? { reason: report.message } : {}), ranBy: where.daemon },
          `cycle ${report.outcome}`,
        );
      }
      return [...result.reports];
    case 'unknown-job':
      throw new UsageError(`the running daemon (${where.daemon}) refused the request: ${result.message}`);
    case 'refused':
      log.warn({ ...where, status: result.status, error: result.message }, 'the daemon did not take the cycle; running it here, between its cycles');
      return undefined;
    case 'unreachable':
      log.warn({ ...where, error: result.message }, 'the daemon cannot be reached from here; running the cycle here, between its cycles');
      return undefined;
  }
}

function isLoopback(address: string): boolean {
  try {
    const host = new URL(address).hostname;
    return host === 'localhost' || host.startsWith('127.') || host === '[::1]';
  } catch {
    return false;
  }
}
