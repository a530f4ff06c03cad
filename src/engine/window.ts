/**
 * The bounded window between plan and apply: at most `size` operations are in flight or queued
 * at once, so memory does not grow with the number of operations, and the lookup and the create
 * of one user run back to back instead of all lookups first.
 */
export class Window {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly idle: (() => void)[] = [];

  constructor(private readonly size: number) {}

  /** Starts `task` once a slot is free; resolves when it has started, not when it ends. Tasks must not throw. */
  async submit(task: () => Promise<void>): Promise<void> {
    while (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    void task().finally(() => {
      this.active--;
      this.waiting.shift()?.();
      if (this.active === 0) for (const resolve of this.idle.splice(0)) resolve();
    });
  }

  /** Resolves when every submitted task has ended. */
  drain(): Promise<void> {
    return this.active === 0 ? Promise.resolve() : new Promise((resolve) => this.idle.push(resolve));
  }
}
