/** Shared table runner for the per-verb tests: rows of [label, node, expected edges, expected template variables]. */
import { describe, expect, it } from 'vitest';
import type { FlowNode } from '../../../../src/voice/flow/types.js';
import { targetsOf } from '../../../../src/voice/flow/loader.js';
import { VERB_DEFS, verbOf } from '../../../../src/voice/flow/verbs/index.js';

export type VerbRow = [label: string, node: FlowNode, targets: Array<[string, string]>, vars: Array<[string, string]>];

export function verbTable(verb: FlowNode['verb'], waitsForInput: boolean, rows: VerbRow[]): void {
  describe(`verb ${verb}`, () => {
    it('is registered under its name', () => {
      expect(VERB_DEFS[verb].name).toBe(verb);
      expect(VERB_DEFS[verb].waitsForInput).toBe(waitsForInput);
    });
    it.each(rows)('%s', (_label, node, targets, vars) => {
      expect(targetsOf(node)).toEqual(targets);
      expect(verbOf(node).varsUsed(node)).toEqual(vars);
    });
  });
}
