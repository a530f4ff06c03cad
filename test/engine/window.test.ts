import { describe, expect, it } from 'vitest';
import { Window } from '../../src/engine/window.js';

describe('Window', () => {
  it('keeps at most `size` tasks going, and a submit waits for a free slot', async () => {
    const window = new Window(2);
    const releases: (() => void)[] = [];
    let running = 0;
    let peak = 0;
    const task = () =>
      new Promise<void>((resolve) => {
        running++;
        peak = Math.max(peak, running);
        releases.push(() => {
          running--;
          resolve();
        });
      });
    await window.submit(task);
    await window.submit(task);
    let thirdStarted = false;
    const third = window.submit(task).then(() => (thirdStarted = true));
    await Promise.resolve();
    expect(thirdStarted).toBe(false);
    releases.shift()!();
    await third;
    expect(thirdStarted).toBe(true);
    for (const release of releases.splice(0)) release();
    await window.drain();
    expect(peak).toBe(2);
    expect(running).toBe(0);
  });

  it('drains at once when nothing runs', async () => {
    await expect(new Window(1).drain()).resolves.toBeUndefined();
  });
});

describe('Window failures', () => {
  it('a task that throws stops the window: the next submit and drain throw its error', async () => {
    const window = new Window(4);
    await window.submit(() => Promise.reject(new Error('database or disk is full')));
    await expect(window.drain()).rejects.toThrow('database or disk is full');
    await expect(window.submit(() => Promise.resolve())).rejects.toThrow('database or disk is full');
  });
});
