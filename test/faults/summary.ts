/**
 * The fault suite's tally: every scenario and bad-input case records what it found, and the
 * global teardown (summary-setup.ts) prints one line for the whole run. Files, not memory,
 * because test files run in separate worker processes.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const RESULTS_DIR = resolve(import.meta.dirname, '..', '..', '.tmp', 'faults');
export const RESULTS_FILE = join(RESULTS_DIR, 'results.jsonl');

export interface Tally {
  readonly kind: 'scenario' | 'case';
  readonly name: string;
  /** Source objects the target should hold but does not. */
  readonly lost: number;
  /** Target objects beyond one per source object (same userName or externalId twice, or unknown extras). */
  readonly duplicated: number;
}

function record(tally: Tally): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  appendFileSync(RESULTS_FILE, `${JSON.stringify(tally)}\n`);
}

export function recordScenario(name: string, found: { lost: number; duplicated: number }): void {
  record({ kind: 'scenario', name, ...found });
}

export function recordCase(name: string, found: { lost: number; duplicated: number } = { lost: 0, duplicated: 0 }): void {
  record({ kind: 'case', name, ...found });
}

export function summaryLine(tallies: readonly Tally[]): string {
  const scenarios = new Set(tallies.filter((t) => t.kind === 'scenario').map((t) => t.name)).size;
  const cases = new Set(tallies.filter((t) => t.kind === 'case').map((t) => t.name)).size;
  const lost = tallies.reduce((sum, t) => sum + t.lost, 0);
  const duplicated = tallies.reduce((sum, t) => sum + t.duplicated, 0);
  return `faults: ${scenarios} scenarios, ${cases} cases, ${lost} lost, ${duplicated} duplicated`;
}
