/** subscribe: subscribes the caller to an input (effect). */
import type { VerbDef } from './verb.js';

export const subscribe: VerbDef<'subscribe'> = {
  name: 'subscribe',
  parse(r) {
    return {
      verb: 'subscribe', input: r.varName('input', true)!, timeoutMs: r.int('timeoutMs', 15_000, 1000, 120_000)!,
      ok: r.target('ok')!, fail: r.target('fail')!,
    };
  },
  waitsForInput: false,
  targets: (n) => [['ok', n.ok], ['fail', n.fail]],
  varsUsed: (n) => [['input', n.input]],
  enter(ops, n) {
    const code = ops.s.vars[n.input] ?? '';
    if (!code) { ops.log('invalid', 'nothing to subscribe'); ops.goto(n.fail); return; }
    ops.effect('subscribe', { code, caller: ops.s.caller }, n.timeoutMs);
  },
  effectResult(ops, n, kind, result) {
    if (kind !== 'subscribe') return;
    const status = String(result.status ?? 'error');
    ops.log(status === 'ok' ? 'input' : 'invalid', `subscribe ${status}`);
    if (status === 'ok') ops.outcome('subscribed');
    ops.goto(status === 'ok' ? n.ok : n.fail);
  },
};
