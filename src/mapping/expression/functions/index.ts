/** The function library, by exact (case-sensitive) name. */
import type { FunctionSpec } from '../registry.js';
import { COLLECTION_FUNCTIONS } from './collections.js';
import { DATE_FUNCTIONS } from './dates.js';
import { ENCODING_FUNCTIONS } from './encoding.js';
import { LOGIC_FUNCTIONS } from './logic.js';
import { REPLACE_FUNCTIONS } from './replace.js';
import { STRING_FUNCTIONS } from './strings.js';
import { TEXT_CASE_FUNCTIONS } from './text-case.js';

export const FUNCTIONS: ReadonlyMap<string, FunctionSpec> = new Map(
  [...COLLECTION_FUNCTIONS, ...DATE_FUNCTIONS, ...ENCODING_FUNCTIONS, ...LOGIC_FUNCTIONS, ...REPLACE_FUNCTIONS, ...STRING_FUNCTIONS, ...TEXT_CASE_FUNCTIONS].map(
    (spec) => [spec.name, spec],
  ),
);

export { IGNORE_FLOW_SIGNAL } from './logic.js';
