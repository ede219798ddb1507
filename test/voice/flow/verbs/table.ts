/** Shared table runner for the per-verb tests: rows of [label, node, expected edges, expected template variables]. */
import { describe, expect, it } from 'vitest';
import type { FlowNode } from '../../../../src/voice/flow/types.js';
import { parseFlow, targetsOf } from '../../../../src/voice/flow/loader.js';
import { VERB_DEFS, verbOf } from '../../../../src/voice/flow/verbs/index.js';
import { FlowDriver, engineFromYaml, type DriverOptions } from '../driver.js';

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

/** Parse rows: [label, the node "a" as YAML flow map (it may go to "end"), the error messages node "a" gets]. */
export type ParseRow = [label: string, yaml: string, errors: string[]];

export function parseTable(verb: FlowNode['verb'], rows: ParseRow[]): void {
  describe(`verb ${verb}: parse`, () => {
    it.each(rows)('%s', (_label, yaml, errors) => {
      const { issues } = parseFlow(`start: a\nnodes:\n  a: ${yaml}\n  end: {verb: hangup}\n`, 'main.yaml');
      expect(issues.filter((i) => i.severity === 'error' && i.nodeId === 'a').map((i) => i.message)).toEqual(errors);
    });
  });
}

/**
 * Runtime rows in the step language (../driver.ts): [label, flow YAML (node "a" is the verb under
 * test; it may go to the other nodes of the flow), steps as [step, expected compact actions]].
 */
export type StepRow = [label: string, yaml: string, steps: Array<[step: string, actions: string[]]>];

export function stepTable(verb: FlowNode['verb'], rows: StepRow[], opts: DriverOptions = {}): void {
  describe(`verb ${verb}: steps`, () => {
    it.each(rows)('%s', (_label, yaml, steps) => {
      const d = new FlowDriver(engineFromYaml(yaml), opts);
      for (const [step, expected] of steps) expect(d.run(step), step).toEqual(expected);
    });
  });
}
