/** Verb subscribe: its edges and template variables. */
import type { FlowNode } from '../../../../src/voice/flow/types.js';
import { verbTable } from './table.js';

const node = (n: object) => n as unknown as FlowNode;

verbTable('subscribe', false, [
  ['ok and fail; input var', node({ verb: 'subscribe', input: 'code', ok: 'o', fail: 'x' }), [['ok', 'o'], ['fail', 'x']], [['input', 'code']]],
]);
