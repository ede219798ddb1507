/** Verb lookup: its edges and template variables. */
import type { FlowNode } from '../../../../src/voice/flow/types.js';
import { verbTable } from './table.js';

const node = (n: object) => n as unknown as FlowNode;

verbTable('lookup', false, [
  ['four result edges; input var', node({ verb: 'lookup', input: 'code', found: 'f', notFound: 'n', limit: 'l', error: 'e' }),
    [['found', 'f'], ['notFound', 'n'], ['limit', 'l'], ['error', 'e']], [['input', 'code']]],
  ['no error edge when absent', node({ verb: 'lookup', input: 'code', found: 'f', notFound: 'n', limit: 'l' }),
    [['found', 'f'], ['notFound', 'n'], ['limit', 'l']], [['input', 'code']]],
]);
