/** Verb queue: its edges, parsing and what each answer of the queue effect leads to. */
import type { FlowNode } from '../../../../src/voice/flow/types.js';
import { parseTable, stepTable, verbTable } from './table.js';

const node = (n: object) => n as unknown as FlowNode;

verbTable('queue', false, [
  ['four edges', node({ verb: 'queue', answered: 'done', callback: 'cb', message: 'msg', noOperator: 'busy' }), [['answered', 'done'], ['callback', 'cb'], ['message', 'msg'], ['noOperator', 'busy']], []],
  ['noOperator optional', node({ verb: 'queue', answered: 'done', callback: 'cb', message: 'msg' }), [['answered', 'done'], ['callback', 'cb'], ['message', 'msg']], []],
]);

parseTable('queue', [
  ['urgent is fine', '{verb: queue, priority: urgent, answered: end, callback: end, message: end}', []],
  ['unknown priority', '{verb: queue, priority: vip, answered: end, callback: end, message: end}', ['priority: "vip" must be normal or urgent']],
]);

const FLOW = `start: a
nodes:
  a: {verb: queue, answered: after, callback: cb, message: msg, noOperator: busy}
  after: {verb: hangup, prompt: [thanks]}
  cb: {verb: hangup, prompt: [callback_booked]}
  msg: {verb: hangup, prompt: [leave_message]}
  busy: {verb: hangup, prompt: [operator_busy]}
`;
const URGENT = `start: a
nodes:
  a: {verb: queue, priority: urgent, answered: after, callback: after, message: msg}
  after: {verb: hangup, prompt: [thanks]}
  msg: {verb: hangup, prompt: [leave_message]}
`;
stepTable('queue', [
  ['answered: after the conversation', FLOW, [['start', ['effect queue normal']], ['effect {"status":"answered"}', ['play thanks']]]],
  ['按1 call-back: told and hung up', FLOW, [['start', ['effect queue normal']], ['effect {"status":"callback"}', ['play callback_booked']]]],
  ['按2 message', FLOW, [['start', ['effect queue normal']], ['effect {"status":"message"}', ['play leave_message']]]],
  ['no operator', FLOW, [['start', ['effect queue normal']], ['effect {"status":"noOperator"}', ['play operator_busy']]]],
  ['unknown answer counts as no operator', FLOW, [['start', ['effect queue normal']], ['effect {"status":"error"}', ['play operator_busy']]]],
  ['urgent; no noOperator edge → message', URGENT, [['start', ['effect queue urgent']], ['effect {"status":"noOperator"}', ['play leave_message']]]],
]);
