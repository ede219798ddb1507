/** record: records the caller's voice message. */
import { mediaVars, textVars, type VerbDef } from './verb.js';

export const record: VerbDef<'record'> = {
  name: 'record',
  waitsForInput: true,
  targets: (n) => [['next', n.next], ['noRecording', n.noRecording], ['onFailure', n.onFailure]],
  varsUsed: (n) => [...mediaVars('prompt', n.prompt), ...mediaVars('tooShort', n.tooShort), ...textVars('feedbackKind', n.feedbackKind)],
};
