/** Verb record: its edges and template variables. */
import type { FlowNode } from '../../../../src/voice/flow/types.js';
import { stepTable, verbTable } from './table.js';

const node = (n: object) => n as unknown as FlowNode;

verbTable('record', true, [
  ['three edges; prompt, tooShort and feedbackKind vars',
    node({ verb: 'record', prompt: [{ tts: '{a}' }], tooShort: [{ tts: '{b}' }], feedbackKind: '{kind}', next: 'n', noRecording: 'r', onFailure: 'f' }),
    [['next', 'n'], ['noRecording', 'r'], ['onFailure', 'f']], [['prompt', 'a'], ['tooShort', 'b'], ['feedbackKind', 'kind']]],
  ['no feedbackKind', node({ verb: 'record', prompt: [], tooShort: [], next: 'n', noRecording: 'r', onFailure: 'f' }),
    [['next', 'n'], ['noRecording', 'r'], ['onFailure', 'f']], []],
]);

const FLOW = `start: a
nodes:
  a: {verb: record, prompt: [after_beep], name: msg, maxDurationSeconds: 60, maxSilenceSeconds: 5, minDurationSeconds: 2, attempts: 2, tooShort: [too_short], feedbackKind: complaint, next: thanks, noRecording: bye, onFailure: bye}
  thanks: {verb: hangup, prompt: [thanks]}
  bye: {verb: hangup, prompt: [bye]}
`;
stepTable('record', [
  ['prompt, record, a usable recording goes on', FLOW, [['start', ['play after_beep']], ['done', ['record msg-c1-2 60s silence=5 beep #', 'timer 70000']], ['recorded 12', ['cancel', 'play thanks']]]],
  ['too short: once more, then noRecording', FLOW, [['start', ['play after_beep']], ['done', ['record msg-c1-2 60s silence=5 beep #', 'timer 70000']], ['recorded 1', ['cancel', 'play too_short after_beep']], ['done', ['record msg-c1-5 60s silence=5 beep #', 'timer 70000']], ['recorded 1', ['cancel', 'play bye']]]],
  ['the terminator stops it (fallback to Asterisk)', FLOW, [['start', ['play after_beep']], ['done', ['record msg-c1-2 60s silence=5 beep #', 'timer 70000']], ['press #', ['stopRecording msg-c1-2']]]],
  ['hang-up while recording: submitted when the recording finishes', FLOW, [['start', ['play after_beep']], ['done', ['record msg-c1-2 60s silence=5 beep #', 'timer 70000']], ['hangup', ['cancel']], ['recorded 9', ['effect submitFeedback complaint msg-c1-2 9s onHangup']]]],
]);
