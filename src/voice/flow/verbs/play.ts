/** play: plays media items, then goes to next. */
import { mediaVars, type VerbDef } from './verb.js';

export const play: VerbDef<'play'> = {
  name: 'play',
  parse(r) {
    return { verb: 'play', items: r.media('items', true), bargeIn: r.bool('bargeIn', false), next: r.target('next')! };
  },
  waitsForInput: false,
  targets: (n) => [['next', n.next]],
  varsUsed: (n) => mediaVars('items', n.items),
  passThrough: (n) => n.bargeIn,
  enter(ops, n) {
    // A barge-in play is skipped while the caller types ahead (keys pressed during the status
    // read-back reach the menu after it).
    if (n.bargeIn && ops.s.typeAhead) { ops.goto(n.next); return; }
    const pb = ops.play(n.items);
    if (pb) ops.s.phase = { kind: 'play', playbackId: pb };
    else ops.goto(n.next);
  },
  dtmf(ops, n, k) {
    const ph = ops.s.phase;
    if (ph.kind !== 'play' || !n.bargeIn) return;
    ops.stopPlayback(ph.playbackId);
    ops.s.typeAhead += k;
    ops.log('input', `${k} barge-in`);
    ops.goto(n.next);
  },
  playbackFinished(ops, n) { if (ops.s.phase.kind === 'play') ops.goto(n.next); },
};
