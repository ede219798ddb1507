/** The verb registry lists every verb once, and agrees with VERBS / INPUT_VERBS in types.ts. */
import { describe, expect, it } from 'vitest';
import { INPUT_VERBS, VERBS } from '../../../../src/voice/flow/types.js';
import { VERB_DEFS } from '../../../../src/voice/flow/verbs/index.js';

describe('verb registry', () => {
  it('has one definition per verb, under its own name', () => {
    expect(Object.keys(VERB_DEFS).sort()).toEqual([...VERBS].sort());
    for (const [k, d] of Object.entries(VERB_DEFS)) expect(d.name).toBe(k);
  });
  it('waitsForInput matches INPUT_VERBS', () => {
    expect(Object.values(VERB_DEFS).filter((d) => d.waitsForInput).map((d) => d.name).sort()).toEqual([...INPUT_VERBS].sort());
  });
});
