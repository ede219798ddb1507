/** transfer: transfers the call to a person (effect). */
import type { VerbDef } from './verb.js';

export const transfer: VerbDef<'transfer'> = {
  name: 'transfer',
  parse(r) {
    const ring = r.has('ringTimeoutMs') ? r.int('ringTimeoutMs', undefined, 1000, 300_000) : undefined;
    return { verb: 'transfer', endpoint: r.str('endpoint', false), ringTimeoutMs: ring, answered: r.target('answered')!, noAnswer: r.target('noAnswer')! };
  },
  waitsForInput: false,
  targets: (n) => [['answered', n.answered], ['noAnswer', n.noAnswer]],
  varsUsed: () => [],
};
