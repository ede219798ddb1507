/** goto: jumps to another node. */
import type { VerbDef } from './verb.js';

export const goto: VerbDef<'goto'> = {
  name: 'goto',
  parse(r) {
    return { verb: 'goto', target: r.target('target')! };
  },
  waitsForInput: false,
  targets: (n) => [['target', n.target]],
  varsUsed: () => [],
  passThrough: () => true,
  enter(ops, n) { ops.goto(n.target); },
};
