/**
 * Quarantine: when a cycle fails against the target almost wholesale (bad credentials, the app
 * down), hammering it every 40 minutes helps nobody. The job backs off — 1 h, 2 h, 4 h … up to a
 * day, as Entra's provisioning service does — until a cycle goes through again. Pure.
 */

export interface QuarantineState {
  readonly since: string;
  readonly until: string;
  /** How many quarantined cycles in a row have failed; drives the backoff. */
  readonly level: number;
  readonly reason: string;
}

export interface CycleHealth {
  /** Operations sent to the target this cycle (creates, updates, deletes …). */
  readonly attempted: number;
  readonly failed: number;
  /** HTTP statuses of the failures (0 = no response). */
  readonly failureStatuses: readonly number[];
}

const BASE_MS = 3_600_000;
const MAX_MS = 24 * 3_600_000;
/** Below this many operations, a failing cycle says too little about the target to quarantine it. */
const MIN_ATTEMPTED = 5;
const FAILURE_SHARE = 0.5;

/** Whether this cycle's failures mean the target, not individual objects, is the problem. */
export function targetIsFailing(health: CycleHealth): string | undefined {
  if (health.attempted === 0 || health.failed === 0) return undefined;
  const authFailures = health.failureStatuses.filter((s) => s === 401 || s === 403).length;
  // Credentials are all-or-nothing: one rejected token is the whole target refusing us.
  if (authFailures > 0 && authFailures === health.failed && health.failed === health.attempted) {
    return `the target refused our credentials (HTTP ${health.failureStatuses[0]}); check target.token`;
  }
  if (health.attempted < MIN_ATTEMPTED) return undefined;
  const systemic = health.failureStatuses.filter((s) => s === 0 || s >= 500 || s === 401 || s === 403 || s === 429).length;
  if (health.failed / health.attempted > FAILURE_SHARE && systemic > health.failed / 2) {
    return `${health.failed} of ${health.attempted} operations failed, most with ${describeStatuses(health.failureStatuses)}`;
  }
  return undefined;
}

/** The state after a cycle: entered or prolonged when the target failed, lifted when it worked. */
export function nextQuarantine(current: QuarantineState | undefined, failing: string | undefined, now: Date): QuarantineState | undefined {
  if (!failing) return undefined;
  const level = (current?.level ?? 0) + 1;
  const wait = Math.min(MAX_MS, BASE_MS * 2 ** (level - 1));
  return { since: current?.since ?? now.toISOString(), until: new Date(now.getTime() + wait).toISOString(), level, reason: failing };
}

export function isQuarantined(state: QuarantineState | undefined, now: Date): boolean {
  return state !== undefined && Date.parse(state.until) > now.getTime();
}

function describeStatuses(statuses: readonly number[]): string {
  const counts = new Map<number, number>();
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  const [top] = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  return top ? (top[0] === 0 ? 'no response' : `HTTP ${top[0]}`) : 'errors';
}
