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
  enter(ops, n) {
    const s = ops.s;
    if (s.notFoundCount >= n.maxNotFound) {
      ops.log('invalid', 'lookup limit reached');
      ops.goto(n.limit);
      return;
    }
    const code = s.vars[n.input] ?? '';
    if (!code) { ops.log('invalid', 'nothing to look up'); ops.goto(n.notFound); return; }
    ops.effect('lookup', { kind: n.kind, code, caller: s.caller }, n.timeoutMs);
  },
  effectResult(ops, n, kind, result) {
    if (kind !== 'lookup') return;
    const s = ops.s;
    const status = String(result.status ?? 'error');
    if (status === 'found') {
      for (const [k, v] of Object.entries(result.vars ?? {})) if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) s.vars[k] = stringify(v);
      ops.outcome('status_read');
      ops.log('input', 'found');
      ops.goto(n.found);
    } else if (status === 'notFound') {
      s.notFoundCount++;
      ops.log('invalid', `not found (${s.notFoundCount}/${n.maxNotFound})`);
      ops.goto(s.notFoundCount >= n.maxNotFound ? n.limit : n.notFound);
    } else if (status === 'limited') {
      ops.log('invalid', 'lookup limited');
      ops.goto(n.limit);
    } else {
      ops.log('invalid', `lookup ${status}`);
      ops.goto(n.error ?? n.notFound);
    }
  },
};

function stringify(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'string' ? v : String(v);
}
