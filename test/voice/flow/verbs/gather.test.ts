/** Verb gather: its edges and template variables. */
import type { FlowNode } from '../../../../src/voice/flow/types.js';
import { parseTable, verbTable } from './table.js';

const node = (n: object) => n as unknown as FlowNode;

verbTable('gather', true, [
  ['next and onFailure; vars of the four media lists',
    node({ verb: 'gather', prompt: [{ tts: '{a}' }], invalid: [{ tts: '{b}' }], noInput: [{ tts: '{c}' }], badCheckDigit: [{ tts: '{d}' }], next: 'n', onFailure: 'f' }),
    [['next', 'n'], ['onFailure', 'f']], [['prompt', 'a'], ['invalid', 'b'], ['noInput', 'c'], ['badCheckDigit', 'd']]],
]);

parseTable('gather', [
  ['minDigits above maxDigits', '{verb: gather, prompt: [{tts: x}], maxDigits: 2, minDigits: 3, into: code, next: end, onFailure: end}',
    ['minDigits: 3 is more than maxDigits 2']],
]);
