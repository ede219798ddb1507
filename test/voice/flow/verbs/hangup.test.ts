/** Verb hangup: its edges and template variables. */
import { stepTable, verbTable } from './table.js';

verbTable('hangup', false, [
  ['no edges; prompt vars', { verb: 'hangup', prompt: [{ digits: '{caller}' }], reason: 'done' }, [], [['prompt', 'caller']]],
  ['no prompt', { verb: 'hangup', prompt: [], reason: 'done' }, [], []],
]);

const FLOW = (prompt: string) => `start: a
nodes:
  a: {verb: hangup, prompt: ${prompt}, reason: done}
`;
stepTable('hangup', [
  ['says goodbye, then hangs up with its reason', FLOW('[bye]'), [['start', ['play bye']], ['done', ['hangup done']]]],
  ['no prompt: hangs up at once', FLOW('[]'), [['start', ['hangup done']]]],
]);
