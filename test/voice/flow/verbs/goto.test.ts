/** Verb goto: its edges and template variables. */
import { parseTable, stepTable, verbTable } from './table.js';

verbTable('goto', false, [
  ['target edge, no vars', { verb: 'goto', target: 'main' }, [['target', 'main']], []],
]);

parseTable('goto', [
  ['target required', '{verb: goto}', ['target: required']],
]);

const FLOW = `start: a
nodes:
  a: {verb: goto, target: b}
  b: {verb: hangup, prompt: [bye]}
`;
stepTable('goto', [
  ['goes to its target', FLOW, [['start', ['play bye']]]],
]);
