import type { LoadedConfig, PreparedJob } from '../config/load.js';

/** A wrong command line: printed without a stack, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function selectJobs(loaded: LoadedConfig, jobName?: string): readonly PreparedJob[] {
  if (jobName === undefined) return loaded.jobs;
  const job = loaded.jobs.find((j) => j.config.name === jobName);
  if (!job) {
    throw new UsageError(`no job named "${jobName}" in ${loaded.file} (jobs: ${loaded.jobs.map((j) => j.config.name).join(', ')})`);
  }
  return [job];
}
