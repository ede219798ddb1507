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
  enter(ops, n) {
    const pb = ops.play(n.prompt);
    if (pb) ops.s.phase = { kind: 'goodbye', playbackId: pb };
    else ops.endCall(n.reason);
  },
  playbackFinished(ops, n) { if (ops.s.phase.kind === 'goodbye') ops.endCall(n.reason); },
};
