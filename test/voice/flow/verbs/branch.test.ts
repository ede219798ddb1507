/** Verb branch: its edges and template variables. */
import type { FlowNode } from '../../../../src/voice/flow/types.js';
import { parseTable, verbTable } from './table.js';

const node = (n: object) => n as unknown as FlowNode;

verbTable('branch', false, [
  ['office hours: open and closed', node({ verb: 'branch', open: 'o', closed: 'c' }), [['open', 'o'], ['closed', 'c']], []],
  ['by variable: cases then default; var used', node({ verb: 'branch', var: 'v', cases: { 1: 'a', x: 'b' }, default: 'd' }),
    [['cases.1', 'a'], ['cases.x', 'b'], ['default', 'd']], [['var', 'v']]],
]);

parseTable('branch', [
  ['neither officeHours nor var', '{verb: branch, default: end}',
    ['a branch needs exactly one of officeHours (with open/closed) or var (with cases/default)']],
]);
