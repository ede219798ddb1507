/** Verb lookup: its edges and template variables. */
import type { FlowNode } from '../../../../src/voice/flow/types.js';
import { stepTable, verbTable } from './table.js';

const node = (n: object) => n as unknown as FlowNode;

verbTable('lookup', false, [
  ['four result edges; input var', node({ verb: 'lookup', input: 'code', found: 'f', notFound: 'n', limit: 'l', error: 'e' }),
    [['found', 'f'], ['notFound', 'n'], ['limit', 'l'], ['error', 'e']], [['input', 'code']]],
  ['no error edge when absent', node({ verb: 'lookup', input: 'code', found: 'f', notFound: 'n', limit: 'l' }),
    [['found', 'f'], ['notFound', 'n'], ['limit', 'l']], [['input', 'code']]],
]);

const FLOW = `start: a
nodes:
  a: {verb: lookup, kind: declaration, input: code, results: [item], maxNotFound: 2, timeoutMs: 4000, found: ok, notFound: again, limit: bye, error: sorry}
  ok: {verb: play, items: [{tts: '{item}'}], next: bye}
  again: {verb: gather, prompt: [not_found], maxDigits: 12, into: code, next: a, onFailure: bye}
  sorry: {verb: hangup, prompt: [sorry]}
  bye: {verb: hangup, prompt: [bye]}
`;
const opts = { vars: { code: '123456789010' } };
stepTable('lookup', [
  ['found: the result fills variables', FLOW, [['start', ['effect lookup 123456789010', 'timer 4000']], ['effect {"status":"found","vars":{"item":"食品经营许可"}}', ['cancel', 'play tts:食品经营许可']]]],
  ['not found: the notFound target (counted)', FLOW, [['start', ['effect lookup 123456789010', 'timer 4000']], ['effect {"status":"notFound"}', ['cancel', 'play not_found']]]],
  ['the adapter-wide guess limit → limit', FLOW, [['start', ['effect lookup 123456789010', 'timer 4000']], ['effect {"status":"limited"}', ['cancel', 'play bye']]]],
  ['no answer in time → error target', FLOW, [['start', ['effect lookup 123456789010', 'timer 4000']], ['tick', ['play sorry']]]],
], opts);
