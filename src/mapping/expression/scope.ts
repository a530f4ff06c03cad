import type { AttributeValue } from '../../sources/source.js';

/** What an expression can see of the object being mapped, and the world's clock and randomness. */
export interface EvaluationScope {
  /** Value of a source attribute by name; names are case-insensitive (the scope handles that). Undefined/null when absent. IsSoftDeleted is the string "True"/"False". */
  attribute(name: string): AttributeValue | undefined;
  /** Current time (Now(), DateDiff against Now). */
  now(): Date;
  /** Random source in [0,1) for Guid/RandomString. */
  random(): number;
}
