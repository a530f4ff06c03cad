/** vitest globalSetup: clears the fault tally before the run and prints its one line after. */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { RESULTS_FILE, summaryLine, type Tally } from './summary.js';

export function setup(): void {
  rmSync(RESULTS_FILE, { force: true });
}

export function teardown(): void {
  if (!existsSync(RESULTS_FILE)) return;
  const tallies = readFileSync(RESULTS_FILE, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Tally);
  console.log(summaryLine(tallies));
}
