/** hangup: plays an optional prompt and ends the call. */
import { mediaVars, type VerbDef } from './verb.js';

export const hangup: VerbDef<'hangup'> = {
  name: 'hangup',
  waitsForInput: false,
  targets: () => [],
  varsUsed: (n) => mediaVars('prompt', n.prompt),
};
