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
};
