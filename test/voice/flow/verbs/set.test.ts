/** Verb set: its edges and template variables. */
import { parseTable, verbTable } from './table.js';

verbTable('set', false, [
  ['next edge; vars of each template', { verb: 'set', vars: { a: '{caller}-{called}', b: 'x' }, next: 'n' },
    [['next', 'n']], [['vars', 'caller'], ['vars', 'called']]],
]);

parseTable('set', [
  ['bad variable name', '{verb: set, vars: {"9x": a}, next: end}', ['vars: "9x" is not a variable name']],
]);
