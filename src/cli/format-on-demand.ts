import type { OnDemandReport } from '../engine/on-demand.js';

/** `--sync-now --user`'s answer, step by step as Entra's provision on demand shows it. */
export function formatOnDemand(report: OnDemandReport): string {
  const lines = [`provision on demand: job "${report.job}", user "${report.user}"`];
  for (const step of report.steps) {
    const mark = step.outcome === 'failed' ? 'FAILED: ' : step.outcome === 'skipped' ? 'skipped: ' : '';
    lines.push(`${step.step}. ${step.title} … ${mark}${step.detail}`);
  }
  lines.push(`${report.outcome === 'success' ? 'done' : 'failed'} in ${(report.durationMs / 1000).toFixed(1)} s`);
  return `${lines.join('\n')}\n`;
}
