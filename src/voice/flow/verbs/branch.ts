/** branch: routes by office hours or by a variable's value. */
import { isOfficeOpen } from '../office-hours.js';
import { NODE_ID, parseOfficeHours } from '../field-reader.js';
import type { BranchNode } from '../types.js';
import type { VerbDef } from './verb.js';

export const branch: VerbDef<'branch'> = {
  name: 'branch',
  parse(r, err) {
    let node: BranchNode;
    const hasOh = r.has('officeHours'), hasVar = r.has('var');
    if (hasOh === hasVar) {
      err('a branch needs exactly one of officeHours (with open/closed) or var (with cases/default)');
      // Keep whatever targets are there (no cascade of follow-up errors).
      r.rawValue('officeHours'); r.rawValue('var'); r.rawValue('cases');
      node = { verb: 'branch', open: r.target('open', false), closed: r.target('closed', false), default: r.target('default', false) };
    } else if (hasOh) {
      node = { verb: 'branch', officeHours: parseOfficeHours(r.rawValue('officeHours'), err), open: r.target('open'), closed: r.target('closed') };
    } else {
      node = { verb: 'branch', var: r.varName('var', true), cases: r.map('cases', false) ?? {}, default: r.target('default') };
      for (const [k, v] of Object.entries(node.cases!)) if (!NODE_ID.test(v)) err(`cases.${k}: "${v}" is not a node id`);
    }
    return node;
  },
  waitsForInput: false,
  targets: (n) => [
    ['open', n.open], ['closed', n.closed],
    ...Object.entries(n.cases ?? {}).map(([k, v]): [string, string] => [`cases.${k}`, v]),
    ['default', n.default],
  ],
  varsUsed: (n) => (n.var ? [['var', n.var]] : []),
  passThrough: () => true,
  enter(ops, n) {
    const s = ops.s;
    if (n.officeHours) {
      const open = isOfficeOpen(n.officeHours, new Date(s.now), ops.timeZone, ops.isWorkingDay);
      ops.log('input', open ? 'open' : 'closed');
      ops.goto(open ? n.open! : n.closed!);
    } else {
      const value = s.vars[n.var!] ?? '';
      const target = n.cases?.[value] ?? n.default!;
      ops.log('input', `${n.var}=${value}`);
      ops.goto(target);
    }
  },
};
