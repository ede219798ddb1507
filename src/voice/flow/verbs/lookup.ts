/** lookup: looks an input variable up (effect), routes by result. */
import { VAR_NAME } from '../template.js';
import type { VerbDef } from './verb.js';

export const lookup: VerbDef<'lookup'> = {
  name: 'lookup',
  parse(r, err) {
    const kind = r.str('kind', true);
    if (kind !== undefined && kind !== 'declaration') err(`kind: unknown lookup kind "${kind}" (declaration)`);
    const resultsRaw = r.rawValue('results');
    const results: string[] = [];
    if (resultsRaw !== undefined) {
      if (!Array.isArray(resultsRaw)) err('results: must be a list of variable names');
      else for (const x of resultsRaw) {
        if (typeof x === 'string' && VAR_NAME.test(x)) results.push(x);
        else err(`results: "${String(x)}" is not a variable name`);
      }
    }
    return {
      verb: 'lookup', kind: 'declaration', input: r.varName('input', true)!, results,
      maxNotFound: r.int('maxNotFound', 3, 1, 20)!, timeoutMs: r.int('timeoutMs', 15_000, 1000, 120_000)!,
      found: r.target('found')!, notFound: r.target('notFound')!, limit: r.target('limit')!, error: r.target('error', false),
    };
  },
  waitsForInput: false,
  targets: (n) => [['found', n.found], ['notFound', n.notFound], ['limit', n.limit], ['error', n.error]],
  varsUsed: (n) => [['input', n.input]],
};
