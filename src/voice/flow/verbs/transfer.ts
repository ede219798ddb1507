/** transfer: transfers the call to a person (effect). */
import type { VerbDef } from './verb.js';

export const transfer: VerbDef<'transfer'> = {
  name: 'transfer',
  waitsForInput: false,
  targets: (n) => [['answered', n.answered], ['noAnswer', n.noAnswer]],
  varsUsed: () => [],
};
