/**
 * The bad-input cases (corpus.ts) that fail until the engine handles them (issue 11); each says
 * why in its `awaitsEngine`. When one passes, drop its `awaitsEngine` and it joins bad-input.test.ts.
 */
import { runCorpus } from './corpus.js';

runCorpus('bad-input corpus, awaiting the engine', (c) => c.awaitsEngine !== undefined);
