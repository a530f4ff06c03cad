import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Hang guards, not speed limits: e2e tests run real processes, and on a busy machine they take
    // what they take. Speed is measured by `npm run bench`.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // Most test time is spent waiting on real processes (provisiond, the fakes), not on the CPU, and the
    // tests wait for events rather than the clock: three files at once roughly halves the run on two cores.
    maxWorkers: 3,
    // The fault suite (test/faults) prints its one summary line when the run ends.
    globalSetup: ['test/faults/summary-setup.ts'],
    // CI also writes a machine-readable result, from which .ci/run prints the closing "N passed, N failed" line.
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: process.env.CI ? { json: '.tmp/vitest-results.json' } : undefined,
  },
});
