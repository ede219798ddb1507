/** hangup: plays an optional prompt and ends the call. */
import { mediaVars, type VerbDef } from './verb.js';

export const hangup: VerbDef<'hangup'> = {
  name: 'hangup',
  parse(r) {
    return { verb: 'hangup', prompt: r.media('prompt', false), reason: r.str('reason', false, 'normal')! };
  },
  waitsForInput: false,
  targets: () => [],
  varsUsed: (n) => mediaVars('prompt', n.prompt),
};
