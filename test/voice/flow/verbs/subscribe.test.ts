/** Verb subscribe: its edges and template variables. */
import type { FlowNode } from '../../../../src/voice/flow/types.js';
import { stepTable, verbTable } from './table.js';

const node = (n: object) => n as unknown as FlowNode;

verbTable('subscribe', false, [
  ['ok and fail; input var', node({ verb: 'subscribe', input: 'code', ok: 'o', fail: 'x' }), [['ok', 'o'], ['fail', 'x']], [['input', 'code']]],
]);

const FLOW = `start: a
nodes:
  a: {verb: subscribe, input: code, timeoutMs: 3000, ok: yes, fail: no}
  yes: {verb: hangup, prompt: [subscribed]}
  no: {verb: hangup, prompt: [not_subscribed]}
`;
stepTable('subscribe', [
  ['ok', FLOW, [['start', ['effect subscribe 123456789010', 'timer 3000']], ['effect {"status":"ok"}', ['cancel', 'play subscribed']]]],
  ['fail', FLOW, [['start', ['effect subscribe 123456789010', 'timer 3000']], ['effect {"status":"fail"}', ['cancel', 'play not_subscribed']]]],
], { vars: { code: '123456789010' } });
