/** Call log and funnel: outcome rules (table), rows and steps, counters that survive a restart. */
import { describe, expect, it } from 'vitest';
import { CallLog, classifyOutcome } from '../../../src/voice/calls/call-log.js';
import { Metrics } from '../../../src/http/metrics.js';
import { testContext } from '../../helpers/context.js';
import { newInstanceId } from '../../../src/store/lock.js';
import type { CallStore } from '../../../src/store/ports.js';

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

  it('a row per call with its steps; funnel counters persist and seed /metrics after a restart', async () => {
    const ctx = testContext();
    try {
      const repo = ctx.store.calls;
      const log = new CallLog(ctx, repo, 60_000);
      await log.start();
      log.started({ callId: 'c1', direction: 'inbound', flowId: 'main', caller: '13800001234', called: '96365' });
      log.answered('c1');
      log.step('c1', 'main', 'main_menu', 'enter');
      log.step('c1', 'main', 'main_menu', 'timeout', 'no key');
      log.step('c1', 'main', 'query_enter', 'enter');
      log.step('c1', 'main', 'query_enter', 'input', '123456789012');
      expect(log.activeCalls()).toEqual([expect.objectContaining({ callId: 'c1', node: 'query_enter', caller: '13800001234' })]);
      expect(log.ended('c1', { outcomes: ['status_read'], endReason: 'caller' })).toBe('status_read');
      const rec = await log.recentCalls(5);
      expect(rec[0]).toMatchObject({ callId: 'c1', path: 'main_menu>query_enter', outcome: 'status_read', state: 'ended' });
      expect((await repo.steps('c1')).map((s) => `${s.node} ${s.kind} ${s.detail ?? ''}`.trim())).toEqual([
        'main_menu enter', 'main_menu timeout no key', 'query_enter enter', 'query_enter input 123456789012',
      ]);
      await log.stop();
      // A "restart": a new registry, the counters come back from the database.
      const again = new CallLog({ ...ctx, metrics: new Metrics() }, repo);
      const metrics = (again as unknown as { ctx: { metrics: Metrics } }).ctx.metrics;
      await again.start();
      expect(metrics.render()).toContain('hotline_ivr_node_total{flow="main",node="main_menu",kind="timeout"} 1');
      await again.stop();
    } finally { ctx.cleanup(); }
  });

  it('calls left open by a crashed process are closed as lost; a live instance\'s calls are not', async () => {
    const ctx = testContext();
    try {
      const repo = ctx.store.calls;
      const a = new CallLog(ctx, repo);
      a.started({ callId: 'c9', direction: 'inbound', flowId: 'main', caller: '1', called: '96365' });
      await a.flush();
      expect((await repo.byId('c9'))?.owner).toBe(ctx.instance);
      // A call of another server that is still running (its pid is alive on this host).
      const live = new CallLog({ ...ctx, instance: `${ctx.instance.split('/')[0]}/${process.ppid}/live` }, repo);
      live.started({ callId: 'c8', direction: 'inbound', flowId: 'main', caller: '2', called: '96365' });
      await live.flush();
      // The next server instance (a restart): the crashed instance's call is lost, the live one's untouched.
      const b = new CallLog({ ...ctx, instance: newInstanceId() }, repo);
      await b.start();
      expect(await repo.byId('c9')).toMatchObject({ endReason: 'lost', outcome: 'abandoned' });
      expect(await repo.byId('c8')).toMatchObject({ endedAt: null, endReason: null });
      await b.stop();
      // A server never closes its own live calls either.
      const self = new CallLog(ctx, repo);
      a.started({ callId: 'c7', direction: 'inbound', flowId: 'main', caller: '3', called: '96365' });
      await a.flush();
      await self.start();
      expect((await repo.byId('c7'))?.endedAt).toBeNull();
      await self.stop();
      // Another host's call: on SQLite that host cannot be running on this data (the data-dir lock), so it is
      // lost; on PostgreSQL it may be a live instance sharing the database, and is left to it.
      const far = new CallLog({ ...ctx, instance: 'elsewhere/4242/x' }, repo);
      far.started({ callId: 'c6', direction: 'inbound', flowId: 'main', caller: '4', called: '96365' });
      await far.flush();
      const onPg = new CallLog({ ...ctx, instance: newInstanceId(), store: Object.create(ctx.store, { engine: { value: 'postgres' } }) }, repo);
      await onPg.start();
      expect((await repo.byId('c6'))?.endedAt).toBeNull();
      await onPg.stop();
      const onSqlite = new CallLog({ ...ctx, instance: newInstanceId() }, repo);
      await onSqlite.start();
      expect(await repo.byId('c6')).toMatchObject({ endReason: 'lost' });
      await onSqlite.stop();
    } finally { ctx.cleanup(); }
  });

  it('flushes are written one after another; a late feedback reference waits for the batch in flight and updates the ended call', async () => {
    const ctx = testContext();
    try {
      const real = ctx.store.calls;
      const order: string[] = [];
      let release!: () => void;
      const held = new Promise<void>((r) => { release = r; });
      let first = true;
      const repo: CallStore = {
        ...real,
        async write(b) {
          const tag = b.calls.map((c) => `${c.callId}:${c.endedAt ? 'ended' : 'open'}`).join(',');
          order.push(`begin ${tag}`);
          if (first) { first = false; await held; } // a slow store (PostgreSQL under load)
          await real.write(b);
          order.push(`end ${tag}`);
        },
      };
      const log = new CallLog(ctx, repo, 60_000);
      log.started({ callId: 'c1', direction: 'inbound', flowId: 'main', caller: '1', called: '96365' });
      log.ended('c1', { outcomes: [], endReason: 'caller' });
      const f1 = log.flush();
      log.started({ callId: 'c2', direction: 'inbound', flowId: 'main', caller: '2', called: '96365' });
      const f2 = log.flush();
      const ref = log.feedbackRef('c1', 'F-0001'); // the call ended and its row is in the batch being written
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      expect(order).toEqual(['begin c1:ended']);
      release();
      await Promise.all([f1, f2, ref]);
      await log.flush();
      expect(order).toEqual(['begin c1:ended', 'end c1:ended', 'begin c2:open', 'end c2:open', 'begin c1:ended', 'end c1:ended']);
      expect(await real.byId('c1')).toMatchObject({ feedbackRef: 'F-0001', outcome: 'complaint_recorded', endReason: 'caller' });
    } finally { ctx.cleanup(); }
  });
});
