/**
 * What the machine allows: a client that spends `clientMs` of CPU per create against an app that
 * spends `appMs` per request can go no faster than its busiest thread (one create per `clientMs`
 * if it all runs on one) nor than the cores shared by both processes. The bench prints this beside
 * the measured rate so that a ratio to the ceiling is read against what was possible at all.
 */
export interface CpuBudget {
  /** provisiond's CPU per create (all its threads), ms. */
  readonly clientMs: number;
  /** The bare loop's CPU per create, ms. */
  readonly loopMs: number;
  /** The app's CPU per request while provisiond ran, ms. */
  readonly appMs: number;
  readonly cores: number;
  /** Creates/s if provisiond's work ran on one thread (it does: the engine is one event loop). */
  readonly oneThreadBound: number;
  /** Creates/s if provisiond's work spread perfectly over every core the app leaves free. */
  readonly allCoresBound: number;
  /** Those bounds over the ceiling's rate. */
  readonly oneThreadRatio: number;
  readonly allCoresRatio: number;
  /** The most CPU per create provisiond may spend to reach `target` × the ceiling on these cores. */
  readonly clientMsFor: { readonly target: number; readonly ms: number };
}

export function cpuBudget(input: { clientCpuMs: number; creates: number; appCpuMs: number; appRequests: number; loopCpuMs: number; loopRequests: number; cores: number; ceilingPerSecond: number; target?: number }): CpuBudget {
  const clientMs = input.clientCpuMs / Math.max(1, input.creates);
  const appMs = input.appCpuMs / Math.max(1, input.appRequests);
  const loopMs = input.loopCpuMs / Math.max(1, input.loopRequests);
  const oneThreadBound = Math.min(1000 / clientMs, (input.cores * 1000) / (clientMs + appMs));
  const allCoresBound = (input.cores * 1000) / (clientMs + appMs);
  const target = input.target ?? 0.9;
  const rate = target * input.ceilingPerSecond;
  // Both limits must hold: the cores shared with the app, and one thread's share.
  const ms = Math.min((input.cores * 1000) / rate - appMs, 1000 / rate);
  const round = (n: number, digits: number): number => Math.round(n * 10 ** digits) / 10 ** digits;
  return {
    clientMs: round(clientMs, 3),
    loopMs: round(loopMs, 3),
    appMs: round(appMs, 3),
    cores: input.cores,
    oneThreadBound: Math.round(oneThreadBound),
    allCoresBound: Math.round(allCoresBound),
    oneThreadRatio: round(oneThreadBound / input.ceilingPerSecond, 2),
    allCoresRatio: round(allCoresBound / input.ceilingPerSecond, 2),
    clientMsFor: { target, ms: round(ms, 3) },
  };
}
