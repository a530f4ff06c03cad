/**
 * The incremental-read cursor for Okta: an instant on Okta's own clock. The next read asks for
 * `lastUpdated gt "<cursor − overlap>"`, so a change stamped just before the boundary (a slow
 * commit, a clock step) is read twice rather than never; reading a user twice costs nothing
 * because the engine diffs against its snapshot.
 */
import { CursorExpiredError } from '../source.js';

const PREFIX = 'okta-lastUpdated:';

export function encodeCursor(instant: number): string {
  return `${PREFIX}${new Date(instant).toISOString()}`;
}

/** The cursor's instant; CursorExpiredError (→ a full read) for anything that is not an Okta cursor. */
export function decodeCursor(source: string, cursor: string): number {
  const instant = cursor.startsWith(PREFIX) ? Date.parse(cursor.slice(PREFIX.length)) : Number.NaN;
  if (Number.isNaN(instant)) throw new CursorExpiredError(source, 'not an Okta lastUpdated cursor');
  return instant;
}

/** The `filter` of users changed after `instant − overlapMs` (Okta's filter is strongly consistent; `search` is not). */
export function changedSinceFilter(instant: number, overlapMs: number): string {
  return `lastUpdated gt "${new Date(instant - overlapMs).toISOString()}"`;
}
