/**
 * When each job's cycles start. node-cron drives every job: a `cron` schedule is its own node-cron
 * task; an `every` schedule (which cron cannot express: 40m does not divide an hour) is a node-cron
 * tick, once a minute or once a second, that starts the job when its interval has elapsed.
 *
 * The scheduler only says "job X is due"; the caller decides whether it can run (it skips a start
 * while the job's previous cycle is still running, so a cycle never overlaps itself).
 */
import { createTask, type ScheduledTask } from 'node-cron';
import type { JobConfig, ScheduleConfig } from '../config/schema.js';
import { DEFAULT_SCHEDULE_EVERY_MS } from '../config/schema.js';

export type Trigger =
  | { readonly kind: 'every'; readonly everyMs: number }
  | { readonly kind: 'cron'; readonly expression: string; readonly timezone?: string };

/** The job's own schedule if it has one, else the top-level one. */
export function triggerFor(job: JobConfig, schedule: ScheduleConfig): Trigger {
  const own = job.schedule;
  const cron = own ? own.cron : schedule.cron;
  if (cron !== undefined) return { kind: 'cron', expression: cron, ...(schedule.timezone ? { timezone: schedule.timezone } : {}) };
  return { kind: 'every', everyMs: (own ? own.every : schedule.every) ?? DEFAULT_SCHEDULE_EVERY_MS };
}

export function describeTrigger(trigger: Trigger): string {
  if (trigger.kind === 'cron') return `cron "${trigger.expression}"${trigger.timezone ? ` (${trigger.timezone})` : ''}`;
  return `every ${formatInterval(trigger.everyMs)}`;
}

function formatInterval(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

function sameTrigger(a: Trigger, b: Trigger): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const MINUTE = 60_000;
const SECOND = 1_000;
/** node-cron fires on the second (or minute) boundary; a timer may wake a hair early. */
const TICK_TOLERANCE_MS = 250;

interface ScheduledJob {
  readonly trigger: Trigger;
  readonly task: ScheduledTask;
  /** For `every`: when the job is next due (epoch ms). */
  dueAt?: number;
}

export class Scheduler {
  private readonly jobs = new Map<string, ScheduledJob>();
  private stopped = false;

  /** `due` is called when a job should start a cycle; it must not block (start the cycle, don't await it). */
  constructor(
    private readonly due: (job: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Makes the schedule match `triggers`: new jobs start (an `every` job runs at once, a `cron` job
   * at its first match), removed jobs stop, and jobs whose trigger is unchanged keep their timing.
   */
  apply(triggers: ReadonlyMap<string, Trigger>): void {
    if (this.stopped) return;
    for (const [name, scheduled] of this.jobs) {
      const trigger = triggers.get(name);
      if (!trigger || !sameTrigger(trigger, scheduled.trigger)) {
        void scheduled.task.destroy();
        this.jobs.delete(name);
      }
    }
    for (const [name, trigger] of triggers) {
      if (this.jobs.has(name)) continue;
      if (trigger.kind === 'cron') {
        const task = createTask(trigger.expression, () => this.due(name), { name, ...(trigger.timezone ? { timezone: trigger.timezone } : {}) });
        this.jobs.set(name, { trigger, task });
        void task.start();
      } else {
        this.startInterval(name, trigger.everyMs);
      }
    }
  }

  private startInterval(name: string, everyMs: number): void {
    const tickMs = everyMs % MINUTE === 0 ? MINUTE : SECOND;
    const scheduled: ScheduledJob = {
      trigger: { kind: 'every', everyMs },
      task: createTask(tickMs === MINUTE ? '0 * * * * *' : '* * * * * *', () => this.tick(name), { name }),
      dueAt: alignUp(this.now() + everyMs, tickMs),
    };
    this.jobs.set(name, scheduled);
    void scheduled.task.start();
    this.due(name);
  }

  private tick(name: string): void {
    const scheduled = this.jobs.get(name);
    if (!scheduled || scheduled.dueAt === undefined || scheduled.trigger.kind !== 'every') return;
    const now = this.now();
    if (now + TICK_TOLERANCE_MS < scheduled.dueAt) return;
    // Slots that passed while the process was busy are skipped, not caught up.
    const everyMs = scheduled.trigger.everyMs;
    let next = scheduled.dueAt + everyMs;
    while (next <= now + TICK_TOLERANCE_MS) next += everyMs;
    scheduled.dueAt = next;
    this.due(name);
  }

  nextRun(job: string): Date | undefined {
    const scheduled = this.jobs.get(job);
    if (!scheduled) return undefined;
    if (scheduled.dueAt !== undefined) return new Date(scheduled.dueAt);
    return scheduled.task.getNextRun() ?? undefined;
  }

  trigger(job: string): Trigger | undefined {
    return this.jobs.get(job)?.trigger;
  }

  /** No more starts; cycles already running are the caller's. */
  stop(): void {
    this.stopped = true;
    for (const scheduled of this.jobs.values()) void scheduled.task.destroy();
    this.jobs.clear();
  }
}

function alignUp(ms: number, step: number): number {
  return Math.ceil(ms / step) * step;
}
