/**
 * Scope filters checked when the config loads: a REGEX MATCH pattern compiles here, with the same
 * .NET translation the cycle uses, so a bad pattern is a config error naming its key rather than
 * a crash in `preview` or in the middle of a cycle.
 */
import { describeRegexError, dotNetRegExp } from '../mapping/expression/functions/dotnet-regex.js';
import type { ConfigIssue } from './errors.js';
import type { JobConfig } from './schema.js';

export function scopeFilterIssues(job: JobConfig, index: number): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  job.scope.filters.forEach((filter, i) => {
    if (filter.operator !== 'REGEX MATCH') return;
    const path = ['jobs', index, 'scope', 'filters', i, 'value'];
    if (filter.value === undefined) {
      issues.push({ path, message: 'REGEX MATCH needs a "value": the .NET regular expression to match' });
      return;
    }
    try {
      dotNetRegExp(String(filter.value));
    } catch (error) {
      issues.push({ path, message: `invalid regular expression ${JSON.stringify(String(filter.value))}: ${describeRegexError(error)}` });
    }
  });
  return issues;
}
