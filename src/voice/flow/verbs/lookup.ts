/** lookup: looks an input variable up (effect), routes by result. */
import type { VerbDef } from './verb.js';

export const lookup: VerbDef<'lookup'> = {
  name: 'lookup',
  waitsForInput: false,
  targets: (n) => [['found', n.found], ['notFound', n.notFound], ['limit', n.limit], ['error', n.error]],
  varsUsed: (n) => [['input', n.input]],
};
