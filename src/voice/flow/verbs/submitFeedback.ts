/** submitFeedback: submits a recording as feedback (effect). */
import { fill, templateVars } from '../template.js';
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
  enter(ops, n) {
    const s = ops.s;
    const kind = fill(n.kind, s.vars).trim();
    const recording = s.vars[n.recording] ?? '';
    if (!(FEEDBACK_KINDS_FLOW as readonly string[]).includes(kind) || !recording) {
      ops.log('invalid', !recording ? 'no recording to submit' : `bad feedback kind "${kind}"`);
      ops.goto(n.onFailure);
      return;
    }
    const dur = s.unsubmitted?.name === recording ? s.unsubmitted.durationSec : Number(s.vars.lastRecordingDuration ?? 0) || 0;
    ops.effect('submitFeedback', ops.feedbackParams(kind, recording, dur, false), n.timeoutMs);
  },
  effectResult(ops, n, kind, result) {
    if (kind !== 'submitFeedback') return;
    const s = ops.s;
    const status = String(result.status ?? 'error');
    if (status === 'ok' && result.ref) {
      s.vars[n.into] = String(result.ref);
      s.unsubmitted = null;
      ops.outcome('feedback_submitted');
      ops.log('input', `submitted ${result.ref}`);
      ops.goto(n.next);
    } else {
      ops.log('invalid', `submit ${status}`);
      ops.goto(n.onFailure);
    }
  },
};
