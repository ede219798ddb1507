/** record: records the caller's voice message. */
import { templateVars } from '../template.js';
import { FEEDBACK_KINDS_FLOW } from '../types.js';
import { mediaVars, textVars, type VerbDef } from './verb.js';

export const record: VerbDef<'record'> = {
  name: 'record',
  parse(r, err) {
    const name = r.str('name', false, 'msg')!;
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(name)) err(`name: "${name}" must be 1-32 letters, digits, _ or -`);
    const feedbackKind = r.str('feedbackKind', false);
    if (feedbackKind !== undefined && templateVars(feedbackKind).length === 0 && !(FEEDBACK_KINDS_FLOW as readonly string[]).includes(feedbackKind)) {
      err(`feedbackKind: "${feedbackKind}" is not one of ${FEEDBACK_KINDS_FLOW.join(', ')}`);
    }
    return {
      verb: 'record', prompt: r.media('prompt', false), name, beep: r.bool('beep', true),
      maxDurationSeconds: r.int('maxDurationSeconds', 180, 1, 3600)!, maxSilenceSeconds: r.int('maxSilenceSeconds', 5, 0, 120)!,
      terminator: r.key('terminator', /^[#*]$/, '#', true)!, minDurationSeconds: r.int('minDurationSeconds', 1, 0, 60)!,
      attempts: r.int('attempts', 2, 1, 10)!, tooShort: r.media('tooShort', false), feedbackKind,
      next: r.target('next')!, noRecording: r.target('noRecording')!, onFailure: r.target('onFailure')!,
    };
  },
  waitsForInput: true,
  targets: (n) => [['next', n.next], ['noRecording', n.noRecording], ['onFailure', n.onFailure]],
  varsUsed: (n) => [...mediaVars('prompt', n.prompt), ...mediaVars('tooShort', n.tooShort), ...textVars('feedbackKind', n.feedbackKind)],
};
