/**
 * queue: puts the caller into the call queue (ACD, effect `queue`, run by ../../calls/acd.ts). The
 * adapter plays music on hold and the position announcements and answers once the call left the
 * queue: answered (talked to an operator), callback (pressed 1: the request is kept), message
 * (pressed 2), noOperator (the queue cannot take the call). No watchdog: a queue wait has no bound
 * the flow could know; the caller hanging up ends it.
 */
import type { VerbDef } from './verb.js';

const STATUSES = ['answered', 'callback', 'message', 'noOperator'] as const;

export const queue: VerbDef<'queue'> = {
  name: 'queue',
  parse(r, err) {
    const priority = r.str('priority', false, 'normal')!;
    if (priority !== 'normal' && priority !== 'urgent') err(`priority: "${priority}" must be normal or urgent`);
    return {
      verb: 'queue', priority: priority === 'urgent' ? 'urgent' : 'normal',
      answered: r.target('answered')!, callback: r.target('callback')!, message: r.target('message')!, noOperator: r.target('noOperator', false),
    };
  },
  waitsForInput: false,
  targets: (n) => [['answered', n.answered], ['callback', n.callback], ['message', n.message], ['noOperator', n.noOperator]],
  varsUsed: () => [],
  enter(ops, n) {
    ops.effect('queue', { caller: ops.s.caller, priority: n.priority });
  },
  effectResult(ops, n, kind, result) {
    if (kind !== 'queue') return;
    const raw = String(result.status ?? 'noOperator');
    const status = (STATUSES as readonly string[]).includes(raw) ? raw : 'noOperator';
    ops.log('input', `queue ${raw}`);
    switch (status) {
      case 'answered': ops.outcome('transferred'); return ops.goto(n.answered);
      case 'callback': ops.outcome('callbackRequested'); return ops.goto(n.callback);
      case 'message': return ops.goto(n.message);
      default: return ops.goto(n.noOperator ?? n.message);
    }
  },
};
