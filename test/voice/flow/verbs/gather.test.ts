/** Verb gather: its edges and template variables. */
import type { FlowNode } from '../../../../src/voice/flow/types.js';
import { parseTable, stepTable, verbTable } from './table.js';

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

const FLOW = `start: a
nodes:
  a: {verb: gather, prompt: [enter], maxDigits: 4, minDigits: 2, firstDigitTimeoutMs: 8000, interDigitTimeoutMs: 3000, into: code, attempts: 2, invalid: [bad], noInput: [silence], next: ok, onFailure: bye}
  ok: {verb: play, items: [{digits: '{code}'}], next: bye}
  bye: {verb: hangup, prompt: [bye]}
`;
stepTable('gather', [
  ['digits then the terminator', FLOW, [['start', ['play enter']], ['press 12#', ['stop', 'timer 3000', 'cancel', 'timer 3000', 'cancel', 'play digits:12']]]],
  ['maxDigits ends the entry at once; a # right after is swallowed', FLOW, [['start', ['play enter']], ['press 1234', ['stop', 'timer 3000', 'cancel', 'timer 3000', 'cancel', 'timer 3000', 'cancel', 'play digits:1234']], ['press #', []]]],
  ['an empty entry (# alone) is ignored, never counted', FLOW, [['start', ['play enter']], ['press #', []], ['done', ['timer 8000']], ['press #', []]]],
  ['inter-digit timeout ends the entry', FLOW, [['start', ['play enter']], ['done', ['timer 8000']], ['press 12', ['cancel', 'timer 3000', 'cancel', 'timer 3000']], ['tick', ['play digits:12']]]],
  ['too short, then no input → onFailure', FLOW, [['start', ['play enter']], ['press 1#', ['stop', 'timer 3000', 'cancel', 'play bad enter']], ['done', ['timer 8000']], ['tick', ['play bye']]]],
]);
