/** set: sets variables from templates, then goes to next. */
import { fill, VAR_NAME } from '../template.js';
import { textVars, type VerbDef } from './verb.js';

export const set: VerbDef<'set'> = {
  name: 'set',
  parse(r, err) {
    const vars = r.map('vars', true) ?? {};
    for (const k of Object.keys(vars)) if (!VAR_NAME.test(k)) err(`vars: "${k}" is not a variable name`);
    return { verb: 'set', vars, next: r.target('next')! };
  },
  waitsForInput: false,
  targets: (n) => [['next', n.next]],
  varsUsed: (n) => Object.values(n.vars).flatMap((t) => textVars('vars', t)),
  passThrough: () => true,
  enter(ops, n) {
    for (const [k, v] of Object.entries(n.vars)) ops.s.vars[k] = fill(v, ops.s.vars);
    ops.goto(n.next);
  },
};
