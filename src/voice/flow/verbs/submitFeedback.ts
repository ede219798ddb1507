/** submitFeedback: submits a recording as feedback (effect). */
import { textVars, type VerbDef } from './verb.js';

export const submitFeedback: VerbDef<'submitFeedback'> = {
  name: 'submitFeedback',
  waitsForInput: false,
  targets: (n) => [['next', n.next], ['onFailure', n.onFailure]],
  varsUsed: (n) => [...textVars('kind', n.kind), ['recording', n.recording]],
};
