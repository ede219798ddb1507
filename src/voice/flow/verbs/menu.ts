/** menu: plays a prompt and routes by DTMF key. */
import type { FlowOps } from './verb.js';
import type { MediaSpec, MenuNode } from '../types.js';
import { DTMF_KEY } from '../field-reader.js';
import { mediaVars, type VerbDef } from './verb.js';

export const menu: VerbDef<'menu'> = {
  name: 'menu',
  parse(r, err) {
    const options = r.map('options', true) ?? {};
    if (Object.keys(options).length === 0) err('options: at least one key is needed');
    for (const k of Object.keys(options)) if (!DTMF_KEY.test(k)) err(`options: "${k}" is not a DTMF key (0-9 * # A-D)`);
    const repeat = r.key('repeat', DTMF_KEY, undefined);
    if (repeat !== undefined && repeat in options) err(`repeat: key "${repeat}" is also an option`);
    return {
      verb: 'menu', prompt: r.media('prompt', true), options,
      timeoutMs: r.int('timeoutMs', 5000, 500, 120_000)!, maxRetries: r.int('maxRetries', 2, 0, 10)!,
      invalid: r.media('invalid', false), noInput: r.media('noInput', false), repeat, onFailure: r.target('onFailure')!,
    };
  },
  waitsForInput: true,
  targets: (n) => [...Object.entries(n.options).map(([k, v]): [string, string] => [`options.${k}`, v]), ['onFailure', n.onFailure]],
  varsUsed: (n) => [...mediaVars('prompt', n.prompt), ...mediaVars('invalid', n.invalid), ...mediaVars('noInput', n.noInput)],
  passThrough: () => true,
  enter(ops, n) { menuPrompt(ops, n, []); },
  dtmf(ops, n, k) {
    const ph = ops.s.phase;
    if (ph.kind !== 'prompt' && ph.kind !== 'wait' && ph.kind !== 'typing') return;
    if (ph.kind === 'prompt') ops.stopPlayback(ph.playbackId);
    else ops.cancelTimer();
    menuKey(ops, n, k);
  },
  playbackFinished(ops, n) { if (ops.s.phase.kind === 'prompt') menuWait(ops, n); },
  timer(ops, n) {
    if (ops.s.phase.kind !== 'wait') return;
    ops.log('timeout', 'no key');
    menuFail(ops, n, 'noInput');
  },
};

function menuPrompt(ops: FlowOps, node: MenuNode, prefix: readonly MediaSpec[]): void {
  if (ops.s.typeAhead) {
    const k = ops.s.typeAhead[0];
    ops.s.typeAhead = '';
    menuKey(ops, node, k);
    return;
  }
  const pb = ops.play([...prefix, ...node.prompt]);
  if (pb) ops.s.phase = { kind: 'prompt', playbackId: pb };
  else menuWait(ops, node);
}

function menuWait(ops: FlowOps, node: MenuNode): void {
  ops.s.phase = { kind: 'wait', timerId: ops.timer(node.timeoutMs) 
};
}

function menuKey(ops: FlowOps, node: MenuNode, k: string): void {
  const target = Object.prototype.hasOwnProperty.call(node.options, k) ? node.options[k] : undefined;
  if (target !== undefined) {
    ops.log('input', k);
    ops.goto(target);
  } else if (node.repeat !== undefined && k === node.repeat) {
    ops.log('input', `${k} repeat`);
    menuPrompt(ops, node, []);
  } else {
    ops.log('invalid', `key ${JSON.stringify(k).slice(0, 12)}`);
    menuFail(ops, node, 'invalid');
  }
}

function menuFail(ops: FlowOps, node: MenuNode, why: 'invalid' | 'noInput'): void {
  ops.s.tries++;
  if (ops.s.tries > node.maxRetries) ops.goto(node.onFailure);
  else menuPrompt(ops, node, why === 'invalid' ? node.invalid : node.noInput);
}
