/** set: sets variables from templates, then goes to next. */
import { textVars, type VerbDef } from './verb.js';

export const set: VerbDef<'set'> = {
  name: 'set',
  waitsForInput: false,
  targets: (n) => [['next', n.next]],
  varsUsed: (n) => Object.values(n.vars).flatMap((t) => textVars('vars', t)),
};
