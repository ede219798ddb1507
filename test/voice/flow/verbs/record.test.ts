/** Verb record: its edges and template variables. */
import type { FlowNode } from '../../../../src/voice/flow/types.js';
import { verbTable } from './table.js';

const node = (n: object) => n as unknown as FlowNode;

verbTable('record', true, [
  ['three edges; prompt, tooShort and feedbackKind vars',
    node({ verb: 'record', prompt: [{ tts: '{a}' }], tooShort: [{ tts: '{b}' }], feedbackKind: '{kind}', next: 'n', noRecording: 'r', onFailure: 'f' }),
    [['next', 'n'], ['noRecording', 'r'], ['onFailure', 'f']], [['prompt', 'a'], ['tooShort', 'b'], ['feedbackKind', 'kind']]],
  ['no feedbackKind', node({ verb: 'record', prompt: [], tooShort: [], next: 'n', noRecording: 'r', onFailure: 'f' }),
    [['next', 'n'], ['noRecording', 'r'], ['onFailure', 'f']], []],
]);
