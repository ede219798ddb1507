/** Verb hangup: its edges and template variables. */
import { verbTable } from './table.js';

verbTable('hangup', false, [
  ['no edges; prompt vars', { verb: 'hangup', prompt: [{ digits: '{caller}' }], reason: 'done' }, [], [['prompt', 'caller']]],
  ['no prompt', { verb: 'hangup', prompt: [], reason: 'done' }, [], []],
]);
