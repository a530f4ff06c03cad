/** The bad-input corpus (corpus.ts): at least 40 cases, each ending as a per-object error or handled cleanly. */
import { describe, expect, it } from 'vitest';
import { CASES, runCorpus } from './corpus.js';

describe('bad-input corpus: size', () => {
  it(`has at least 40 cases (${CASES.length})`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });
});

runCorpus('bad-input corpus');
