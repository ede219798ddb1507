/** gather: collects digits into a variable, with validation. */
import { mediaVars, type VerbDef } from './verb.js';

export const gather: VerbDef<'gather'> = {
  name: 'gather',
  waitsForInput: true,
  targets: (n) => [['next', n.next], ['onFailure', n.onFailure]],
  varsUsed: (n) => [
    ...mediaVars('prompt', n.prompt), ...mediaVars('invalid', n.invalid),
    ...mediaVars('noInput', n.noInput), ...mediaVars('badCheckDigit', n.badCheckDigit),
  ],
};
