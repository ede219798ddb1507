/** gather: collects digits into a variable, with validation. */
import type { FlowOps } from './verb.js';
import type { GatherNode, MediaSpec } from '../types.js';
import { classifyCode } from '../../../domain/query-code.js';
import { parseValidation } from '../field-reader.js';
import { mediaVars, type VerbDef } from './verb.js';

export const gather: VerbDef<'gather'> = {
  name: 'gather',
  parse(r, err) {
    const maxDigits = r.int('maxDigits', undefined, 1, 64) ?? 1;
    const validate = parseValidation(r, err);
    if (validate.kind === 'query-code' && maxDigits < 12) err(`maxDigits: ${maxDigits} is shorter than a query code (12 digits)`);
    const terminator = r.key('terminator', /^[#*]$/, '#', true)!;
    const clearKey = r.key('clearKey', /^[#*]$/, undefined);
    if (clearKey !== undefined && clearKey === terminator) err('clearKey: must differ from terminator');
    const minDigits = r.int('minDigits', 1, 1, 64)!;
    if (minDigits > maxDigits) err(`minDigits: ${minDigits} is more than maxDigits ${maxDigits}`);
    const invalid = r.media('invalid', false);
    const bad = r.media('badCheckDigit', false);
    return {
      verb: 'gather', prompt: r.media('prompt', true), maxDigits, minDigits, terminator, clearKey,
      firstDigitTimeoutMs: r.int('firstDigitTimeoutMs', 8000, 500, 120_000)!,
      interDigitTimeoutMs: r.int('interDigitTimeoutMs', 4000, 500, 60_000)!,
      validate, into: r.varName('into', true)!, attempts: r.int('attempts', 3, 1, 10)!,
      invalid, noInput: r.media('noInput', false), badCheckDigit: bad.length ? bad : invalid,
      next: r.target('next')!, onFailure: r.target('onFailure')!,
    };
  },
  waitsForInput: true,
  targets: (n) => [['next', n.next], ['onFailure', n.onFailure]],
  varsUsed: (n) => [
    ...mediaVars('prompt', n.prompt), ...mediaVars('invalid', n.invalid),
    ...mediaVars('noInput', n.noInput), ...mediaVars('badCheckDigit', n.badCheckDigit),
  ],
  passThrough: () => true,
  enter(ops, n) { gatherPrompt(ops, n, []); },
  dtmf(ops, n, k) {
    const ph = ops.s.phase;
    if ((ph.kind === 'prompt' || ph.kind === 'wait') && emptyEntry(ops, n, k)) {
      ops.log('input', 'empty entry ignored');
      return; // the prompt goes on, the first-digit timer keeps running
    }
    if (ph.kind !== 'prompt' && ph.kind !== 'wait' && ph.kind !== 'typing') return;
    if (ph.kind === 'prompt') ops.stopPlayback(ph.playbackId);
    else ops.cancelTimer();
    if (gatherKey(ops, n, k) === 'more') gatherAwait(ops, n);
  },
  playbackFinished(ops, n) { if (ops.s.phase.kind === 'prompt') gatherAwait(ops, n); },
  timer(ops, n) {
    const ph = ops.s.phase;
    if (ph.kind === 'wait') {
      ops.log('timeout', 'first digit');
      gatherFail(ops, n, 'noInput');
    } else if (ph.kind === 'typing') gatherFinish(ops, n, 'interDigit');
  },
};

function gatherPrompt(ops: FlowOps, node: GatherNode, prefix: readonly MediaSpec[]): void {
  const s = ops.s;
  s.digits = '';
  if (s.typeAhead) {
    const keys = s.typeAhead;
    s.typeAhead = '';
    for (const k of keys) if (gatherKey(ops, node, k) === 'done') return;
    gatherAwait(ops, node);
    return;
  }
  const pb = ops.play([...prefix, ...node.prompt]);
  if (pb) s.phase = { kind: 'prompt', playbackId: pb };
  else gatherAwait(ops, node);
}

/** Wait for the first digit, or for the next one once typing started (no overall limit). */
function gatherAwait(ops: FlowOps, node: GatherNode): void {
  if (ops.s.digits === '') ops.s.phase = { kind: 'wait', timerId: ops.timer(node.firstDigitTimeoutMs) };
  else ops.s.phase = { kind: 'typing', timerId: ops.timer(node.interDigitTimeoutMs) };
}

/** A terminator with nothing typed: an empty entry, ignored and never counted. */
function emptyEntry(ops: FlowOps, node: GatherNode, k: string): boolean {
  return !!node.terminator && k === node.terminator && ops.s.digits === '';
}

/** One key into a gather; 'done' when it moved on (finished, failed), 'more' to keep collecting. */
function gatherKey(ops: FlowOps, node: GatherNode, k: string): 'done' | 'more' {
  const s = ops.s;
  if (emptyEntry(ops, node, k)) {
    ops.log('input', 'empty entry ignored');
    return 'more';
  }
  if (node.terminator && k === node.terminator) {
    gatherFinish(ops, node, 'terminator');
    return 'done';
  }
  if (node.clearKey && k === node.clearKey) {
    s.digits = '';
    ops.log('input', 'clear');
    return 'more';
  }
  if (/^[0-9]$/.test(k)) {
    s.digits += k;
    if (s.digits.length >= node.maxDigits) {
      gatherFinish(ops, node, 'maxDigits');
      return 'done';
    }
    return 'more';
  }
  ops.log('invalid', `key ${JSON.stringify(k).slice(0, 12)}`);
  gatherFail(ops, node, 'invalid');
  return 'done';
}

function gatherFinish(ops: FlowOps, node: GatherNode, how: 'terminator' | 'maxDigits' | 'interDigit'): void {
  const s = ops.s;
  const d = s.digits;
  // A terminator right after a complete fixed-length entry belongs to it, accepted or refused.
  if (how === 'maxDigits' && node.terminator) {
    s.swallowKey = node.terminator;
    s.swallowUntil = s.now + node.interDigitTimeoutMs;
  }
  if (d.length === 0 || d.length < node.minDigits) {
    ops.log('invalid', d.length === 0 ? 'empty' : `too short (${d.length})`);
    gatherFail(ops, node, 'invalid');
    return;
  }
  if (node.validate.kind === 'query-code') {
    const c = classifyCode(d);
    if (c.kind === 'bad-check-digit') {
      ops.log('invalid', 'check digit');
      gatherFail(ops, node, 'badCheckDigit');
      return;
    }
    if (c.kind !== 'platform') {
      ops.log('invalid', `not a query code (${d.length} digits)`);
      gatherFail(ops, node, 'invalid');
      return;
    }
  } else if (node.validate.kind === 'pattern' && !new RegExp(node.validate.pattern).test(d)) {
    ops.log('invalid', 'pattern');
    gatherFail(ops, node, 'invalid');
    return;
  }
  s.vars[node.into] = d;
  ops.log('input', d);
  ops.goto(node.next);
}

function gatherFail(ops: FlowOps, node: GatherNode, why: 'invalid' | 'noInput' | 'badCheckDigit'): void {
  const s = ops.s;
  s.tries++;
  s.digits = '';
  if (s.tries >= node.attempts) {
    ops.goto(node.onFailure);
    return;
  }
  gatherPrompt(ops, node, why === 'invalid' ? node.invalid : why === 'noInput' ? node.noInput : node.badCheckDigit);
}
