/** Verb set: its edges and template variables. */
import { parseTable, stepTable, verbTable } from './table.js';

verbTable('set', false, [
  ['next edge; vars of each template', { verb: 'set', vars: { a: '{caller}-{called}', b: 'x' }, next: 'n' },
    [['next', 'n']], [['vars', 'caller'], ['vars', 'called']]],
]);

parseTable('set', [
  ['bad variable name', '{verb: set, vars: {"9x": a}, next: end}', ['vars: "9x" is not a variable name']],
]);

const FLOW = `start: a
nodes:
  a: {verb: set, vars: {greeting: '您好{caller}'}, next: b}
  b: {verb: hangup, prompt: [{tts: '{greeting}'}]}
`;
stepTable('set', [
  ['fills the template, then next', FLOW, [['start', ['play tts:您好13800138000']]]],
]);
