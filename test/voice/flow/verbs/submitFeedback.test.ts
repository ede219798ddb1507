/** Verb submitFeedback: its edges and template variables. */
import type { FlowNode } from '../../../../src/voice/flow/types.js';
import { verbTable } from './table.js';

const node = (n: object) => n as unknown as FlowNode;

verbTable('submitFeedback', false, [
  ['next and onFailure; kind template and recording var',
    node({ verb: 'submitFeedback', kind: '{kind}', recording: 'lastRecording', next: 'n', onFailure: 'f' }),
    [['next', 'n'], ['onFailure', 'f']], [['kind', 'kind'], ['recording', 'lastRecording']]],
]);
