/** PostgreSQL: LISTEN/NOTIFY between instances (delivered at commit only) and the advisory-lock leader for jobs. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, notify, PgLeader, PgListener, withTransaction, type Pool } from '../../src/store/pg/index.js';
import { createTestDatabase, pgSkipReason, pgTestUrl } from '../helpers/pg.js';
import { until } from '../helpers/wait.js';

describe.skipIf(!pgTestUrl)(`PostgreSQL signals between instances${pgTestUrl ? '' : ` (skipped: ${pgSkipReason})`}`, () => {
  let drop: () => Promise<void>;
  let a: Pool, b: Pool;
  beforeAll(async () => {
    const d = await createTestDatabase();
    drop = d.drop;
    a = createPool(d.url); b = createPool(d.url);
  });
  afterAll(async () => { await a?.end(); await b?.end(); await drop?.(); });

  it('NOTIFY from instance A reaches a listener on instance B; a rolled-back transaction notifies nobody', async () => {
    const listener = new PgListener(b);
    const heard: unknown[] = [];
    const stop = await listener.listen('declaration_changed', (p) => heard.push(p));
    try {
      await notify(a, 'declaration_changed', { id: 1, status: 'approved', 说明: '已办结' });
      await until(() => heard.length === 1, 10_000, 'notification');
      expect(heard[0]).toEqual({ id: 1, status: 'approved', 说明: '已办结' });
      await withTransaction(a, async (tx) => { await notify(tx, 'declaration_changed', { id: 2 }); throw new Error('rollback'); }).catch(() => undefined);
      await withTransaction(a, async (tx) => { await notify(tx, 'declaration_changed', { id: 3 }); });
      await until(() => heard.length === 2, 10_000, 'committed notification');
      expect(heard[1]).toEqual({ id: 3 }); // id 2 never arrived: NOTIFY is delivered at commit
      stop();
      await expect(notify(a, 'x', 'y'.repeat(9000))).rejects.toThrow(/limit/);
      await expect(listener.listen('bad-name; DROP', () => undefined)).rejects.toThrow(/bad channel/);
    } finally { await listener.close(); }
  });

  it('one leader at a time for the jobs; when it stops, another instance takes over', async () => {
    const la = new PgLeader(a, { retryMs: 50 }), lb = new PgLeader(b, { retryMs: 50 });
    try {
      expect(await la.tryAcquire()).toBe(true);
      expect(await lb.tryAcquire()).toBe(false);
      expect(await la.tryAcquire()).toBe(true);
      lb.start();
      await new Promise((r) => setTimeout(r, 200));
      expect(lb.isLeader()).toBe(false);
      await la.stop();
      expect(la.isLeader()).toBe(false);
      await until(() => lb.isLeader(), 10_000, 'takeover');
    } finally { await la.stop(); await lb.stop(); }
  });
});
