/** play: plays media items, then goes to next. */
import { mediaVars, type VerbDef } from './verb.js';

export const play: VerbDef<'play'> = {
  name: 'play',
  waitsForInput: false,
  targets: (n) => [['next', n.next]],
  varsUsed: (n) => mediaVars('items', n.items),
};
