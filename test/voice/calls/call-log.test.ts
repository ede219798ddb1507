/** Call log and funnel: outcome rules (table), rows and steps, counters that survive a restart. */
import { describe, expect, it } from 'vitest';
import { CallLog, classifyOutcome } from '../../../src/voice/calls/call-log.js';
import { SqliteCallRepo } from '../../../src/store/repos/calls.js';
import { Metrics } from '../../../src/http/metrics.js';
import { testContext } from '../../helpers/context.js';
import { newInstanceId } from '../../../src/store/lock.js';

const OUTCOMES: Array<[string, string[], string | null, boolean, string]> = [
  ['transfer wins', ['status_read', 'transferred'], 'normal', false, 'transferred'],
  ['a message left', ['feedback_submitted'], 'caller', false, 'complaint_recorded'],
  ['call-back with a satisfaction key', [], 'normal', true, 'callback_answered'],
  ['subscribed after reading the status', ['status_read', 'subscribed'], 'caller', false, 'subscribed'],
  ['status read, then hung up', ['status_read'], 'caller', false, 'status_read'],
  ['hung up in the menu', [], 'caller', false, 'abandoned'],
  ['lost (process restarted)', [], 'lost', false, 'abandoned'],
  ['flow error', [], 'flow-error', false, 'failed'],
  ['goodbye after retries', [], 'normal', false, 'completed'],
];

describe('call log', () => {
  for (const [label, outcomes, end, sat, expected] of OUTCOMES) {
    it(`outcome: ${label}`, () => expect(classifyOutcome(outcomes, end, { satisfaction: sat })).toBe(expected));
  }

  it('a row per call with its steps; funnel counters persist and seed /metrics after a restart', () => {
    const ctx = testContext();
    try {
      const repo = new SqliteCallRepo(ctx.store.db);
      const log = new CallLog(ctx, repo, 60_000);
      log.start();
      log.started({ callId: 'c1', direction: 'inbound', flowId: 'main', caller: '13800001234', called: '96365' });
      log.answered('c1');
      log.step('c1', 'main', 'main_menu', 'enter');
      log.step('c1', 'main', 'main_menu', 'timeout', 'no key');
      log.step('c1', 'main', 'query_enter', 'enter');
      log.step('c1', 'main', 'query_enter', 'input', '123456789012');
      expect(log.activeCalls()).toEqual([expect.objectContaining({ callId: 'c1', node: 'query_enter', caller: '13800001234' })]);
      expect(log.ended('c1', { outcomes: ['status_read'], endReason: 'caller' })).toBe('status_read');
      const rec = log.recentCalls(5);
      expect(rec[0]).toMatchObject({ callId: 'c1', path: 'main_menu>query_enter', outcome: 'status_read', state: 'ended' });
      expect(repo.steps('c1').map((s) => `${s.node} ${s.kind} ${s.detail ?? ''}`.trim())).toEqual([
        'main_menu enter', 'main_menu timeout no key', 'query_enter enter', 'query_enter input 123456789012',
      ]);
      log.stop();
      // A "restart": a new registry, the counters come back from the database.
      const again = new CallLog({ ...ctx, metrics: new Metrics() }, repo);
      const metrics = (again as unknown as { ctx: { metrics: Metrics } }).ctx.metrics;
      again.start();
      expect(metrics.render()).toContain('hotline_ivr_node_total{flow="main",node="main_menu",kind="timeout"} 1');
      again.stop();
    } finally { ctx.cleanup(); }
  });

  it('calls left open by a crashed process are closed as lost; a live instance\'s calls are not', () => {
    const ctx = testContext();
    try {
      const repo = new SqliteCallRepo(ctx.store.db);
      const a = new CallLog(ctx, repo);
      a.started({ callId: 'c9', direction: 'inbound', flowId: 'main', caller: '1', called: '96365' });
      a.flush();
      expect(repo.byId('c9')?.owner).toBe(ctx.instance);
      // A call of another server that is still running (its pid is alive on this host).
      const live = new CallLog({ ...ctx, instance: `${ctx.instance.split('/')[0]}/${process.ppid}/live` }, repo);
      live.started({ callId: 'c8', direction: 'inbound', flowId: 'main', caller: '2', called: '96365' });
      live.flush();
      // The next server instance (a restart): the crashed instance's call is lost, the live one's untouched.
      const b = new CallLog({ ...ctx, instance: newInstanceId() }, repo);
      b.start();
      expect(repo.byId('c9')).toMatchObject({ endReason: 'lost', outcome: 'abandoned' });
      expect(repo.byId('c8')).toMatchObject({ endedAt: null, endReason: null });
      b.stop();
      // A server never closes its own live calls either.
      const self = new CallLog(ctx, repo);
      a.started({ callId: 'c7', direction: 'inbound', flowId: 'main', caller: '3', called: '96365' });
      a.flush();
      self.start();
      expect(repo.byId('c7')?.endedAt).toBeNull();
      self.stop();
    } finally { ctx.cleanup(); }
  });
});
