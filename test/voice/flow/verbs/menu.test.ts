/** Verb menu: its edges and template variables. */
import type { FlowNode } from '../../../../src/voice/flow/types.js';
import { parseTable, stepTable, verbTable } from './table.js';

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

const FLOW = `start: a
nodes:
  a: {verb: menu, prompt: [menu_p], options: {'1': one}, repeat: '*', timeoutMs: 5000, maxRetries: 1, invalid: [bad], noInput: [silence], onFailure: bye}
  one: {verb: hangup, prompt: [p_one]}
  bye: {verb: hangup, prompt: [bye]}
`;
stepTable('menu', [
  ['a key during the prompt stops it and routes', FLOW, [['start', ['play menu_p']], ['press 1', ['stop', 'play p_one']]]],
  ['after the prompt it waits; a key routes', FLOW, [['start', ['play menu_p']], ['done', ['timer 5000']], ['press 1', ['cancel', 'play p_one']]]],
  ['repeat key plays the prompt again, not a failure', FLOW, [['start', ['play menu_p']], ['press *', ['stop', 'play menu_p']], ['press 9', ['stop', 'play bad menu_p']], ['press 9', ['stop', 'play bye']]]],
  ['no key: noInput prompt, then onFailure', FLOW, [['start', ['play menu_p']], ['done', ['timer 5000']], ['tick', ['play silence menu_p']], ['done', ['timer 5000']], ['tick', ['play bye']]]],
]);
