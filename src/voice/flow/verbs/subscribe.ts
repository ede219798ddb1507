/** subscribe: subscribes the caller to an input (effect). */
import type { VerbDef } from './verb.js';

export const subscribe: VerbDef<'subscribe'> = {
  name: 'subscribe',
  waitsForInput: false,
  targets: (n) => [['ok', n.ok], ['fail', n.fail]],
  varsUsed: (n) => [['input', n.input]],
};
