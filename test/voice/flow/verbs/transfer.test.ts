/** Verb transfer: its edges and template variables. */
import type { FlowNode } from '../../../../src/voice/flow/types.js';
import { stepTable, verbTable } from './table.js';

const node = (n: object) => n as unknown as FlowNode;

verbTable('transfer', false, [
  ['answered and noAnswer edges', node({ verb: 'transfer', answered: 'done', noAnswer: 'busy' }), [['answered', 'done'], ['noAnswer', 'busy']], []],
]);

const FLOW = `start: a
nodes:
  a: {verb: transfer, endpoint: PJSIP/8001, answered: after, noAnswer: msg}
  after: {verb: hangup, prompt: [thanks]}
  msg: {verb: hangup, prompt: [leave_message]}
`;
stepTable('transfer', [
  ['answered: after the conversation', FLOW, [['start', ['effect transfer PJSIP/8001']], ['effect {"status":"answered"}', ['play thanks']]]],
  ['no answer', FLOW, [['start', ['effect transfer PJSIP/8001']], ['effect {"status":"noAnswer"}', ['play leave_message']]]],
]);
