/**
 * Noticing that the config file changed. Polling the file's stat (fs.watchFile) rather than
 * fs.watch, because editors replace the file and Kubernetes swaps a ConfigMap's symlink: a path
 * that is re-stat'ed sees both, an inode watch sees neither.
 */
import { unwatchFile, watchFile, type Stats } from 'node:fs';

export interface ConfigWatch {
  stop(): void;
}

/** Calls `changed` once the file has stopped changing for `settleMs` (an editor writes in several steps). */
export function watchConfigFile(file: string, changed: () => void, options: { intervalMs?: number; settleMs?: number } = {}): ConfigWatch {
  const settleMs = options.settleMs ?? 300;
  let timer: NodeJS.Timeout | undefined;
  const listener = (current: Stats, previous: Stats): void => {
    if (current.mtimeMs === previous.mtimeMs && current.size === previous.size && current.ino === previous.ino) return;
    clearTimeout(timer);
    timer = setTimeout(changed, settleMs);
    timer.unref();
  };
  watchFile(file, { interval: options.intervalMs ?? 1_000, persistent: false }, listener);
  return {
    stop: () => {
      clearTimeout(timer);
      unwatchFile(file, listener);
    },
  };
}
