/**
 * Progress of a long cycle: every ~10 s, and when a phase ends, one log line with the phase,
 * done/total, rate and ETA — and the same handed to whoever shows it (status, metrics).
 */
import type { Logger } from '../log.js';
import type { CycleProgress } from '../state/store.js';

export interface ProgressOptions {
  readonly log: Logger;
  readonly intervalMs?: number;
  readonly onReport?: (progress: CycleProgress) => void;
  readonly now?: () => number;
}

export class ProgressReporter {
  private phase = '';
  private done = 0;
  private total: number | undefined;
  private phaseStarted = 0;
  private lastReport = 0;
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(private readonly options: ProgressOptions) {
    this.intervalMs = options.intervalMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Ends the current phase (reporting it) and starts the next. */
  start(phase: string, total?: number): void {
    if (this.phase) this.report(true);
    this.phase = phase;
    this.done = 0;
    this.total = total;
    this.phaseStarted = this.lastReport = this.now();
  }

  /** Work done in the current phase; reports when the interval has passed. */
  advance(by = 1, total?: number): void {
    this.done += by;
    if (total !== undefined) this.total = total;
    if (this.now() - this.lastReport >= this.intervalMs) this.report(false);
  }

  setTotal(total: number): void {
    this.total = total;
  }

  /** Ends the last phase. */
  finish(): void {
    if (this.phase) this.report(true);
    this.phase = '';
  }

  private report(ended: boolean): void {
    const now = this.now();
    this.lastReport = now;
    const seconds = Math.max(0.001, (now - this.phaseStarted) / 1000);
    const rate = Math.round((this.done / seconds) * 10) / 10;
    const total = this.total === undefined ? undefined : Math.max(this.total, this.done);
    const etaSeconds = total !== undefined && rate > 0 ? Math.round((total - this.done) / rate) : undefined;
    const progress: CycleProgress = { phase: this.phase, done: this.done, total, rate, etaSeconds, at: new Date(now).toISOString() };
    this.options.onReport?.(progress);
    const of = total === undefined ? `${this.done}` : `${this.done}/${total}`;
    const eta = ended ? 'done' : etaSeconds === undefined ? 'ETA unknown' : `ETA ${etaSeconds}s`;
    this.options.log.info({ progress }, `${this.phase}: ${of} at ${rate}/s, ${eta}`);
  }
}
