/** Verb goto: its edges and template variables. */
import { verbTable } from './table.js';

verbTable('goto', false, [
  ['target edge, no vars', { verb: 'goto', target: 'main' }, [['target', 'main']], []],
]);
