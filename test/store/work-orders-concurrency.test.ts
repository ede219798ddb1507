/**
 * Work orders under concurrency, on both engines: two steps on one order at once take turns (the order
 * row is locked for the transaction: FOR UPDATE on PostgreSQL, the write lock on SQLite), so the second
 * sees the first's result; the same idempotency key twice at once is applied once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../../src/store/index.js';
import { PgStore } from '../../src/store/pg/index.js';
import type { DataStore } from '../../src/store/ports.js';
import { EventBus } from '../../src/domain/events.js';
import { WorkingCalendar, type CalendarData } from '../../src/domain/calendar.js';
import { WorkOrderService } from '../../src/workorders/service.js';
import { loadCategoriesFile } from '../../src/workorders/categories-file.js';
import type { Actor } from '../../src/workorders/model.js';
import type { Department } from '../../src/domain/types.js';
import { tempDir } from '../helpers/context.js';
import { createTestDatabase, pgSkipReason, pgTestUrl } from '../helpers/pg.js';

const tree = loadCategoriesFile('data/categories.yaml');
const env = { tree, clock: { calendar: new WorkingCalendar(JSON.parse(readFileSync('data/calendar.json', 'utf8')) as CalendarData), tz: 'Asia/Shanghai', hours: tree.workingHours }, warnRatio: 0.8, redoLimit: 2 };
const operator: Actor = { role: 'operator', id: 'staff:li', name: '李娜', departmentId: null, departmentName: null };

const engines: Array<{ name: string; skip: boolean; open: () => Promise<{ store: DataStore; close: () => Promise<void> }> }> = [
  { name: 'sqlite', skip: false, open: async () => { const dir = tempDir(); const store = Store.open(join(dir, 'c.db')); return { store, close: async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); } }; } },
  { name: pgTestUrl ? 'postgres' : `postgres (skipped: ${pgSkipReason})`, skip: !pgTestUrl, open: async () => { const db = await createTestDatabase(); const store = await PgStore.open(db.url, { max: 6 }); return { store, close: async () => { await store.close(); await db.drop(); } }; } },
];

describe.each(engines)('work orders under concurrency on $name', ({ skip, open }) => {
  describe.skipIf(skip)('', () => {
    let h: Awaited<ReturnType<typeof open>>;
    let svc: WorkOrderService;
    let dept: Department;
    let n = 0;
    beforeAll(async () => {
      h = await open();
      const bus = new EventBus();
      bus.deferWith((fn) => h.store.afterCommit(fn));
      svc = new WorkOrderService({ store: h.store, bus, env, now: () => new Date('2026-03-02T01:00:00Z') });
      dept = await h.store.departments.insert('SCJG', '市市场监督管理局', null, null, null, '2026-03-01T00:00:00.000Z');
    });
    afterAll(async () => { await h?.close(); });
    const dispatched = async () => {
      const f = await h.store.feedback.insert({ kind: 'complaint', channel: 'sms', phone: '8613912345678', text: '过期食品' }, `C${++n}`, '2026-03-02T00:00:00.000Z');
      await svc.dispatch(f.id, { type: 'dispatch', category: 'SCJG.FOOD' }, operator);
      return f.id;
    };

    it('two 签收 at once: one succeeds, the other sees 办理中 and is refused; one timeline entry', async () => {
      const id = await dispatched();
      const actor = WorkOrderService.departmentActor(dept);
      const results = await Promise.allSettled([svc.apply(id, { type: 'sign' }, actor), svc.apply(id, { type: 'sign' }, actor)]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({ code: 'conflict' });
      expect((await svc.timeline(id)).filter((e) => e.action === 'sign')).toHaveLength(1);
    });

    it('the same idempotency key twice at once: applied once, both get the same answer', async () => {
      const id = await dispatched();
      const actor = WorkOrderService.departmentActor(dept);
      const view = (r: { order: { status: string; interimCount: number } }) => ({ status: r.order.status, interim: r.order.interimCount });
      await svc.apply(id, { type: 'sign' }, actor);
      const [a, b] = await Promise.all([1, 2].map(() => svc.applyOnce(dept, 'k-1', { answer: '已立案' }, id, { type: 'interim', answer: '已立案' }, actor, view)));
      expect([a.replayed, b.replayed].sort()).toEqual([false, true]);
      expect(a.response).toEqual(b.response);
      expect((await svc.get(id)).interimCount).toBe(1);
    });
  });
});
