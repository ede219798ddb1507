/** Verb set: its edges and template variables. */
import { verbTable } from './table.js';

verbTable('set', false, [
  ['next edge; vars of each template', { verb: 'set', vars: { a: '{caller}-{called}', b: 'x' }, next: 'n' },
    [['next', 'n']], [['vars', 'caller'], ['vars', 'called']]],
]);
