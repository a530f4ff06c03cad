/**
 * One cycle of one job: read → scope → map → diff/plan → guard → apply/record. The only stage
 * sequencing in the engine; each stage's logic lives in its own module.
 */
import type { PreparedJob } from '../config/load.js';
import type { Logger } from '../log.js';
import { mapObject, type MappingEnvironment } from '../mapping/map.js';
import type { ScimClient } from '../scim/client.js';
import type { Compat } from '../scim/requests.js';
import { SourceReadError, type Attributes, type Source } from '../sources/source.js';
import type { RunOutcome, StateStore } from '../state/store.js';
import { applyUserOperations, type OperationResult } from './apply.js';
import { guardOperations, type GuardResult } from './guard.js';
import { planUserChanges, type ObservedUser, type UserPlan } from './plan.js';
import { compileUserScope } from './scope.js';

export interface CycleOptions {
  /** Plan only: send nothing but reads, record nothing. */
  readonly dryRun: boolean;
  readonly allowDeletes: boolean;
}

export interface CycleDependencies {
  readonly job: PreparedJob;
  readonly source: Source;
  readonly store: StateStore;
  readonly client: ScimClient;
  readonly log: Logger;
  readonly env: MappingEnvironment;
}

export type CycleOutcome = Exclude<RunOutcome, 'running'>;

export interface CycleReport {
  readonly job: string;
  readonly runId?: number;
  readonly outcome: CycleOutcome;
  readonly message?: string;
  readonly plan: UserPlan;
  readonly guard: GuardResult;
  readonly counts: Readonly<Record<string, number>>;
  readonly durationMs: number;
}

const READ_COUNT_CURSOR = 'users.readCount';

export async function runCycle(deps: CycleDependencies, options: CycleOptions): Promise<CycleReport> {
  const started = Date.now();
  const { job, store, log } = deps;
  const name = job.config.name;
  const runId = options.dryRun ? undefined : store.startRun(name, 'full');
  const cycleLog = log.child({ job: name, ...(runId === undefined ? { dryRun: true } : { runId }) });

  const read = await readObservedUsers(deps);
  if (read.error) cycleLog.error({ source: deps.source.name, error: read.error }, 'source read failed');

  const links = store.links(name, 'user');
  const plan = planUserChanges({ observed: read.users, links, readComplete: read.complete, rules: job.config.users.deprovision });
  const previous = store.cursor(name, READ_COUNT_CURSOR);
  const guard = guardOperations({
    operations: plan.operations,
    readComplete: read.complete,
    readCount: read.users.length,
    previousReadCount: previous === undefined ? undefined : Number(previous),
    linkedCount: [...links.values()].filter((l) => l.state !== 'deleted').length,
    maxDeletes: job.config.safety.maxDeletes,
    maxSourceDrop: job.config.safety.maxSourceDrop,
    allowDeletes: options.allowDeletes,
  });
  if (guard.verdict !== 'pass') cycleLog.warn({ held: guard.held.length, verdict: guard.verdict }, guard.reason);
  for (const skipped of plan.skipped) {
    cycleLog.warn({ sourceId: skipped.sourceId, user: skipped.label, outcome: 'skipped', error: skipped.error }, `skipped ${skipped.label}`);
  }

  const counts: Record<string, number> = {
    read: read.users.length,
    inScope: read.users.filter((u) => u.status === 'active').length,
    skipped: plan.skipped.length,
    held: guard.held.length,
    sourceRequests: deps.source.stats().requests,
    sourceThrottledMs: deps.source.stats().throttledMs,
  };
  for (const op of plan.operations) counts[`planned.${op.kind}`] = (counts[`planned.${op.kind}`] ?? 0) + 1;

  if (options.dryRun) {
    return { job: name, outcome: read.complete ? 'success' : 'partial', message: read.error ?? guard.reason, plan, guard, counts, durationMs: Date.now() - started };
  }

  const applied = await applyUserOperations(guard.allowed, {
    job: name,
    client: deps.client,
    store,
    compat: job.config.target.compat as Compat,
    mappings: job.users,
    log: cycleLog,
  });
  Object.assign(counts, applied.counts, {
    targetRequests: deps.client.stats.requests,
    targetRetries: deps.client.stats.retries,
    targetThrottledMs: deps.client.stats.throttledMs,
  });
  if (read.complete) store.saveCursor(name, READ_COUNT_CURSOR, String(read.users.length));

  const outcome = decideOutcome(read, guard, applied.counts, plan);
  const message = [read.error, guard.reason].filter(Boolean).join('; ') || undefined;
  store.finishRun(runId as number, outcome, counts, message);
  const durationMs = Date.now() - started;
  cycleLog.info({ outcome, durationMs, counts, ...(message ? { reason: message } : {}) }, `cycle ${outcome}`);
  return { job: name, runId, outcome, message, plan, guard, counts, durationMs };
}

function decideOutcome(read: ObservedRead, guard: GuardResult, applied: Record<OperationResult, number>, plan: UserPlan): CycleOutcome {
  if (read.error && read.users.length === 0) return 'failed';
  if (applied.failed > 0 || plan.skipped.length > 0) return 'failed';
  if (guard.verdict === 'guarded') return 'guarded';
  if (guard.verdict === 'partial') return 'partial';
  return 'success';
}

interface ObservedRead {
  readonly users: ObservedUser[];
  readonly complete: boolean;
  readonly error?: string;
}

async function readObservedUsers(deps: CycleDependencies): Promise<ObservedRead> {
  const { job, source, env } = deps;
  const users: ObservedUser[] = [];
  try {
    let members: Set<string> | undefined;
    for (const group of job.config.scope.groups ?? []) {
      members ??= new Set();
      for (const id of await source.resolveGroupMembers(group)) members.add(id);
    }
    const scope = compileUserScope(job.config.scope.filters, members);
    const matchRules = job.config.users.match;
    const attributes = [...job.users.sourceAttributes, ...scope.attributes, ...matchRules.map((r) => r.source)];
    for await (const page of source.readUsers({ attributes })) {
      for (const user of page) {
        const status = scope.classify(user);
        const mapped = mapObject(user, status !== 'active', job.users, env);
        const userName = mapped.ok ? mapped.value.attributes.userName : undefined;
        users.push({
          sourceId: user.id,
          label: typeof userName === 'string' ? userName : String(lookup(user.attributes, matchRules[0]?.source ?? 'id') ?? user.id),
          status,
          mapped,
          match: matchRules.flatMap((rule) => {
            const value = lookup(user.attributes, rule.source);
            return value === undefined || value === null || value === '' ? [] : [{ attribute: rule.target, value: String(value) }];
          }),
        });
      }
    }
    return { users, complete: true };
  } catch (error) {
    if (!(error instanceof SourceReadError)) throw error;
    return { users, complete: false, error: error.message };
  }
}

function lookup(attributes: Attributes, name: string): unknown {
  if (name in attributes) return attributes[name];
  const lower = name.toLowerCase();
  const key = Object.keys(attributes).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : attributes[key];
}
