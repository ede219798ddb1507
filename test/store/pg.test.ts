/**
 * PostgreSQL-only store tests: migrations (mirror of the SQLite list, concurrent start, refusal of a
 * newer schema, `hotline migrate` on a postgres URL) and what several instances on one database rely
 * on (outbox claims FOR UPDATE SKIP LOCKED, serialised audit chain, atomic ref counter, idempotent
 * events without aborting the transaction).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { SchemaTooNewError } from '../../src/store/index.js';
import {
  createPool, migratePg, pgSchemaVersion, PG_LATEST_VERSION, PgStore, PgSmsRepo, UniqueViolationError, withTransaction, type Pool,
} from '../../src/store/pg/index.js';
import { PG_MIGRATIONS } from '../../src/store/pg/migrations.js';
import { PRIORITY } from '../../src/sms/outbox/state.js';
import { createTestDatabase, pgSkipReason, pgTestUrl } from '../helpers/pg.js';

const T0 = '2026-01-05T01:00:00.000Z';

describe('PostgreSQL migrations mirror the SQLite ones', () => {
  it('same versions and names, in order (add the PostgreSQL twin of every new SQLite migration)', () => {
    expect(PG_MIGRATIONS.map((m) => `${m.version}_${m.name}`)).toEqual(MIGRATIONS.map((m) => `${m.version}_${m.name}`));
  });
});

function cli(args: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', '..', 'src', 'cli.ts'), ...args],
      { env: { ...process.env, HOTLINE_LOG_LEVEL: 'silent', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

describe.skipIf(!pgTestUrl)(`PostgreSQL store${pgTestUrl ? '' : ` (skipped: ${pgSkipReason})`}`, () => {
  const drops: Array<() => Promise<void>> = [];
  afterAll(async () => { for (const d of drops) await d(); });
  async function freshDb(): Promise<string> { const d = await createTestDatabase(); drops.push(d.drop); return d.url; }

  it('migrates from empty in one pass; two instances starting at once migrate once; re-run is a no-op', async () => {
    const url = await freshDb();
    const a = createPool(url), b = createPool(url);
    try {
      expect(await pgSchemaVersion(a)).toBe(0);
      const [ra, rb] = await Promise.all([migratePg(a), migratePg(b)]);
      const applied = [ra, rb].map((r) => r.applied.length).sort();
      expect(applied).toEqual([0, PG_MIGRATIONS.length]);
      expect([ra.to, rb.to]).toEqual([PG_LATEST_VERSION, PG_LATEST_VERSION]);
      expect((await a.query('SELECT version FROM schema_version ORDER BY version')).rows.map((r) => r.version)).toEqual(PG_MIGRATIONS.map((m) => m.version));
      expect((await migratePg(a)).applied).toEqual([]);
    } finally { await a.end(); await b.end(); }
  });

  it('data.pg_synchronous_commit: every session of the pool runs with it, whatever the server\'s own setting', async () => {
    const url = await freshDb();
    for (const [setting, expected] of [['on', 'on'], ['off', 'off']] as const) {
      const pool = createPool(url, { max: 2, synchronousCommit: setting });
      try {
        const shown = await Promise.all([pool.query('SHOW synchronous_commit'), pool.query('SHOW synchronous_commit')]);
        expect(shown.map((r) => r.rows[0].synchronous_commit)).toEqual([expected, expected]);
      } finally { await pool.end(); }
    }
  });

  it('an idle connection the server ends (restart, terminate) is reported, not a crash; the next query reconnects', async () => {
    const url = await freshDb();
    const errors: Error[] = [];
    const pool = createPool(url, { onError: (e) => errors.push(e) });
    const admin = createPool(url, { applicationName: 'hotline-test-admin' });
    try {
      expect((await pool.query('SELECT 1 AS one')).rows[0].one).toBe(1); // one idle client now
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'hotline96365' AND datname = current_database()`);
      const end = Date.now() + 10_000;
      while (errors.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      expect(errors[0]?.message).toMatch(/terminat/);
      expect((await pool.query('SELECT 2 AS two')).rows[0].two).toBe(2);
    } finally { await pool.end(); await admin.end(); }
  });

  it('a database newer than the code is refused with the same error as SQLite', async () => {
    const url = await freshDb();
    const pool = createPool(url);
    try {
      await migratePg(pool);
      await pool.query(`INSERT INTO schema_version (version, name, applied_at) VALUES ($1, 'future', $2)`, [PG_LATEST_VERSION + 1, T0]);
      const err = await migratePg(pool).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SchemaTooNewError);
      expect((err as Error).message).toBe(`database schema version ${PG_LATEST_VERSION + 1} is newer than this code understands (${PG_LATEST_VERSION}); upgrade the server or restore a matching backup`);
      await expect(PgStore.open(url)).rejects.toThrow(SchemaTooNewError);
    } finally { await pool.end(); }
  });

  it('canonical_phones on PostgreSQL: every stored number to the canonical form, duplicates merged (as on SQLite)', async () => {
    const url = await freshDb();
    const pool = createPool(url);
    try {
      const v = PG_MIGRATIONS.find((m) => m.name === 'canonical_phones')!.version;
      await migratePg(pool, { to: v - 1 });
      const t = '2026-01-01T00:00:00.000Z';
      const q = async (sql: string, p: unknown[] = []) => (await pool.query(sql, p)).rows;
      const [{ id: dept }] = await q(`INSERT INTO departments (code, name, contact_phone, created_at) VALUES ('A', 'a', '0579-82345678', $1) RETURNING id`, [t]);
      const [{ id: decl }] = await q(`INSERT INTO declarations (query_code, department_id, item_name, applicant_phone, status, status_at, accepted_at, created_at, updated_at)
        VALUES ('111111111111', $1, 'x', '+86 139 0000 0001', 'accepted', $2, $2, $2, $2) RETURNING id`, [dept, t]);
      for (const [i, phone] of ['13900000001', '8613900000001', '96365', null].entries()) {
        await q(`INSERT INTO feedback (ref, kind, channel, phone, text, status, created_at, updated_at) VALUES ($1, 'complaint', 'sms', $2, 'x', 'new', $3, $3)`, [`R${i}`, phone, t]);
      }
      await q(`INSERT INTO subscriptions (phone, declaration_id, channel, created_at) VALUES ('13900000001', $1, 'sms', $2), ('8613900000001', $1, 'sms', $2), ('13900000002', $1, 'sms', $2)`, [decl, t]);
      await q(`INSERT INTO opt_outs (phone, opted_out_at) VALUES ('13900000003', '2026-02-01'), ('8613900000003', '2026-01-15'), ('13900000004', $1)`, [t]);
      await q(`INSERT INTO sms_inbound (phone, dest, text, parts, complete, status, received_at) VALUES ('8613900000001', '96365', 'x', 1, 1, 'processed', $1), ('CMCC', '96365', 'y', 1, 1, 'ignored', $1)`, [t]);
      await q(`INSERT INTO sms_outbox (phone, text, reason, priority, status, encoding, data_coding, ref_num, segments, next_attempt_at, created_at, updated_at)
        VALUES ('13900000001', 'x', 'reply', 1, 'delivered', 'ucs2', 8, 1, 1, $1, $1, $1)`, [t]);
      await q(`INSERT INTO calls (call_id, direction, flow_id, caller, called, started_at) VALUES ('c1', 'inbound', 'main', '057982345678', '96365', $1), ('c2', 'inbound', 'main', 'anonymous', '96365', $1)`, [t]);
      expect((await migratePg(pool)).applied).toEqual(PG_MIGRATIONS.filter((m) => m.version >= v).map((m) => `${m.version}_${m.name}`));
      const col = async (sql: string) => (await q(sql)).map((r) => Object.values(r)[0]);
      expect(await col('SELECT contact_phone FROM departments')).toEqual(['8657982345678']);
      expect(await col('SELECT applicant_phone FROM declarations')).toEqual(['8613900000001']);
      expect(await col('SELECT phone FROM feedback ORDER BY id')).toEqual(['8613900000001', '8613900000001', '96365', null]);
      expect(await q('SELECT phone, (ended_at IS NULL)::int AS active FROM subscriptions ORDER BY id')).toEqual([
        { phone: '8613900000001', active: 0 }, { phone: '8613900000001', active: 1 }, { phone: '8613900000002', active: 1 },
      ]);
      expect(await q('SELECT phone, opted_out_at AS at FROM opt_outs ORDER BY phone')).toEqual([
        { phone: '8613900000003', at: '2026-01-15' }, { phone: '8613900000004', at: t },
      ]);
      expect(await col('SELECT phone FROM sms_inbound ORDER BY id')).toEqual(['8613900000001', 'CMCC']);
      expect(await col('SELECT phone FROM sms_outbox')).toEqual(['8613900000001']);
      expect(await col('SELECT caller FROM calls ORDER BY call_id')).toEqual(['8657982345678', 'anonymous']);
    } finally { await pool.end(); }
  });

  it('`hotline migrate` with HOTLINE_DATA_URL=postgres://…: applies, then current, then refuses a newer schema (exit 2); start refuses it too', async () => {
    const url = await freshDb();
    const first = await cli(['migrate'], { HOTLINE_DATA_URL: url });
    expect(first).toMatchObject({ code: 0, out: `migrated 0 → ${PG_LATEST_VERSION}: ${PG_MIGRATIONS.map((m) => `${m.version}_${m.name}`).join(', ')}\n` });
    expect((await cli(['migrate'], { HOTLINE_DATA_URL: url })).out).toBe(`schema is current (version ${PG_LATEST_VERSION})\n`);
    const pool = createPool(url);
    await pool.query(`INSERT INTO schema_version (version, name, applied_at) VALUES ($1, 'future', $2)`, [PG_LATEST_VERSION + 1, T0]);
    await pool.end();
    const refused = await cli(['migrate'], { HOTLINE_DATA_URL: url });
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/newer than this code understands/);
    const bad = await cli(['migrate'], { HOTLINE_DATA_URL: 'mysql://x' });
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/HOTLINE_DATA_URL/);
    const start = await cli(['start'], { HOTLINE_DATA_URL: url, HOTLINE_HTTP_PORT: '0' });
    expect(start.code).toBe(1);
    expect(start.err).toMatch(/newer than this code understands/);
  }, 60_000);

  describe('several instances on one database', () => {
    let url: string;
    let a: Pool, b: Pool;
    beforeAll(async () => {
      url = await freshDb();
      a = createPool(url); b = createPool(url);
      await migratePg(a);
    });
    afterAll(async () => { await a?.end(); await b?.end(); });

    const enqueue = async (repo: PgSmsRepo, count: number, tag: string) => {
      for (let i = 0; i < count; i++) {
        await repo.enqueue({ phone: `139${tag}${String(i).padStart(5, '0')}`, text: '推送', reason: 'push', priority: PRIORITY.push, status: 'queued', template: null,
          dedupeKey: `${tag}:${i}`, encoding: 'ucs2', dataCoding: 8, segments: 1 + (i % 2), nextAttemptAt: T0, expiresAt: null }, T0);
      }
    };

    it('a claim in progress (rows locked) is passed over by another instance, not waited for, never taken twice', async () => {
      const ra = new PgSmsRepo(a), rb = new PgSmsRepo(b);
      await enqueue(ra, 10, '01');
      await withTransaction(a, async (tx) => {
        const first = await ra.withClient(tx).claimDue(T0, 4);
        expect(first.length).toBe(4);
        // instance B while A's transaction is still open: other rows, at once
        const second = await rb.claimDue(T0, 100);
        expect(second.length).toBe(6);
        const ids = new Set(first.map((c) => c.msg.id));
        expect(second.some((c) => ids.has(c.msg.id))).toBe(false);
      });
      expect(await rb.claimDue(T0, 100)).toEqual([]);
      expect(await ra.queuedCount()).toBe(10); // all submitting
      await a.query(`UPDATE sms_outbox SET status = 'cancelled'`);
      await a.query(`UPDATE sms_segments SET status = 'failed'`);
    });

    it('two claimers racing over 1,000 messages: every message claimed exactly once', async () => {
      const ra = new PgSmsRepo(a), rb = new PgSmsRepo(b);
      await enqueue(ra, 1000, '02');
      const claimedBy = new Map<number, string>();
      const dupes: number[] = [];
      let segs = 0;
      const run = async (repo: PgSmsRepo, name: string) => {
        for (;;) {
          const got = await repo.claimDue(T0, 25);
          if (!got.length) return;
          for (const c of got) {
            if (claimedBy.has(c.msg.id)) dupes.push(c.msg.id);
            claimedBy.set(c.msg.id, name);
            segs += c.segments.length;
          }
        }
      };
      await Promise.all([run(ra, 'A'), run(rb, 'B'), run(ra, 'A2'), run(rb, 'B2')]);
      expect(dupes).toEqual([]);
      expect(claimedBy.size).toBe(1000);
      expect(segs).toBe(1500);
      const per = [...claimedBy.values()].reduce<Record<string, number>>((o, n) => { o[n] = (o[n] ?? 0) + 1; return o; }, {});
      expect(Object.keys(per).length).toBeGreaterThan(1); // both really took part
      const rows = (await a.query(`SELECT COUNT(*) AS n, SUM(attempts) AS s FROM sms_outbox WHERE dedupe_key LIKE '02:%' AND status = 'submitting'`)).rows[0];
      expect([rows.n, Number(rows.s)]).toEqual([1000, 1000]);
      expect((await a.query(`SELECT COUNT(*) AS n FROM sms_segments WHERE submits <> 1 AND outbox_id IN (SELECT id FROM sms_outbox WHERE dedupe_key LIKE '02:%')`)).rows[0].n).toBe(0);
    });

    it('the same message enqueued by two instances at once is stored once (dedupe key)', async () => {
      const m = { phone: '13700000000', text: '同一条', reason: 'push' as const, priority: 5, status: 'queued' as const, template: null, dedupeKey: 'same:1',
        encoding: 'ucs2', dataCoding: 8, segments: 2, nextAttemptAt: T0, expiresAt: null };
      const rs = await Promise.all([new PgSmsRepo(a).enqueue(m, T0), new PgSmsRepo(b).enqueue(m, T0), new PgSmsRepo(a).enqueue(m, T0)]);
      expect(new Set(rs.map((r) => r.id)).size).toBe(1);
      expect(rs.filter((r) => r.created).length).toBe(1);
      expect((await a.query('SELECT COUNT(*) AS n FROM sms_segments WHERE outbox_id = $1', [rs[0].id])).rows[0].n).toBe(2);
    });

    it('concat references handed out by two instances at once are all different (the counter row is locked)', async () => {
      const ra = new PgSmsRepo(a), rb = new PgSmsRepo(b);
      const refs = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? ra : rb).nextConcatRef(i < 20 ? '13600000001' : '13600000002', 8, T0)));
      expect(new Set(refs.slice(0, 20)).size).toBe(20);
      expect(new Set(refs.slice(20)).size).toBe(20);
      expect((await a.query(`SELECT phone, next_ref FROM sms_concat_refs WHERE phone LIKE '136%' ORDER BY phone`)).rows).toEqual([
        { phone: '13600000001', next_ref: 20 }, { phone: '13600000002', next_ref: 20 },
      ]);
    });

    it('fair order across instances: a newcomer enqueued on another instance joins the round in flight', async () => {
      const ra = new PgSmsRepo(a), rb = new PgSmsRepo(b);
      const push = async (repo: PgSmsRepo, phone: string) => (await repo.enqueue({ phone, text: '推送', reason: 'push', priority: PRIORITY.push, status: 'queued', template: null,
        dedupeKey: null, encoding: 'ucs2', dataCoding: 8, segments: 1, nextAttemptAt: T0, expiresAt: null }, T0)).id;
      await a.query(`UPDATE sms_outbox SET status = 'cancelled' WHERE status IN ('queued', 'submitting')`); // left by the cases above
      const flood = [];
      for (let i = 0; i < 5; i++) flood.push(await push(ra, '13500000001'));
      expect((await ra.claimDue(T0, 1)).map((c) => c.msg.id)).toEqual([flood[0]]); // in flight on instance A: round 0
      const other = await push(rb, '13500000002');
      expect((await rb.claimDue(T0, 10)).map((c) => c.msg.id)).toEqual([other, ...flood.slice(1)]);
      await a.query(`UPDATE sms_outbox SET status = 'cancelled' WHERE status IN ('queued', 'submitting')`);
    });

    it('audit appends from two instances keep one valid chain; ref numbers stay unique', async () => {
      const sa = await PgStore.open(url, { migrate: false }), sb = await PgStore.open(url, { migrate: false });
      try {
        await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? sa : sb).audit.append('admin', 'x', `t${i}`, { i })));
        expect(await sa.audit.verify()).toEqual({ ok: true, entries: 40 });
        const seqs = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? sa : sb).feedback.nextRefSeq('20260105')));
        expect(new Set(seqs).size).toBe(40);
        expect(Math.max(...seqs)).toBe(40);
      } finally { await sa.close(); await sb.close(); }
    });

    it('a duplicate event id raises UniqueViolationError without aborting the transaction (the stored event can be read)', async () => {
      const store = await PgStore.open(url, { migrate: false });
      try {
        const dept = await store.departments.insert('SCJG', '市市场监督管理局', null, null, null, T0);
        const d = await store.declarations.insert({ queryCode: 'Q9', departmentId: dept.id, deptRef: 'R9', itemName: 'x', applicantName: null, applicantPhone: null,
          status: 'accepted', statusAt: T0, acceptedAt: T0, dueAt: null, closedAt: null, now: T0 });
        const ev = { declarationId: d.id, departmentId: dept.id, eventId: 'e1', stepName: '受理', status: 'accepted' as const, handlerName: null, handlerTitle: null,
          opinion: null, details: null, occurredAt: T0, receivedAt: T0, applied: true };
        await store.declarations.insertEvent(ev);
        const seen = await store.transaction(async (tx) => {
          const err = await tx.declarations.insertEvent(ev).catch((e: unknown) => e);
          expect(err).toBeInstanceOf(UniqueViolationError);
          return tx.declarations.eventByEventId(dept.id, 'e1'); // the transaction is still usable
        });
        expect(seen!.eventId).toBe('e1');
      } finally { await store.close(); }
    });

    it('transactions: rollback on throw, nested savepoint rolls back only its part', async () => {
      const store = await PgStore.open(url, { migrate: false });
      try {
        await expect(store.transaction(async (tx) => { await tx.subscriptions.setOptOut('13100000001', T0); throw new Error('boom'); })).rejects.toThrow('boom');
        expect(await store.subscriptions.isOptedOut('13100000001')).toBe(false);
        await withTransaction(store.pool, async (c) => {
          const subs = store.subscriptions.withClient(c);
          await subs.setOptOut('13100000002', T0);
          await withTransaction(c, async (inner) => { await subs.withClient(inner).setOptOut('13100000004', T0); throw new Error('inner'); }).catch(() => undefined);
          await subs.setOptOut('13100000003', T0);
        });
        expect(await store.subscriptions.isOptedOut('13100000004')).toBe(false);
        expect(await store.subscriptions.isOptedOut('13100000002')).toBe(true);
        expect(await store.subscriptions.isOptedOut('13100000003')).toBe(true);
        expect(await store.healthy()).toBe(true);
      } finally { await store.close(); }
    });
  });
});
