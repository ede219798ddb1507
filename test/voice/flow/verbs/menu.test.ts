/** Verb menu: its edges and template variables. */
import type { FlowNode } from '../../../../src/voice/flow/types.js';
import { verbTable } from './table.js';

const node = (n: object) => n as unknown as FlowNode;

verbTable('menu', true, [
  ['option edges in key order, then onFailure; prompt/invalid/noInput vars',
    node({ verb: 'menu', prompt: [{ tts: '{caller}' }], options: { 1: 'a', 2: 'b' }, invalid: [{ tts: '{called}' }], noInput: [{ digits: '{x}' }], onFailure: 'bye' }),
    [['options.1', 'a'], ['options.2', 'b'], ['onFailure', 'bye']], [['prompt', 'caller'], ['invalid', 'called'], ['noInput', 'x']]],
]);
