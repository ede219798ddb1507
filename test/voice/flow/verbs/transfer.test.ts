/** Verb transfer: its edges and template variables. */
import type { FlowNode } from '../../../../src/voice/flow/types.js';
import { verbTable } from './table.js';

const node = (n: object) => n as unknown as FlowNode;

verbTable('transfer', false, [
  ['answered and noAnswer edges', node({ verb: 'transfer', answered: 'done', noAnswer: 'busy' }), [['answered', 'done'], ['noAnswer', 'busy']], []],
]);
