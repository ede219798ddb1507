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
  enter(ops, n) {
    const params: Record<string, unknown> = { caller: ops.s.caller };
    if (n.endpoint) params.endpoint = n.endpoint;
    if (n.ringTimeoutMs) params.ringTimeoutMs = n.ringTimeoutMs;
    ops.effect('transfer', params);
  },
  effectResult(ops, n, kind, result) {
    if (kind !== 'transfer') return;
    const status = String(result.status ?? 'error');
    ops.log('input', `transfer ${status}`);
    if (status === 'answered') ops.outcome('transferred');
    ops.goto(status === 'answered' ? n.answered : n.noAnswer);
  },
};
