/** Store contract: operator seats, callers waiting, call-back requests (migration 12) — on SQLite and PostgreSQL. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, type Engine } from './engines.js';

const T0 = '2026-11-26T02:00:00.000Z';
const at = (min: number) => new Date(Date.parse(T0) + min * 60_000).toISOString();

describe.each(ENGINES)('store contract on $name: call queue', ({ open, skip }) => {
  describe.skipIf(skip)('repositories', () => {
    let e: Engine;
    let wang: number;
    let li: number;
    beforeAll(async () => {
      e = await open();
      wang = (await e.staff.insert({ username: 'wang', displayName: '王', role: 'operator', departmentId: null, passwordHash: 'h' }, T0)).id;
      li = (await e.staff.insert({ username: 'li', displayName: null, role: 'operator', departmentId: null, passwordHash: 'h' }, T0)).id;
      await e.staff.insert({ username: 'zhao', displayName: null, role: 'supervisor', departmentId: null, passwordHash: 'h' }, T0);
    });
    afterAll(async () => { await e?.close(); });

    it('seats: endpoint unique, seat state with its time, operators with an endpoint in id order', async () => {
      expect(await e.callQueue.seats()).toEqual([]);
      expect(await e.callQueue.setEndpoint(wang, 'PJSIP/8001', at(1))).toBe(true);
      await expect(e.callQueue.setEndpoint(li, 'PJSIP/8001', at(1))).rejects.toThrow(/UNIQUE/i);
      await e.callQueue.setEndpoint(li, 'PJSIP/8002', at(1));
      expect(await e.callQueue.seat(wang)).toEqual({ userId: wang, username: 'wang', displayName: '王', endpoint: 'PJSIP/8001', seatState: 'loggedOut', seatStateAt: null });
      expect(await e.callQueue.setSeatState(wang, 'ready', at(2))).toBe(true);
      await expect(e.callQueue.setSeatState(wang, 'asleep' as never, at(2))).rejects.toThrow();
      expect(await e.callQueue.seatByEndpoint('PJSIP/8001')).toMatchObject({ userId: wang, seatState: 'ready', seatStateAt: at(2) });
      expect((await e.callQueue.seats()).map((s) => [s.username, s.seatState])).toEqual([['wang', 'ready'], ['li', 'loggedOut']]);
      await e.staff.setDisabled(li, true, at(3));
      expect((await e.callQueue.seats()).map((s) => s.username)).toEqual(['wang']);
      await e.callQueue.setEndpoint(li, null, at(4));
      expect(await e.callQueue.seat(li)).toBeUndefined();
      expect(await e.callQueue.seatByEndpoint('PJSIP/nope')).toBeUndefined();
    });

    it('callers waiting: queue order urgent first, then seq; an instance\'s callers are taken at restart', async () => {
      expect(await e.callQueue.nextSeq()).toBe(1);
      await e.callQueue.enqueue({ callId: 'c1', seq: 1, priority: 'normal', phone: '13800138000', ownerInstance: 'i1' }, at(1));
      await e.callQueue.enqueue({ callId: 'c2', seq: 2, priority: 'urgent', phone: null, ownerInstance: 'i1' }, at(2));
      await e.callQueue.enqueue({ callId: 'c3', seq: 3, priority: 'normal', phone: null, ownerInstance: 'i2' }, at(3));
      await expect(e.callQueue.enqueue({ callId: 'c1', seq: 9, priority: 'normal', phone: null, ownerInstance: 'i1' }, at(3))).rejects.toThrow();
      expect(await e.callQueue.nextSeq()).toBe(4);
      expect((await e.callQueue.queued()).map((q) => q.callId)).toEqual(['c2', 'c1', 'c3']);
      expect((await e.callQueue.queued())[1]).toEqual({ callId: 'c1', seq: 1, priority: 'normal', phone: '13800138000', enqueuedAt: at(1), ownerInstance: 'i1', updatedAt: at(1) });
      expect((await e.callQueue.takeOwnedBy('i1')).map((q) => q.callId)).toEqual(['c2', 'c1']);
      expect(await e.callQueue.dequeue('c3')).toBe(true);
      expect(await e.callQueue.dequeue('c3')).toBe(false);
      expect(await e.callQueue.queued()).toEqual([]);
    });

    it('call-backs: requested in queue order, due claimed once, retries with the next time, final failure, done, release after a crash', async () => {
      const seq = await e.callQueue.nextSeq();
      const a = await e.callQueue.request({ phone: '13800138000', callId: 'c7', feedbackId: null, reason: 'queue', priority: 'normal', seq, nextAttemptAt: at(0) }, at(0));
      expect(a).toEqual({
        id: a.id, phone: '13800138000', callId: 'c7', feedbackId: null, reason: 'queue', noticeKind: null, noticeText: null, priority: 'normal', seq, attempts: 0, nextAttemptAt: at(0),
        status: 'requested', lastResult: null, ownerInstance: null, createdAt: at(0), updatedAt: at(0),
      });
      const b = await e.callQueue.request({ phone: '13900139000', callId: null, feedbackId: null, reason: 'answer', priority: 'urgent', seq: seq + 1, nextAttemptAt: at(10) }, at(0));
      await expect(e.callQueue.request({ phone: '1', callId: null, feedbackId: null, reason: 'other' as never, priority: 'normal', seq: 99, nextAttemptAt: at(0) }, at(0))).rejects.toThrow();
      expect((await e.callQueue.openCallbacks()).map((c) => c.id)).toEqual([b.id, a.id]);

      // due now: only a; claimed once
      const claimed = await e.callQueue.claimDue(at(1), 'i1', 10);
      expect(claimed.map((c) => [c.id, c.status, c.ownerInstance])).toEqual([[a.id, 'dialing', 'i1']]);
      expect(await e.callQueue.claimDue(at(1), 'i2', 10)).toEqual([]);
      // no answer → back to requested for later
      expect(await e.callQueue.recordAttempt(a.id, 'noAnswer', at(6), at(2))).toMatchObject({ attempts: 1, status: 'requested', nextAttemptAt: at(6), lastResult: 'noAnswer', ownerInstance: null });
      expect(await e.callQueue.claimDue(at(5), 'i1', 10)).toEqual([]);
      // at 10 both are due: urgent b first; limit 1
      expect((await e.callQueue.claimDue(at(10), 'i1', 1)).map((c) => c.id)).toEqual([b.id]);
      expect((await e.callQueue.claimDue(at(10), 'i2', 5)).map((c) => c.id)).toEqual([a.id]);
      // i2 crashed while dialing a: a goes back to requested
      expect(await e.callQueue.releaseDialing('i2', at(11))).toBe(1);
      expect(await e.callQueue.callback(a.id)).toMatchObject({ status: 'requested', ownerInstance: null, attempts: 1 });
      // the final failure
      expect(await e.callQueue.recordAttempt(a.id, 'busy', null, at(12))).toMatchObject({ attempts: 2, status: 'failed', lastResult: 'busy' });
      expect(await e.callQueue.recordAttempt(a.id, 'busy', null, at(12))).toBeUndefined();
      expect(await e.callQueue.finish(b.id, 'done', 'answered', at(13))).toBe(true);
      expect(await e.callQueue.finish(b.id, 'cancelled', null, at(14))).toBe(false);
      expect(await e.callQueue.callback(b.id)).toMatchObject({ status: 'done', lastResult: 'answered', updatedAt: at(13) });
      expect(await e.callQueue.openCallbacks()).toEqual([]);
      expect(await e.callQueue.callback(999999)).toBeUndefined();
    });

    it('notice call-backs: kind and text stored; claimDue by reason leaves the others', async () => {
      const seq = await e.callQueue.nextSeq();
      const q = await e.callQueue.request({ phone: '13700137000', callId: 'c9', feedbackId: null, reason: 'queue', priority: 'normal', seq, nextAttemptAt: at(30) }, at(30));
      const n = await e.callQueue.request({ phone: '05798886666', callId: null, feedbackId: null, reason: 'notice', noticeKind: 'interim', noticeText: '正在协调，预计下周办结。', priority: 'normal', seq: seq + 1, nextAttemptAt: at(30) }, at(30));
      expect(n).toMatchObject({ reason: 'notice', noticeKind: 'interim', noticeText: '正在协调，预计下周办结。', status: 'requested' });
      await expect(e.callQueue.request({ phone: '1', callId: null, feedbackId: null, reason: 'notice', noticeKind: 'weekly' as never, priority: 'normal', seq: 98, nextAttemptAt: at(0) }, at(0))).rejects.toThrow();
      expect((await e.callQueue.claimDue(at(31), 'i1', 10, ['answer', 'notice'])).map((c) => c.id)).toEqual([n.id]);
      expect((await e.callQueue.claimDue(at(31), 'i1', 10, ['answer'])).map((c) => c.id)).toEqual([]);
      expect((await e.callQueue.claimDue(at(31), 'i1', 10)).map((c) => c.id)).toEqual([q.id]);
      // the queue dials its call-back (it takes requests itself, not by claimDue): → dialing, owner noted
      expect(await e.callQueue.markDialing(q.id, 'i1', at(31))).toBe(true);
      expect(await e.callQueue.callback(q.id)).toMatchObject({ status: 'dialing', ownerInstance: 'i1', attempts: 0 });
      await e.callQueue.finish(q.id, 'cancelled', null, at(32));
      expect(await e.callQueue.markDialing(q.id, 'i1', at(33))).toBe(false);
      await e.callQueue.finish(n.id, 'done', 'answered', at(32));
    });

    it('claimDue: concurrent claims never hand out the same request twice', async () => {
      const base = await e.callQueue.nextSeq();
      for (let i = 0; i < 20; i++) {
        await e.callQueue.request({ phone: `1380013${String(i).padStart(4, '0')}`, callId: null, feedbackId: null, reason: 'answer', priority: 'normal', seq: base + i, nextAttemptAt: at(20) }, at(20));
      }
      const got = await Promise.all(['i1', 'i2', 'i3', 'i4'].map((o) => e.callQueue.claimDue(at(21), o, 8)));
      const ids = got.flat().map((c) => c.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(20);
    });
  });
});
