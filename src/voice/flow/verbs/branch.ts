/** branch: routes by office hours or by a variable's value. */
import type { VerbDef } from './verb.js';

export const branch: VerbDef<'branch'> = {
  name: 'branch',
  waitsForInput: false,
  targets: (n) => [
    ['open', n.open], ['closed', n.closed],
    ...Object.entries(n.cases ?? {}).map(([k, v]): [string, string] => [`cases.${k}`, v]),
    ['default', n.default],
  ],
  varsUsed: (n) => (n.var ? [['var', n.var]] : []),
};
