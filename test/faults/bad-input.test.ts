/** The bad-input corpus (corpus.ts): every case the engine is expected to handle today. */
import { describe, expect, it } from 'vitest';
import { CASES, runCorpus } from './corpus.js';

const selected = CASES.filter((c) => !c.awaitsEngine);

describe('bad-input corpus: size', () => {
  it(`has at least 40 cases (${selected.length} here, ${CASES.length - selected.length} awaiting the engine)`, () => {
    expect(selected.length).toBeGreaterThanOrEqual(40);
  });
});

runCorpus('bad-input corpus', (c) => !c.awaitsEngine);
