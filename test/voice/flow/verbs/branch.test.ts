/** Verb branch: its edges and template variables. */
import type { FlowNode } from '../../../../src/voice/flow/types.js';
import { parseTable, stepTable, verbTable } from './table.js';

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

const HOURS = `start: a
nodes:
  a: {verb: branch, officeHours: {hours: ['08:30-17:00']}, open: o, closed: c}
  o: {verb: hangup, prompt: [open]}
  c: {verb: hangup, prompt: [closed]}
`;
const BY_VAR = `start: a
nodes:
  a: {verb: branch, var: kind, cases: {x: o}, default: c}
  o: {verb: hangup, prompt: [open]}
  c: {verb: hangup, prompt: [closed]}
`;
stepTable('branch', [
  ['office hours, Thursday 10:00 → open', HOURS, [['start', ['play open']]]],
  ['by variable: no case matches → default', BY_VAR, [['start', ['play closed']]]],
]);
stepTable('branch', [
  ['office hours, Thursday 20:00 → closed', HOURS, [['start', ['play closed']]]],
], { now: Date.parse('2026-11-26T20:00:00+08:00') });
