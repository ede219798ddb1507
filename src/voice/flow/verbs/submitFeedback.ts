/** submitFeedback: submits a recording as feedback (effect). */
import { templateVars } from '../template.js';
import { FEEDBACK_KINDS_FLOW } from '../types.js';
import { textVars, type VerbDef } from './verb.js';

export const submitFeedback: VerbDef<'submitFeedback'> = {
  name: 'submitFeedback',
  parse(r, err) {
    const kind = r.str('kind', true) ?? 'complaint';
    if (templateVars(kind).length === 0 && !(FEEDBACK_KINDS_FLOW as readonly string[]).includes(kind)) {
      err(`kind: "${kind}" is not one of ${FEEDBACK_KINDS_FLOW.join(', ')} (or a {variable})`);
    }
    return {
      verb: 'submitFeedback', kind, recording: r.varName('recording', false, 'lastRecording')!, into: r.varName('into', false, 'ref')!,
      timeoutMs: r.int('timeoutMs', 20_000, 1000, 120_000)!, next: r.target('next')!, onFailure: r.target('onFailure')!,
    };
  },
  waitsForInput: false,
  targets: (n) => [['next', n.next], ['onFailure', n.onFailure]],
  varsUsed: (n) => [...textVars('kind', n.kind), ['recording', n.recording]],
};
