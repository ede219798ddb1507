/** Verb submitFeedback: its edges and template variables. */
import type { FlowNode } from '../../../../src/voice/flow/types.js';
import { stepTable, verbTable } from './table.js';

const node = (n: object) => n as unknown as FlowNode;

verbTable('submitFeedback', false, [
  ['next and onFailure; kind template and recording var',
    node({ verb: 'submitFeedback', kind: '{kind}', recording: 'lastRecording', next: 'n', onFailure: 'f' }),
    [['next', 'n'], ['onFailure', 'f']], [['kind', 'kind'], ['recording', 'lastRecording']]],
]);

const FLOW = `start: a
nodes:
  a: {verb: submitFeedback, kind: complaint, timeoutMs: 5000, next: ok, onFailure: bye}
  ok: {verb: hangup, prompt: [{digits: '{ref}'}]}
  bye: {verb: hangup, prompt: [bye]}
`;
stepTable('submitFeedback', [
  ['submits the recording and reads the reference', FLOW, [['start', ['effect submitFeedback complaint msg-1 0s', 'timer 5000']], ['effect {"status":"ok","ref":"20261126001"}', ['cancel', 'play digits:20261126001']]]],
  ['an error goes to onFailure', FLOW, [['start', ['effect submitFeedback complaint msg-1 0s', 'timer 5000']], ['effect {"status":"error"}', ['cancel', 'play bye']]]],
], { vars: { lastRecording: 'msg-1' } });
