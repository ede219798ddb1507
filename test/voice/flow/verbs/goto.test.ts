/** Verb goto: its edges and template variables. */
import { parseTable, verbTable } from './table.js';

verbTable('goto', false, [
  ['target edge, no vars', { verb: 'goto', target: 'main' }, [['target', 'main']], []],
]);

parseTable('goto', [
  ['target required', '{verb: goto}', ['target: required']],
]);
