/** play: plays media items, then goes to next. */
import { mediaVars, type VerbDef } from './verb.js';

export const play: VerbDef<'play'> = {
  name: 'play',
  parse(r) {
    return { verb: 'play', items: r.media('items', true), bargeIn: r.bool('bargeIn', false), next: r.target('next')! };
  },
  waitsForInput: false,
  targets: (n) => [['next', n.next]],
  varsUsed: (n) => mediaVars('items', n.items),
};
