/** Exit codes, documented in the README: scripts and on-call runbooks depend on them. */
export const EXIT = {
  ok: 0,
  /** A cycle failed: the source could not be read, or the target refused an operation. */
  failed: 1,
  /** Bad config or usage: nothing was touched. */
  config: 2,
  /** Deprovisioning was held back by a safety guard (partial read, deletion threshold). */
  held: 3,
} as const;
