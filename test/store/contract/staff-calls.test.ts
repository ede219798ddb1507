/** Store contract: staff users, sessions, lock-out counters, supervision queries, the call log — on SQLite and PostgreSQL. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRow } from '../../../src/store/repos/calls.js';
import { ENGINES, type Engine } from './engines.js';

const T0 = '2026-01-05T01:00:00.000Z';
const at = (min: number) => new Date(Date.parse(T0) + min * 60_000).toISOString();

describe.each(ENGINES)('store contract on $name: staff and calls', ({ open, skip }) => {
  describe.skipIf(skip)('repositories', () => {
    let e: Engine;
    let dept: number;
    beforeAll(async () => {
      e = await open();
      dept = (await e.departments.insert('SCJG', '市市场监督管理局', null, null, null, T0)).id;
    });
    afterAll(async () => { await e?.close(); });

    it('staff users: insert, case-insensitive names, password change and disabling end sessions', async () => {
      const a = await e.staff.insert({ username: 'Wang', displayName: '王', role: 'operator', departmentId: null, passwordHash: 'h1' }, T0);
      expect(a).toMatchObject({ username: 'Wang', displayName: '王', role: 'operator', departmentId: null, departmentCode: null, disabled: false, createdAt: T0, passwordChangedAt: T0, lastLoginAt: null });
      const d = await e.staff.insert({ username: 'li', displayName: null, role: 'department', departmentId: dept, passwordHash: 'h2' }, T0);
      expect(d).toMatchObject({ departmentCode: 'SCJG', departmentName: '市市场监督管理局' });
      expect((await e.staff.byUsername('wang'))!.id).toBe(a.id);
      expect((await e.staff.byUsername('WANG'))!.id).toBe(a.id);
      await expect(e.staff.insert({ username: 'WANG', displayName: null, role: 'admin', departmentId: null, passwordHash: 'x' }, T0)).rejects.toThrow();
      // department staff need a department, others must not have one
      await expect(e.staff.insert({ username: 'zhao', displayName: null, role: 'department', departmentId: null, passwordHash: 'x' }, T0)).rejects.toThrow();
      expect(await e.staff.passwordHash(a.id)).toBe('h1');
      expect(await e.staff.count()).toBe(2);
      expect((await e.staff.all()).map((u) => u.username)).toEqual(['li', 'Wang']); // by role, then name
      const sess = { userId: a.id, csrfToken: 'csrf', createdAt: T0, expiresAt: at(480), lastSeenAt: T0, ip: '127.0.0.1', userAgent: 'ua' };
      await e.staff.insertSession({ ...sess, idHash: 's1' });
      await e.staff.insertSession({ ...sess, idHash: 's2', expiresAt: at(10) });
      expect(await e.staff.session('s1')).toEqual({ idHash: 's1', userId: a.id, csrfToken: 'csrf', createdAt: T0, expiresAt: at(480), lastSeenAt: T0 });
      await e.staff.touchSession('s1', at(5));
      expect((await e.staff.session('s1'))!.lastSeenAt).toBe(at(5));
      expect(await e.staff.purgeSessions(at(10))).toBe(1);
      expect(await e.staff.session('s2')).toBeUndefined();
      await e.staff.recordLogin(a.id, at(1));
      expect((await e.staff.byId(a.id))!.lastLoginAt).toBe(at(1));
      await e.staff.setPassword(a.id, 'h3', at(20));
      expect(await e.staff.session('s1')).toBeUndefined();
      expect(await e.staff.byId(a.id)).toMatchObject({ passwordChangedAt: at(20), updatedAt: at(20) });
      await e.staff.insertSession({ ...sess, idHash: 's3' });
      await e.staff.setDisabled(a.id, false, at(21));
      expect(await e.staff.session('s3')).toBeDefined();
      await e.staff.setDisabled(a.id, true, at(22));
      expect(await e.staff.session('s3')).toBeUndefined();
      expect((await e.staff.byId(a.id))!.disabled).toBe(true);
      await e.staff.deleteSession('nope');
    });

    it('login failures per (user name, address): upsert, case-insensitive name, clear one, locked users, unlock all, purge', async () => {
      expect(await e.staff.failures('zhang', '10.0.0.1')).toBeUndefined();
      await e.staff.setFailures('Zhang', '10.0.0.1', 1, T0, null);
      await e.staff.setFailures('zhang', '10.0.0.1', 5, at(1), at(16));
      expect(await e.staff.failures('ZHANG', '10.0.0.1')).toEqual({ username: 'Zhang', address: '10.0.0.1', failures: 5, lastFailureAt: at(1), lockedUntil: at(16) });
      expect(await e.staff.failures('zhang', '10.0.0.2')).toBeUndefined(); // another address: its own count
      await e.staff.setFailures('zhang', '10.0.0.2', 5, at(2), at(20));
      await e.staff.setFailures('zhang', '::1', 2, at(3), null);
      await e.staff.setFailures('Li', '10.0.0.1', 5, at(2), at(10));
      expect([...(await e.staff.lockedUsers(at(12))).entries()]).toEqual([['zhang', { addresses: 2, until: at(20) }]]);
      expect([...(await e.staff.lockedUsers(at(5))).entries()].sort()).toEqual([['li', { addresses: 1, until: at(10) }], ['zhang', { addresses: 2, until: at(20) }]]);
      await e.staff.clearFailures('zHANG', '10.0.0.1');
      expect(await e.staff.failures('zhang', '10.0.0.1')).toBeUndefined();
      expect(await e.staff.failures('zhang', '10.0.0.2')).toMatchObject({ failures: 5 });
      expect(await e.staff.clearAllFailures('ZHANG')).toEqual(['10.0.0.2', '::1']);
      expect(await e.staff.clearAllFailures('zhang')).toEqual([]);
      expect(await e.staff.lockedUsers(at(5))).toEqual(new Map([['li', { addresses: 1, until: at(10) }]]));
      // purge: runs that ended (last failure and lock both before the bound) are forgotten
      await e.staff.setFailures('wu', '10.0.0.3', 1, at(1), null);
      expect(await e.staff.purgeFailures(at(5))).toBe(1); // wu; li is still locked until at(10)
      expect(await e.staff.purgeFailures(at(11))).toBe(1);
      expect(await e.staff.failures('li', '10.0.0.1')).toBeUndefined();
    });

    it('supervision queries: per-department counts, median hours to answer, waiting badge', async () => {
      const mk = async (ref: string, over: Record<string, unknown>, created: string) => {
        const f = await e.feedback.insert({ kind: 'complaint', channel: 'web', phone: null, text: ref, departmentId: dept }, ref, created);
        if (Object.keys(over).length) await e.feedback.update(f.id, over, created);
        return f;
      };
      await mk('A1', { status: 'answered', answeredAt: at(60), satisfaction: 1 }, T0);       // 1 h
      await mk('A2', { status: 'answered', answeredAt: at(180), satisfaction: 3 }, T0);      // 3 h
      await mk('A3', { status: 'closed', answeredAt: at(24 * 60), satisfaction: 2 }, T0);    // 24 h
      await mk('A4', { status: 'assigned' }, T0);
      await mk('A5', {}, at(5)); // new, no department? it has one
      await e.feedback.insert({ kind: 'consultation', channel: 'web', phone: null, text: 'central' }, 'C1', T0);
      const stats = await e.adminQueries.departmentStats({ overdueBefore: at(1) });
      const mine = stats.find((s) => s.departmentId === dept)!;
      expect(mine).toEqual({ departmentId: dept, received: 5, answered: 3, open: 2, overdue: 1, rated: 3, satisfied: 2, dissatisfied: 1, medianAnswerHours: 3 });
      expect(stats.find((s) => s.departmentId === null)).toMatchObject({ received: 1, answered: 0, medianAnswerHours: null });
      const later = await e.adminQueries.departmentStats({ overdueBefore: at(1), since: at(1) });
      expect(later.find((s) => s.departmentId === dept)).toMatchObject({ received: 1, medianAnswerHours: null });
      expect(await e.adminQueries.waitingCount(null)).toBe(2);
      expect(await e.adminQueries.waitingCount(dept)).toBe(1);
    });

    it('call log: batched write (upsert, steps in order, counters add up), recent, close unfinished by owner, purge', async () => {
      const call = (id: string, startedAt: string, over: Partial<CallRow> = {}): CallRow => ({
        callId: id, direction: 'inbound', flowId: 'main', caller: '13500135000', called: '96365', startedAt, answeredAt: startedAt, endedAt: null,
        durationSec: null, outcome: null, outcomes: null, endReason: null, lastNode: 'menu', path: 'menu', feedbackRef: null, recovered: false, owner: 'host/1/a', ...over,
      });
      await e.calls.write({ calls: [], steps: [], counters: [] });
      await e.calls.write({
        calls: [call('c1', T0), call('c2', at(1), { owner: 'host/2/b' }), call('c3', at(1), { owner: null })],
        steps: [{ callId: 'c1', at: T0, node: 'menu', kind: 'enter', detail: null }, { callId: 'c1', at: at(0.5), node: 'menu', kind: 'input', detail: '1' }],
        counters: [{ flowId: 'main', node: 'menu', kind: 'enter', count: 2 }, { flowId: 'main', node: 'menu', kind: 'input', count: 0 }],
      });
      await e.calls.write({
        calls: [call('c1', T0, { endedAt: at(2), durationSec: 120.5, outcome: 'status_read', outcomes: 'status_read', endReason: 'caller', path: 'menu>status', recovered: true, owner: 'other' })],
        steps: [{ callId: 'c1', at: at(2), node: 'status', kind: 'hangup', detail: null }],
        counters: [{ flowId: 'main', node: 'menu', kind: 'enter', count: 3 }],
      });
      const c1 = (await e.calls.byId('c1'))!;
      // the upsert updates the outcome columns, not the owner
      expect(c1).toMatchObject({ endedAt: at(2), durationSec: 120.5, outcome: 'status_read', endReason: 'caller', path: 'menu>status', recovered: true, owner: 'host/1/a' });
      expect((await e.calls.steps('c1')).map((s) => `${s.kind}:${s.detail}`)).toEqual(['enter:null', 'input:1', 'hangup:null']);
      expect(await e.calls.counters()).toEqual([{ flowId: 'main', node: 'menu', kind: 'enter', count: 5 }]);
      expect((await e.calls.recent(10)).map((c) => c.callId)).toEqual(['c3', 'c2', 'c1']); // newest first; same start: later insert first
      expect((await e.calls.recent(0)).length).toBe(1);
      // only calls of instances that are gone are closed
      expect(await e.calls.closeUnfinished(at(3), (o) => o !== 'host/2/b')).toBe(1); // c3 (owner null)
      expect(await e.calls.byId('c3')).toMatchObject({ endedAt: at(3), endReason: 'lost', outcome: 'abandoned' });
      expect((await e.calls.byId('c2'))!.endedAt).toBeNull();
      expect(await e.calls.closeUnfinished(at(4))).toBe(1);
      expect(await e.calls.setOperatorRecording('c1', 'operator/operator-c1-1.wav')).toBe(true);
      expect(await e.calls.setOperatorRecording('c2', 'operator/operator-c2-1.wav')).toBe(true);
      expect(await e.calls.operatorRecordingsBefore(at(1))).toEqual(['operator/operator-c1-1.wav']); // only the calls purgeBefore removes
      expect(await e.calls.purgeBefore(at(1))).toBe(1);
      expect(await e.calls.operatorRecordingsBefore(at(1))).toEqual([]);
      expect(await e.calls.byId('c1')).toBeUndefined();
      expect(await e.calls.steps('c1')).toEqual([]);
      expect(await e.calls.byId('nope')).toBeUndefined();
    });
  });
});
