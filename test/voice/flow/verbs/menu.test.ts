/** Verb menu: its edges and template variables. */
import type { FlowNode } from '../../../../src/voice/flow/types.js';
import { parseTable, verbTable } from './table.js';

const node = (n: object) => n as unknown as FlowNode;

verbTable('menu', true, [
  ['option edges in key order, then onFailure; prompt/invalid/noInput vars',
    node({ verb: 'menu', prompt: [{ tts: '{caller}' }], options: { 1: 'a', 2: 'b' }, invalid: [{ tts: '{called}' }], noInput: [{ digits: '{x}' }], onFailure: 'bye' }),
    [['options.1', 'a'], ['options.2', 'b'], ['onFailure', 'bye']], [['prompt', 'caller'], ['invalid', 'called'], ['noInput', 'x']]],
]);

parseTable('menu', [
  ['valid', '{verb: menu, prompt: [{tts: 请按键}], options: {"1": end}, onFailure: end}', []],
  ['bad key and repeat clash', '{verb: menu, prompt: [{tts: x}], options: {"1": end, x: end}, repeat: "1", onFailure: end}',
    ['options: "x" is not a DTMF key (0-9 * # A-D)', 'repeat: key "1" is also an option']],
]);
