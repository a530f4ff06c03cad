/** What the database fault scenarios share: how a scenario ends, and what the operator was told. */
import { expect } from 'vitest';
import { crashed, levelOf, type CliResult, type FaultEnv } from './fault-env.js';
import { recordScenario } from './summary.js';

/** Ends a database scenario: fault gone, the next cycle converges. */
export async function expectConvergence(env: FaultEnv, scenario: string, faulty: CliResult): Promise<void> {
  env.scim.clearRequests();
  const recovered = await env.run();
  const result = env.compare();
  recordScenario(scenario, { lost: result.lost.length, duplicated: result.duplicated.length });
  expect(crashed(faulty), faulty.stderr).toBe(false);
  expect(faulty.code).toBe(1);
  expect(recovered.code, recovered.stdout.slice(-2000)).toBe(0);
  expect(result).toEqual({ lost: [], duplicated: [], wrong: [] });
  expect(env.wrongLinks()).toEqual([]);
  const { integrity, runs } = env.snapshot();
  expect(integrity).toBe('ok');
  expect(runs.filter((r) => r.outcome === 'running')).toEqual([]);
}

/** What the operator sees: the CLI's last words (stderr, or the last error log line). */
export function complaint(run: CliResult): string {
  const errors = run.logs.filter((l) => levelOf(l) >= 50).map((l) => `${String(l['msg'])} ${String(l['error'] ?? '')}`);
  return `${run.stderr}\n${errors.join('\n')}`;
}
