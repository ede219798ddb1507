/** Verb play: its edges and template variables. */
import { verbTable } from './table.js';

verbTable('play', false, [
  ['next edge; template vars of items', { verb: 'play', items: [{ prompt: 'hello' }, { tts: '您好{caller}' }], bargeIn: false, next: 'm' },
    [['next', 'm']], [['items', 'caller']]],
]);
