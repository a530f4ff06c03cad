/**
 * The bounded window between plan and apply: at most `size` operations are in flight or queued
 * at once, so memory does not grow with the number of operations, and the lookup and the create
 * of one user run back to back instead of all lookups first.
 */
export class Window {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly idle: (() => void)[] = [];
  /** The first task that threw (the snapshot could not be written, say): the window stops taking work. */
  private failure: { error: unknown } | undefined;

  constructor(private readonly size: number) {}

  /**
   * Starts `task` once a slot is free; resolves when it has started, not when it ends. A task that
   * throws fails the window: the next submit or drain throws its error, so the cycle stops.
   */
  async submit(task: () => Promise<void>): Promise<void> {
    while (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.throwIfFailed();
    this.active++;
    void task()
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => {
        this.active--;
        this.waiting.shift()?.();
        if (this.active === 0) for (const resolve of this.idle.splice(0)) resolve();
      });
  }

  /** Resolves when every submitted task has ended; throws the first task's error, if one threw. */
  async drain(): Promise<void> {
    if (this.active > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}
