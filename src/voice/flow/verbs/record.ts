/** record: records the caller's voice message. */
import type { FlowOps } from './verb.js';
import type { MediaSpec, RecordNode } from '../types.js';
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
  enter(ops, n) { recordPrompt(ops, n, []); },
  dtmf(ops, n, k) {
    const ph = ops.s.phase;
    // Asterisk stops on terminateOn itself; the stop is a fallback (a 404 on it is harmless).
    if (ph.kind === 'recording' && n.terminator && k === n.terminator && !ph.stopping) ops.push({ type: 'stopRecording', name: ph.name });
  },
  playbackFinished(ops, n) { if (ops.s.phase.kind === 'recordPrompt') recordStart(ops, n); },
  timer(ops, n) {
    const ph = ops.s.phase;
    if (ph.kind !== 'recording') return;
    if (!ph.stopping) {
      // Asterisk did not end the recording in time: stop it, and give it a moment to report.
      ops.log('timeout', 'recording watchdog');
      ops.push({ type: 'stopRecording', name: ph.name });
      ops.s.phase = { kind: 'recording', name: ph.name, timerId: ops.timer(5000), stopping: true };
    } else {
      ops.log('invalid', 'recording lost');
      ops.goto(n.onFailure);
    }
  },
  recordingFinished(ops, n, ev) {
    const s = ops.s;
    const ph = s.phase;
    if (ph.kind !== 'recording' || ph.name !== ev.name) return;
    ops.push({ type: 'cancelTimer', timerId: ph.timerId });
    s.phase = { kind: 'idle' };
    if (!ev.ok) {
      ops.log('invalid', 'recording failed');
      ops.goto(n.onFailure);
      return;
    }
    if (!ev.kept || ev.durationSec < n.minDurationSeconds) {
      ops.log('invalid', `too short (${ev.durationSec}s)`);
      s.tries++;
      if (s.tries >= n.attempts) ops.goto(n.noRecording);
      else recordPrompt(ops, n, n.tooShort);
      return;
    }
    s.vars.lastRecording = ev.name;
    s.vars.lastRecordingDuration = String(Math.round(ev.durationSec));
    s.unsubmitted = ops.pending(n.feedbackKind, ev.name, ev.durationSec, n.minDurationSeconds);
    ops.log('input', `recorded ${ev.durationSec}s`);
    ops.goto(n.next);
  },
  hangup(ops, n) {
    const ph = ops.s.phase;
    if (ph.kind !== 'recording' || !n.feedbackKind) return false;
    // Asterisk reports RecordingFinished after the hang-up; the file is kept. Submit it then
    // (or, if it turns out too short, the earlier message kept in `unsubmitted`).
    ops.s.awaitRecording = ops.pending(n.feedbackKind, ph.name, 0, n.minDurationSeconds);
    return true;
  },
};

function recordPrompt(ops: FlowOps, node: RecordNode, prefix: readonly MediaSpec[]): void {
  const pb = ops.play([...prefix, ...node.prompt]);
  if (pb) ops.s.phase = { kind: 'recordPrompt', playbackId: pb };
  else recordStart(ops, node);
}

function recordStart(ops: FlowOps, node: RecordNode): void {
  const name = `${node.name}-${ops.safeCallId()}-${++ops.s.seq}`;
  ops.push({
    type: 'record', name, maxDurationSeconds: node.maxDurationSeconds, maxSilenceSeconds: node.maxSilenceSeconds,
    beep: node.beep, terminateOn: node.terminator || 'none',
  });
  const timerId = ops.timer(node.maxDurationSeconds * 1000 + ops.recordMarginMs);
  ops.s.phase = { kind: 'recording', name, timerId, stopping: false };
}
