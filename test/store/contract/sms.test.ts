/** Store contract, SMS: outbox queue/claim/resp/receipts, inbound messages and MO parts — on SQLite and PostgreSQL. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRIORITY, type Reason } from '../../../src/sms/outbox/state.js';
import type { NewMoPart, NewOutbox } from '../../../src/store/repos/sms.js';
import { EventEmitter } from 'node:events';
import { Dispatcher } from '../../../src/sms/outbox/dispatcher.js';
import { silentLogger } from '../../../src/log.js';
import { ENGINES, type Engine } from './engines.js';

const T0 = '2026-01-05T01:00:00.000Z';
const at = (s: number) => new Date(Date.parse(T0) + s * 1000).toISOString();

let n = 0;
function mt(phone: string, reason: Reason, over: Partial<NewOutbox> = {}): NewOutbox {
  return {
    phone, text: `消息${++n}`, reason, priority: PRIORITY[reason], status: 'queued', template: null, dedupeKey: null, encoding: 'ucs2',
    dataCoding: 8, segments: 1, nextAttemptAt: T0, expiresAt: null, ...over,
  };
}

describe.each(ENGINES)('store contract on $name: sms', ({ open, skip }) => {
  describe.skipIf(skip)('repository', () => {
    let e: Engine;
    beforeAll(async () => { e = await open(); });
    afterAll(async () => { await e?.close(); });
    const clear = async () => {
      await e.sql(`UPDATE sms_outbox SET status = 'cancelled' WHERE status IN ('queued', 'held', 'submitting', 'submitted')`);
      await e.sql(`UPDATE sms_segments SET status = 'failed' WHERE status IN ('pending', 'submitting')`);
    };

    it('enqueue: segments created, dedupe key makes it idempotent', async () => {
      const a = await e.sms.enqueue(mt('13800000001', 'push', { dedupeKey: 'push:1:approved', segments: 3 }), T0);
      expect(a.created).toBe(true);
      expect(await e.sms.enqueue(mt('13800000001', 'push', { dedupeKey: 'push:1:approved', segments: 3 }), at(1))).toEqual({ id: a.id, created: false });
      expect((await e.sms.segments(a.id)).map((s) => [s.seq, s.status, s.submits])).toEqual([[1, 'pending', 0], [2, 'pending', 0], [3, 'pending', 0]]);
      expect(await e.sms.byId(a.id)).toMatchObject({ phone: '13800000001', reason: 'push', priority: 5, status: 'queued', dedupeKey: 'push:1:approved', segments: 3, attempts: 0, feedbackId: null, createdAt: T0 });
      expect(await e.sms.queuedCount()).toBe(1);
      expect(await e.sms.countsByStatus()).toEqual({ queued: 1 });
      await clear();
    });

    it('enqueueMany: the same rows as enqueue one by one (segments, fair rounds, dedupe keys), in one call', async () => {
      const before = await e.sms.enqueue(mt('13800000091', 'push', { dedupeKey: 'many:old' }), T0);
      const r = await e.sms.enqueueMany([
        mt('13800000091', 'push', { dedupeKey: 'many:a' }),
        mt('13800000092', 'push', { dedupeKey: 'many:old' }), // used before: the existing id
        mt('13800000093', 'push', { segments: 2, refBits: 16 }),
        mt('13800000091', 'push', { dedupeKey: 'many:b', status: 'held', nextAttemptAt: at(600) }),
        mt('13800000094', 'push', { dedupeKey: 'many:a' }), // twice in the batch: the first's id
      ], at(1));
      expect(r.map((x) => x.created)).toEqual([true, false, true, true, false]);
      expect(r[1].id).toBe(before.id);
      expect(r[4].id).toBe(r[0].id);
      expect(new Set(r.map((x) => x.id)).size).toBe(4);
      expect(r[0].id).toBeGreaterThan(before.id);
      expect((await e.sms.segments(r[2].id)).map((s) => [s.seq, s.status])).toEqual([[1, 'pending'], [2, 'pending']]);
      expect(await e.sms.byId(r[3].id)).toMatchObject({ phone: '13800000091', status: 'held', dedupeKey: 'many:b', createdAt: at(1) });
      // fair rounds: the recipient's 2nd and 3rd waiting messages go one round later each
      const rounds = await e.sql('SELECT id, fair_round FROM sms_outbox WHERE id IN (?, ?, ?, ?) ORDER BY id', [before.id, r[0].id, r[2].id, r[3].id]);
      const round = new Map(rounds.map((x) => [Number(x.id), Number(x.fair_round)]));
      expect(round.get(r[0].id)).toBe(round.get(before.id)! + 1);
      expect(round.get(r[3].id)).toBe(round.get(before.id)! + 2);
      expect(round.get(r[2].id)).toBe(round.get(before.id));
      expect(await e.sms.enqueueMany([], at(1))).toEqual([]);
      await clear();
    });

    it('claim: queue order, not before due, per-recipient order below push priority, busy phones skipped', async () => {
      const reply1 = await e.sms.enqueue(mt('13800000002', 'reply', { segments: 2 }), T0);
      const survey = await e.sms.enqueue(mt('13800000002', 'survey'), T0);
      const push = await e.sms.enqueue(mt('13800000003', 'push'), T0);
      const later = await e.sms.enqueue(mt('13800000004', 'reply', { nextAttemptAt: at(60) }), T0);
      const busyOne = await e.sms.enqueue(mt('13800000005', 'manual'), T0);
      const c = await e.sms.claimDue(at(1), 10, new Set(['13800000005']));
      // the survey waits for the reply to the same phone; the later one is not due; the busy phone is skipped
      expect(c.map((x) => x.msg.id)).toEqual([reply1.id, push.id]);
      expect(c[0].msg).toMatchObject({ id: reply1.id, phone: '13800000002', status: 'submitting', attempts: 1, refNum: expect.any(Number), segments: 2, expiresAt: null, priority: 0 });
      expect(c[0].segments.map((s) => s.seq)).toEqual([1, 2]);
      expect(await e.sms.byId(reply1.id)).toMatchObject({ status: 'submitting', attempts: 1 });
      expect((await e.sms.segments(reply1.id)).map((s) => [s.status, s.submits])).toEqual([['submitting', 1], ['submitting', 1]]);
      // nothing more while the reply is in flight (without busy: the order rule alone holds the survey)
      expect((await e.sms.claimDue(at(1), 10)).map((x) => x.msg.id)).toEqual([busyOne.id]);
      // unclaim: back to queued, attempt not counted
      await e.sms.unclaim(reply1.id, at(2));
      expect(await e.sms.byId(reply1.id)).toMatchObject({ status: 'queued', attempts: 0 });
      expect((await e.sms.segments(reply1.id)).map((s) => [s.status, s.submits])).toEqual([['pending', 0], ['pending', 0]]);
      // limit, and later due
      expect((await e.sms.claimDue(at(2), 1)).map((x) => x.msg.id)).toEqual([reply1.id]);
      expect((await e.sms.claimDue(at(61), 10)).map((x) => x.msg.id)).toEqual([later.id]);
      void survey;
      await clear();
    });

    it('submit responses, settle from segments, receipts matched by message id, unmatched receipts kept and taken', async () => {
      const m = await e.sms.enqueue(mt('13800000006', 'answer', { segments: 2 }), T0);
      const [{ segments: [s1, s2] }] = await e.sms.claimDue(at(1), 10);
      await e.sms.segmentSubmitted(s1.id, 'abc1', 'ABC1', at(2));
      expect(await e.sms.settleFromSegments(m.id, at(2))).toBe('submitting');
      await e.sms.segmentSubmitted(s2.id, 'abc2', 'ABC2', at(3));
      expect(await e.sms.settleFromSegments(m.id, at(3))).toBe('submitted');
      expect(await e.sms.byId(m.id)).toMatchObject({ status: 'submitted', submittedAt: at(3), doneAt: null });
      expect(await e.sms.segmentRefByMessageId('abc2')).toEqual({ id: s2.id, outboxId: m.id });
      expect(await e.sms.segmentByMessageId('abc1')).toMatchObject({ id: s1.id, status: 'submitted', messageId: 'abc1', messageIdRaw: 'ABC1', submits: 1 });
      expect(await e.sms.segmentByMessageId('zzz')).toBeUndefined();
      await e.sms.segmentReceipt(s1.id, 'delivered', null, at(4));
      expect(await e.sms.settleFromSegments(m.id, at(4))).toBe('submitted');
      await e.sms.segmentReceipt(s2.id, 'delivered', 0, at(5));
      expect(await e.sms.settleFromSegments(m.id, at(5))).toBe('delivered');
      expect(await e.sms.byId(m.id)).toMatchObject({ status: 'delivered', doneAt: at(5) });
      // a receipt before its submit_sm_resp was stored
      expect(await e.sms.mayHaveUnmatchedReceipt('early')).toBe(false);
      await e.sms.keepUnmatchedReceipt('early', 'DELIVRD', null, 'id:early stat:DELIVRD', at(6));
      await e.sms.keepUnmatchedReceipt('early', 'UNDELIV', 12, null, at(7));
      expect(await e.sms.mayHaveUnmatchedReceipt('early')).toBe(true);
      expect(await e.sms.takeUnmatchedReceipts('early')).toEqual([{ state: 'DELIVRD', errorCode: null }, { state: 'UNDELIV', errorCode: 12 }]);
      expect(await e.sms.takeUnmatchedReceipts('early')).toEqual([]);
      expect(await e.sms.mayHaveUnmatchedReceipt('early')).toBe(false);
      await e.sms.keepUnmatchedReceipt('old', 'DELIVRD', null, null, at(1));
      expect(await e.sms.purgeUnmatchedReceipts(at(2))).toBe(1);
    });

    it('receipts kept while the answer was committed elsewhere (two instances) are matched by the dispatcher\'s sweep, once', async () => {
      const m = await e.sms.enqueue(mt('13800000026', 'answer', { segments: 2 }), T0);
      const [{ segments: [s1, s2] }] = await e.sms.claimDue(at(1), 10);
      const now = new Date(Date.now());
      const iso = now.toISOString();
      // Instance A keeps the receipts (no segment had the ids yet); instance B stores its answers without
      // seeing them (its transaction crossed A's): the plain segmentSubmitted path, as B's check missed them.
      await e.sms.keepUnmatchedReceipt('d00d1', 'delivered', null, null, iso);
      await e.sms.keepUnmatchedReceipt(String(0xd00d2), 'delivered', 0, null, iso); // the decimal form of s2's hex id
      await e.sms.keepUnmatchedReceipt('stray', 'delivered', null, null, iso); // no such segment: stays kept
      await e.sms.keepUnmatchedReceipt('d00d1', 'delivered', null, null, new Date(now.getTime() - 3600_000).toISOString()); // too old for the sweep
      await e.sms.segmentSubmitted(s1.id, 'd00d1', 'D00D1', at(2));
      await e.sms.segmentSubmitted(s2.id, 'd00d2', 'D00D2', at(2));
      expect(await e.sms.settleFromSegments(m.id, at(2))).toBe('submitted');
      const recent = await e.transaction(() => e.sms.recentUnmatchedReceipts(new Date(now.getTime() - 600_000).toISOString(), 10));
      expect(recent.map((r) => r.messageId)).toEqual(['d00d1', String(0xd00d2), 'stray']);
      const settled: Array<[number, string]> = [];
      const d = new Dispatcher({ sms: e.sms, transaction: e.transaction, afterCommit: e.afterCommit, isOpen: true } as never, new EventEmitter() as never,
        { sourceAddr: '96365', window: 1, tps: 0, maxSegments: 6, maxAttempts: 8, log: silentLogger, now: () => now, onStatus: (id, st) => settled.push([id, st]) });
      expect(await d.rematchKeptReceipts()).toBe(2);
      expect(await e.sms.byId(m.id)).toMatchObject({ status: 'delivered' });
      expect(settled).toEqual([[m.id, 'submitted'], [m.id, 'delivered']]);
      expect(await d.rematchKeptReceipts()).toBe(0);
      expect((await e.sql('SELECT message_id FROM sms_receipts_unmatched ORDER BY id')).map((r: { message_id: string }) => r.message_id)).toEqual(['stray', 'd00d1']);
      await e.sql('DELETE FROM sms_receipts_unmatched');
    });

    it('claimInbound: an MO is processed once, also when two instances pick it up at the same moment', async () => {
      const id = await e.sms.insertInbound('8613900000077', '96365', '查询 963650000010', 1, true, null, T0);
      if (e.name === 'postgres') {
        // Instance A's processing transaction holds the row; B's claim passes it over instead of waiting.
        let release!: () => void; let claimed!: () => void;
        const hold = new Promise<void>((r) => { release = r; });
        const isClaimed = new Promise<void>((r) => { claimed = r; });
        const a = e.transaction(async () => {
          const r = await e.sms.claimInbound(id);
          claimed();
          await hold;
          await e.sms.inboundDone(id, 'processed', 'query', 'status', null, at(1));
          return r;
        });
        await isClaimed;
        expect(await e.transaction(() => e.sms.claimInbound(id))).toBeUndefined();
        release();
        expect((await a)?.id).toBe(id);
      } else {
        expect((await e.transaction(async () => {
          const r = await e.sms.claimInbound(id);
          await e.sms.inboundDone(id, 'processed', 'query', 'status', null, at(1));
          return r;
        }))?.id).toBe(id);
      }
      // Processed: nobody claims it again (a restart's drain, the other instance's tick).
      expect(await e.transaction(() => e.sms.claimInbound(id))).toBeUndefined();
      expect(await e.sms.inbound(id)).toMatchObject({ status: 'processed' });
    });

    it('the dispatcher\'s combined calls: an answer takes the receipts kept for any form of its id; a receipt matches the first form that names a segment', async () => {
      const m = await e.sms.enqueue(mt('13800000016', 'answer', { segments: 2 }), T0);
      const [{ segments: [s1, s2] }] = await e.sms.claimDue(at(1), 10);
      // s1: a receipt came first, kept under the second form of its id
      await e.sms.keepUnmatchedReceipt('c0ffee', 'undeliverable', 11, null, at(2));
      await e.sms.segmentAnswered(s1.id, 'a1', 'A1', ['a1', 'c0ffee'], at(3));
      expect(await e.sms.segmentByMessageId('a1')).toMatchObject({ id: s1.id, status: 'undeliverable', errorCode: 11, messageIdRaw: 'A1' });
      expect(await e.sms.mayHaveUnmatchedReceipt('c0ffee')).toBe(false);
      await e.sms.segmentAnswered(s2.id, 'a2', 'A2', ['a2'], at(3));
      expect(await e.sms.segmentByMessageId('a2')).toMatchObject({ id: s2.id, status: 'submitted' });
      // receipts: no segment → undefined; intermediate → matched, nothing recorded; final → recorded and settled
      expect(await e.sms.receiptForKeys(['nope', 'nada'], 'delivered', null, at(4))).toBeUndefined();
      expect(await e.sms.receiptForKeys([], 'delivered', null, at(4))).toBeUndefined();
      expect(await e.sms.receiptForKeys(['x', 'a2'], null, null, at(4))).toEqual({ outboxId: m.id, status: null });
      expect(await e.sms.segmentByMessageId('a2')).toMatchObject({ status: 'submitted' });
      expect(await e.sms.receiptForKeys(['x', 'a2'], 'delivered', 0, at(5))).toEqual({ outboxId: m.id, status: 'undeliverable' });
      expect(await e.sms.segmentByMessageId('a2')).toMatchObject({ status: 'delivered' });
      expect(await e.sms.byId(m.id)).toMatchObject({ status: 'undeliverable', doneAt: at(5) });
      await clear();
    });

    it('failures, requeue, setStatus, retry, cancel, recover after restart, purge', async () => {
      const m = await e.sms.enqueue(mt('13800000007', 'manual', { segments: 2, createdBy: 'wang' }), T0);
      const [{ segments: [s1, s2] }] = await e.sms.claimDue(at(1), 10);
      await e.sms.segmentSubmitted(s1.id, 'f1', 'F1', at(2));
      await e.sms.segmentBackToPending(s2.id);
      await e.sms.requeue(m.id, at(3), at(10), 'throttled', 1);
      expect(await e.sms.byId(m.id)).toMatchObject({ status: 'queued', lastError: 'throttled', nextAttemptAt: at(10), unknownOutcomes: 1, createdBy: 'wang' });
      const again = await e.sms.claimDue(at(10), 10);
      expect(again[0].segments.map((s) => s.seq)).toEqual([2]); // the submitted segment is never sent again
      await e.sms.segmentFailed(s2.id, 0x58, at(11));
      expect(await e.sms.settleFromSegments(m.id, at(11))).toBe('failed');
      expect(await e.sms.byId(m.id)).toMatchObject({ status: 'failed', doneAt: at(11) });
      expect(await e.sms.settleFromSegments(m.id, at(12))).toBe('failed');
      expect(await e.sms.retry(m.id, at(13))).toBe(true);
      expect(await e.sms.byId(m.id)).toMatchObject({ status: 'queued', attempts: 0, nextAttemptAt: at(13) });
      expect((await e.sms.segments(m.id)).map((s) => [s.status, s.messageId])).toEqual([['pending', null], ['pending', null]]);
      expect(await e.sms.retry(m.id, at(13))).toBe(false);
      await e.sms.setStatus(m.id, 'submitted', at(14), { error: 'x' });
      await e.sms.setStatus(m.id, 'submitted', at(15));
      expect(await e.sms.byId(m.id)).toMatchObject({ status: 'submitted', submittedAt: at(14), lastError: 'x', doneAt: at(11) }); // retry keeps done_at
      await e.sms.setStatus(m.id, 'queued', at(16), { nextAttemptAt: at(16) });
      expect(await e.sms.cancel(m.id, at(17))).toBe(true);
      expect(await e.sms.cancel(m.id, at(17))).toBe(false);
      expect(await e.sms.byId(m.id)).toMatchObject({ status: 'cancelled', doneAt: at(17) });
      // crash while submitting
      const r = await e.sms.enqueue(mt('13800000008', 'reply', { segments: 2 }), T0);
      const [{ segments: [r1] }] = await e.sms.claimDue(at(20), 10);
      await e.sms.segmentSubmitted(r1.id, 'r1', 'R1', at(21));
      expect(await e.sms.recoverAfterRestart(at(22))).toEqual({ messages: 1, unknownSegments: 1 });
      expect(await e.sms.byId(r.id)).toMatchObject({ status: 'queued', unknownOutcomes: 1 });
      expect((await e.sms.segments(r.id)).map((s) => s.status)).toEqual(['submitted', 'pending']);
      await clear();
      expect(await e.sms.purgeOutbox('2000-01-01T00:00:00.000Z')).toBe(0);
      await e.sms.setStatus(r.id, 'cancelled', at(30));
      expect(await e.sms.purgeOutbox(at(31))).toBeGreaterThanOrEqual(2);
      expect(await e.sms.byId(r.id)).toBeUndefined();
      expect(await e.sms.segments(r.id)).toEqual([]);
    });

    it('held pushes: superseded by a newer notice, released, expired; reply counts; list', async () => {
      const h1 = await e.sms.enqueue(mt('8613800000009', 'push', { status: 'held', dedupeKey: 'decl:7:a' }), T0);
      const h2 = await e.sms.enqueue(mt('8613800000009', 'push', { status: 'held', dedupeKey: 'decl:7:b' }), T0);
      const other = await e.sms.enqueue(mt('8613800000009', 'push', { status: 'held', dedupeKey: 'decl:8:a' }), T0);
      expect(await e.sms.supersedeHeld('8613800000009', 'decl:7:', h2.id, at(1))).toBe(1);
      expect(await e.sms.byId(h1.id)).toMatchObject({ status: 'superseded', doneAt: at(1), lastError: `superseded by a newer notice (#${h2.id})` });
      const exp = await e.sms.enqueue(mt('13800000010', 'push', { status: 'held', expiresAt: at(5) }), T0);
      expect(await e.sms.expireDue(at(10))).toBe(1);
      expect(await e.sms.byId(exp.id)).toMatchObject({ status: 'expired', lastError: 'validity period passed before sending' });
      expect(await e.sms.releaseHeld(at(11))).toBe(2);
      expect(await e.sms.byId(other.id)).toMatchObject({ status: 'queued', nextAttemptAt: at(11) });
      await e.sms.enqueue(mt('13800000011', 'reply'), at(20));
      await e.sms.enqueue(mt('13800000011', 'reply'), at(30));
      expect(await e.sms.replyCounts('13800000011', 'none', at(25))).toEqual({ replies: 1, template: 0 });
      expect((await e.sms.list({ phone: '138 0000 0009' })) /* any form of the number finds the canonical one */.map((x) => x.id)).toEqual([other.id, h2.id, h1.id]);
      expect((await e.sms.list({ status: 'superseded', limit: 1 })).map((x) => x.id)).toEqual([h1.id]);
      await clear();
    });

    it('concat references: a persisted counter per recipient (long messages only), continued after a restart, 8/16-bit wrap', async () => {
      const ref = async (phone: string, segments: number, refBits?: 8 | 16, sms = e.sms) => {
        const { id } = await sms.enqueue(mt(phone, 'manual', { segments, refBits }), T0);
        return sms.byId(id);
      };
      expect(await ref('13800000020', 2)).toMatchObject({ refNum: 0, refBits: 8 });
      expect(await ref('13800000020', 3)).toMatchObject({ refNum: 1 });
      expect(await ref('13800000020', 1)).toMatchObject({ refNum: 0, refBits: 8 }); // a single segment has no reference and takes none
      expect(await ref('13800000021', 2)).toMatchObject({ refNum: 0 }); // per recipient
      expect(await ref('13800000020', 2, 16, e.freshSms())).toMatchObject({ refNum: 2, refBits: 16 }); // a restart continues, never reuses
      expect(await e.sql('SELECT next_ref, cycle_started_at FROM sms_concat_refs WHERE phone = ?', ['13800000020'])).toEqual([{ next_ref: 3, cycle_started_at: T0 }]);
      // the counter wraps at the width; a wrap within a day calls the hook, and starts a new cycle
      const wraps: string[] = [];
      e.onRefWrap((phone, bits) => wraps.push(`${phone}/${bits}`));
      await e.sql('UPDATE sms_concat_refs SET next_ref = 255 WHERE phone = ?', ['13800000020']);
      expect(await e.sms.nextConcatRef('13800000020', 8, at(10))).toBe(255);
      expect(await e.sms.nextConcatRef('13800000020', 8, at(11))).toBe(0);
      expect(wraps).toEqual(['13800000020/8']);
      expect(await e.sms.nextConcatRef('13800000020', 16, at(12))).toBe(257);
      expect(await e.sql('SELECT next_ref, cycle_started_at FROM sms_concat_refs WHERE phone = ?', ['13800000020'])).toEqual([{ next_ref: 258, cycle_started_at: at(11) }]);
      await e.sql('UPDATE sms_concat_refs SET next_ref = 512 WHERE phone = ?', ['13800000020']);
      expect(await e.sms.nextConcatRef('13800000020', 8, at(86400 + 20))).toBe(0); // a day after the cycle began: no warning
      expect(wraps).toEqual(['13800000020/8']);
      // the same through enqueue (on PostgreSQL one statement with the insert)
      await e.sql('UPDATE sms_concat_refs SET next_ref = 255, cycle_started_at = ? WHERE phone = ?', [at(30), '13800000020']);
      expect(await ref('13800000020', 2)).toMatchObject({ refNum: 255 });
      expect(await ref('13800000020', 2)).toMatchObject({ refNum: 0 });
      expect(wraps).toEqual(['13800000020/8', '13800000020/8']);
      expect(await e.sql('SELECT next_ref, cycle_started_at FROM sms_concat_refs WHERE phone = ?', ['13800000020'])).toEqual([{ next_ref: 257, cycle_started_at: T0 }]);
      e.onRefWrap(null);
      await clear();
    });

    it('fair order: round robin by recipient within a priority; a newcomer joins the current round', async () => {
      const push = async (phone: string) => (await e.sms.enqueue(mt(phone, 'push'), T0)).id;
      const a1 = await push('13800000031'), a2 = await push('13800000031'), a3 = await push('13800000031');
      const b1 = await push('13800000032'), b2 = await push('13800000032');
      const c1 = await push('13800000033');
      const rounds = async (...ids: number[]) => { const r = await Promise.all(ids.map(async (id) => (await e.sms.byId(id))!.fairRound)); return r.map((x) => x - r[0]); };
      expect(await rounds(a1, a2, a3, b1, b2, c1)).toEqual([0, 1, 2, 0, 1, 0]);
      const first = await e.sms.claimDue(at(1), 1);
      expect(first.map((x) => x.msg.id)).toEqual([a1]);
      expect(first[0].msg).toMatchObject({ refBits: 8, refNum: 0, status: 'submitting', attempts: 1 });
      const d1 = await push('13800000034'); // arrives after the flood: not behind it
      expect((await e.sms.claimDue(at(1), 10)).map((x) => x.msg.id)).toEqual([b1, c1, d1, a2, b2, a3]);
      await clear();
      // below push priority the recipient's order rule still holds: one unsent at a time per phone
      const r1 = (await e.sms.enqueue(mt('13800000035', 'reply'), T0)).id;
      const r2 = (await e.sms.enqueue(mt('13800000035', 'reply'), T0)).id;
      const s1 = (await e.sms.enqueue(mt('13800000036', 'reply'), T0)).id;
      expect((await e.sms.claimDue(at(1), 10)).map((x) => x.msg.id)).toEqual([r1, s1]);
      await e.sms.setStatus(r1, 'submitted', at(2));
      expect((await e.sms.claimDue(at(2), 10)).map((x) => x.msg.id)).toEqual([r2]);
      await clear();
    });

    it('receipt timeout: submitted messages still waiting for receipts end no_receipt (oldest first, in batches); a late receipt still applies', async () => {
      const submitted = async (phone: string, segments: number, when: number) => {
        const { id } = await e.sms.enqueue(mt(phone, 'answer', { segments }), T0);
        const [c] = await e.sms.claimDue(at(when), 1);
        expect(c.msg.id).toBe(id);
        for (const s of c.segments) await e.sms.segmentSubmitted(s.id, `nr-${id}-${s.seq}`, `NR${id}${s.seq}`, at(when));
        expect(await e.sms.settleFromSegments(id, at(when))).toBe('submitted');
        return { id, segs: c.segments };
      };
      const a = await submitted('13800000041', 1, 100);
      const b = await submitted('13800000042', 2, 200);
      const c = await submitted('13800000043', 1, 300);
      const fresh = await submitted('13800000044', 1, 5000);
      await e.sms.segmentReceipt(b.segs[0].id, 'delivered', null, at(250)); // one of two parts has its receipt
      expect(await e.sms.closeWithoutReceipt(at(1000), at(6000), 2)).toEqual([a.id, b.id]);
      expect(await e.sms.closeWithoutReceipt(at(1000), at(6001))).toEqual([c.id]);
      expect(await e.sms.closeWithoutReceipt(at(1000), at(6002))).toEqual([]);
      expect(await e.sms.byId(a.id)).toMatchObject({ status: 'no_receipt', doneAt: at(6000), submittedAt: at(100) });
      expect(await e.sms.byId(b.id)).toMatchObject({ status: 'no_receipt', doneAt: at(6000) });
      expect((await e.sms.segments(b.id)).map((s) => s.status)).toEqual(['delivered', 'no_receipt']);
      expect(await e.sms.byId(fresh.id)).toMatchObject({ status: 'submitted', doneAt: null });
      expect(await e.sms.countsByStatus()).toMatchObject({ no_receipt: 3, submitted: 1 });
      // the receipt comes after all
      await e.sms.segmentReceipt(c.segs[0].id, 'delivered', null, at(7000));
      expect(await e.sms.settleFromSegments(c.id, at(7000))).toBe('delivered');
      expect(await e.sms.byId(c.id)).toMatchObject({ status: 'delivered', doneAt: at(7000) });
      await e.sms.segmentReceipt(b.segs[1].id, 'undeliverable', 1, at(7001));
      expect(await e.sms.settleFromSegments(b.id, at(7001))).toBe('undeliverable');
      await clear();
    });

    it('inbound messages and MO parts: re-delivery and same-slot lookups, open parts, assign/close, acks', async () => {
      const id = await e.sms.insertInbound('8613900000001', '96365', '查询 A123', 1, true, null, T0);
      const inc = await e.sms.insertInbound('13900000002', '96365', '半条', 1, false, [], T0, 2);
      expect(await e.sms.inbound(id)).toMatchObject({ phone: '8613900000001', parts: 1, partsExpected: 1, complete: true, warnings: null, status: 'received', feedbackId: null });
      expect(await e.sms.inbound(inc)).toMatchObject({ partsExpected: 2, complete: false });
      expect((await e.sms.pendingInbound()).map((r) => r.id)).toEqual([id, inc]);
      await e.sms.inboundDone(id, 'processed', 'query', 'status_sent', null, at(1));
      expect((await e.sms.pendingInbound(10)).map((r) => r.id)).toEqual([inc]);
      expect(await e.sms.inbound(id)).toMatchObject({ status: 'processed', command: 'query', outcome: 'status_sent', processedAt: at(1) });
      expect((await e.sms.listInbound({ phone: '+86 13900000001' })).map((r) => r.id)).toEqual([id]);
      expect((await e.sms.listInbound({ limit: 1 })).map((r) => r.id)).toEqual([inc]);

      const part = (seq: number, over: Partial<NewMoPart> = {}): NewMoPart => ({
        source: '13900000003', dest: '96365', dataCoding: 8, esmClass: 0x40, udh: Buffer.from([5, 0, 3, 0x2a, 2, seq]), body: Buffer.from(`第${seq}段`, 'utf16le'),
        concatRef: 0x2a, concatTotal: 2, concatSeq: seq, refBits: 8, fingerprint: `fp${seq}`, linkSession: 1, linkId: 'link-A', state: 'open', dupOf: null,
        inboundId: null, receivedAt: at(seq), ...over,
      });
      const p1 = await e.sms.insertPart(part(1));
      const p2 = await e.sms.insertPart(part(2));
      const open = await e.sms.openParts();
      expect(open.map((p) => p.id)).toEqual([p1, p2]);
      expect(open[0]).toMatchObject({ source: '13900000003', concatSeq: 1, linkId: 'link-A', state: 'open', ackConfirmedAt: null, refBits: 8 });
      expect(Buffer.compare(open[0].body, Buffer.from('第1段', 'utf16le'))).toBe(0);
      expect(Buffer.compare(open[0].udh!, Buffer.from([5, 0, 3, 0x2a, 2, 1]))).toBe(0);
      // a re-delivery arrives on another connection, only while our ack is not confirmed
      expect(await e.sms.redeliveryOf('fp1', T0, 'link-B')).toBe(p1);
      expect(await e.sms.redeliveryOf('fp1', T0, 'link-A')).toBeUndefined();
      expect(await e.sms.redeliveryOf('fp1', at(5), 'link-B')).toBeUndefined();
      await e.sms.confirmAcks([p1], at(3));
      await e.sms.confirmAcks([], at(3));
      expect(await e.sms.redeliveryOf('fp1', T0, 'link-B')).toBeUndefined();
      const slot = { source: '13900000003', concatRef: 0x2a, concatTotal: 2, concatSeq: 2, dataCoding: 8, body: Buffer.from('第2段', 'utf16le') };
      expect(await e.sms.sameSlotPart(slot, T0)).toBe(p2);
      expect(await e.sms.sameSlotPart({ ...slot, body: Buffer.from('别的', 'utf16le') }, T0)).toBeUndefined();
      const dup = await e.sms.insertPart(part(2, { fingerprint: 'fp2b' }));
      await e.sms.closePart(dup, p2);
      const msg = await e.sms.insertInbound('13900000003', '96365', '第1段第2段', 2, true, null, at(4));
      await e.sms.assignParts(msg, [p1, p2, dup]);
      await e.sms.assignParts(msg, []);
      expect(await e.sms.openParts()).toEqual([]);
      const rows = await e.sql('SELECT id, state, inbound_id, dup_of FROM sms_mo_parts ORDER BY id');
      expect(rows.map((r) => [r.id, r.state, r.inbound_id, r.dup_of])).toEqual([[p1, 'consumed', msg, null], [p2, 'consumed', msg, null], [dup, 'duplicate', null, p2]]);
    });

    it('storeSingleMo: a new single-part MO is its message and a consumed part; a re-delivery on another link its closed copy', async () => {
      const single = (fingerprint: string, linkId: string, s: number) => ({
        part: { source: '13900000009', dest: '96365', dataCoding: 8, esmClass: 0, udh: null, body: Buffer.from('查询', 'utf16le'), concatRef: null, concatTotal: null, concatSeq: null, refBits: null,
          fingerprint, linkSession: 1, linkId, receivedAt: at(s) },
        message: { phone: '13900000009', dest: '96365', text: '查询', warnings: ['odd'] }, since: T0,
      });
      const first = await e.sms.storeSingleMo(single('fp-s1', 'link-A', 10));
      expect(first.redeliveryOf).toBeNull();
      expect(await e.sms.inbound(first.inboundId!)).toMatchObject({ phone: '13900000009', text: '查询', parts: 1, partsExpected: 1, complete: true, warnings: 'odd', status: 'received' });
      const again = await e.sms.storeSingleMo(single('fp-s1', 'link-B', 11));
      expect(again).toEqual({ partId: again.partId, inboundId: null, redeliveryOf: first.partId });
      // once the SMSC was seen to read our resps, the same octets are a citizen texting the same again: a new message
      await e.sms.confirmAcks([first.partId, again.partId], at(11));
      const same = await e.sms.storeSingleMo(single('fp-s1', 'link-B', 12));
      expect(same.redeliveryOf).toBeNull();
      expect(same.inboundId).toBeGreaterThan(first.inboundId!);
      const rows = await e.sql(`SELECT id, state, inbound_id, dup_of FROM sms_mo_parts WHERE fingerprint = 'fp-s1' ORDER BY id`);
      expect(rows.map((r) => [r.id, r.state, r.inbound_id, r.dup_of])).toEqual([
        [first.partId, 'consumed', first.inboundId, null], [again.partId, 'duplicate', null, first.partId], [same.partId, 'consumed', same.inboundId, null],
      ]);
    });
  });
});
