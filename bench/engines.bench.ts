/**
 * The two store engines side by side in one run (issue 11): SQLite (the file in the data directory, the
 * default) and PostgreSQL (a throwaway cluster with PostgreSQL's durable defaults: fsync and synchronous
 * commit on — what a deployment runs; BENCH_PG_FAST=1 turns them off as the tests do), and PostgreSQL with
 * the server's data.pg_synchronous_commit=off (postgres-async), the same server
 * (`hotline start` in its own process) and the same SMSC simulator (its own process) for both:
 *  - department API events/s and p99 (50 connections, one status step per request);
 *  - MT drained at window 50 (the outbox seeded, then the link drains it; to the last receipt stored);
 *  - MO → reply p50/p99 at 200 MO/s (status queries);
 *  - fan-out: one status step to a declaration with 10,000 subscribers, to the last receipt stored;
 *  - the panel's inbox first page on 20,000 feedback rows (server time, p99);
 *  - PostgreSQL only: MT drained by two instances (two binds) vs one.
 * Each scenario gets a fresh database. Env: BENCH_ENGINES (default "sqlite,postgres,postgres-async"), BENCH_SECONDS
 * (events and MO load, default 10), BENCH_MT_N (default 20000), BENCH_FANOUT (default 10000).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { Store } from '../src/store/index.js';
import { PgStore } from '../src/store/pg/index.js';
import type { DataStore } from '../src/store/ports.js';
import { addDepartment } from '../src/departments.js';
import { createContext } from '../src/services.js';
import { loadConfig } from '../src/config/index.js';
import { silentLogger } from '../src/log.js';
import { Outbox } from '../src/sms/outbox/outbox.js';
import { StaffAuth } from '../src/admin/auth.js';
import { withCheckDigit } from '../src/domain/query-code.js';
import { Client } from '../test/admin/helpers.js';
import { startPgCluster } from '../test/setup/pg-cluster.js';
import { cpuSeconds, percentile, rssMb, startServerProcess, tempDataDir } from './lib.js';
import { sqlPerMessage } from './sql-count.js';
import { startSmscProcess, type SmscProcess } from './smsc-process.js';
import { pushText, smsServerEnv, until } from './sms-common.js';
import { benchSmscOptions, measureMo, moTexts, waitReplying } from './sms-scenarios.js';

type Engine = 'sqlite' | 'postgres' | 'postgres-async';
/** postgres-async: the same cluster, the server's sessions with data.pg_synchronous_commit=off. */
const ENGINES = (process.env.BENCH_ENGINES ?? 'sqlite,postgres,postgres-async').split(',').map((s) => s.trim()) as Engine[];
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
/** BENCH_ONLY: a comma list of scenario names to run (e.g. "MO → reply" or "mo,fan-out"; case and spaces ignored). */
const ONLY = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',').map((s) => s.trim().toLowerCase()) : null;
const wanted = (name: string) => !ONLY || ONLY.some((o) => name.toLowerCase().replace(/\s/g, '').startsWith(o.replace(/\s/g, '')));
const MT_N = Number(process.env.BENCH_MT_N ?? 20_000);
const FANOUT = Number(process.env.BENCH_FANOUT ?? 10_000);

const cluster = ENGINES.some((e) => e !== 'sqlite') ? await startPgCluster(undefined, { durable: process.env.BENCH_PG_FAST !== '1' }) : null;
let dbSeq = 0;

/** A fresh database of the engine: the env a server needs for it, a store for seeding and counting, cleanup. */
async function freshDb(engine: Engine): Promise<{ dir: string; env: Record<string, string>; store: DataStore; drop(): Promise<void> }> {
  const dir = tempDataDir();
  if (engine === 'sqlite') {
    const store = Store.open(join(dir, 'hotline.db'));
    return { dir, env: {}, store, async drop() { await store.close().catch(() => undefined); rmSync(dir, { recursive: true, force: true }); } };
  }
  const name = `bench_${process.pid}_${++dbSeq}`;
  const admin = new pg.Client({ connectionString: cluster!.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = cluster!.url.replace('/hotline_test?', `/${name}?`);
  const store = await PgStore.open(url, { max: 4 });
  return {
    dir, env: { HOTLINE_DATA_URL: url, ...(engine === 'postgres-async' ? { HOTLINE_DATA_PG_SYNCHRONOUS_COMMIT: 'off' } : {}) }, store,
    async drop() {
      await store.close().catch(() => undefined);
      const c = new pg.Client({ connectionString: cluster!.url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await c.end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

type Figures = Record<string, string>;
const results = new Map<string, Figures>();
const put = (engine: string, k: string, v: string) => { const f = results.get(k) ?? {}; f[engine] = v; results.set(k, f); };
const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1));

async function apiEvents(engine: Engine): Promise<void> {
  const db = await freshDb(engine);
  const { department, apiKey } = await addDepartment(db.store, 'BENCH', '基准测试局');
  const N = 20_000;
  const now = new Date().toISOString();
  for (let i = 0; i < N; i += 2000) {
    await db.store.transaction(async () => {
      for (let j = i; j < i + 2000; j++) {
        await db.store.declarations.insert({ queryCode: withCheckDigit('1' + String(j).padStart(10, '0')), departmentId: department.id, deptRef: `B${j}`, itemName: '食品经营许可证新办',
          applicantName: '张晓明', applicantPhone: null, status: 'accepted', statusAt: now, acceptedAt: now, dueAt: null, closedAt: null, now });
      }
    });
  }
  await db.store.close();
  const server = await startServerProcess({ ...db.env, HOTLINE_DATA_DIR: db.dir, HOTLINE_HTTP_PORT: '0', HOTLINE_ADMIN_DEMO: 'off', HOTLINE_VOICE_TTS: 'none', HOTLINE_LOG_LEVEL: 'warn' });
  try {
    let seq = 0;
    const base = Date.now();
    const cpu0 = cpuSeconds(server.child.pid!);
    const r = await autocannon({
      url: server.url, connections: 50, duration: SECONDS, pipelining: 1,
      requests: [{
        method: 'POST',
        setupRequest: (req: any) => {
          const i = seq++;
          req.path = `/api/v1/declarations/B${Math.floor(Math.random() * N)}/events`;
          req.headers = { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` };
          req.body = JSON.stringify({ eventId: `ev-${i}`, stepName: '审核', status: i % 2 ? 'in_progress' : 'supplement_needed', handlerName: '李娜', opinion: '同意', occurredAt: new Date(base + i).toISOString() });
          return req;
        },
      }],
    });
    const cpu = cpuSeconds(server.child.pid!) - cpu0;
    put(engine, 'API events/s (50 conn)', `${Math.round(r.requests.average).toLocaleString()}${r.non2xx ? ` (${r.non2xx} non-2xx)` : ''}`);
    put(engine, 'API events p50 / p99 ms', `${r.latency.p50} / ${r.latency.p99}`);
    put(engine, 'API events CPU µs/event', Math.round((cpu * 1e6) / Math.max(1, r.requests.total)).toString());
  } finally {
    await server.stop();
    await db.drop();
  }
}

/** Seed `n` one-segment pushes into the outbox of `store` (the server's code path, big transactions). */
async function seedOutbox(store: DataStore, n: number): Promise<void> {
  const outbox = new Outbox(store, { maxSegments: 6, quietStart: '00:00', quietEnd: '00:00', timeZone: 'Asia/Shanghai', pushValidityHours: 48 });
  for (let i = 0; i < n; i += 5000) {
    await store.transaction(async () => {
      for (let j = i; j < Math.min(n, i + 5000); j++) await outbox.queue({ phone: String(13900000000 + j), text: pushText(j), reason: 'push' });
    });
  }
}

async function delivered(store: DataStore): Promise<number> { return (await store.sms.countsByStatus()).delivered ?? 0; }

/** Servers (one per instance) drain `n` seeded messages; messages/s from the first accepted submit to the last receipt stored. */
async function mtDrained(engine: Engine, instances: number, label: string): Promise<void> {
  const db = await freshDb(engine);
  await seedOutbox(db.store, MT_N);
  const smsc = await startSmscProcess(benchSmscOptions('fast', 5));
  const servers: Array<Awaited<ReturnType<typeof startServerProcess>>> = [];
  try {
    for (let i = 0; i < instances; i++) {
      const dir = i === 0 ? db.dir : tempDataDir();
      servers.push(await startServerProcess({ ...smsServerEnv(dir, smsc.port, { HOTLINE_SMPP_WINDOW: '50', HOTLINE_SMPP_TPS: '0' }), ...db.env, HOTLINE_LOG_LEVEL: 'warn' }));
    }
    await until(async () => (await smsc.counts()).accepted > 0, 60_000, 5);
    const t0 = performance.now();
    const cpu0 = servers.reduce((a, s) => a + cpuSeconds(s.child.pid!), 0);
    let peak = 0;
    const done = await until(async () => { peak = Math.max(peak, ...servers.map((s) => rssMb(s.child.pid))); return (await delivered(db.store)) >= MT_N; }, 600_000, 50);
    const secs = (performance.now() - t0) / 1000;
    const cpu = servers.reduce((a, s) => a + cpuSeconds(s.child.pid!), 0) - cpu0;
    put(engine, `${label} msg/s`, `${Math.round(MT_N / secs).toLocaleString()}${done ? '' : ' (NOT ALL DELIVERED)'}`);
    put(engine, `${label} CPU µs/msg, RSS MB`, `${Math.round((cpu * 1e6) / MT_N)}, ${Math.round(peak)}`);
  } finally {
    for (const s of servers) await s.stop();
    await smsc.stop();
    await db.drop();
  }
}

async function moReply(engine: Engine): Promise<void> {
  const db = await freshDb(engine);
  const ctx = createContext(loadConfig({ env: { HOTLINE_DATA_DIR: db.dir }, file: null }), { log: silentLogger, store: db.store });
  const { department } = await addDepartment(db.store, 'SCJG', '市市场监督管理局');
  const codes: string[] = [];
  await db.store.transaction(async () => {
    for (let i = 0; i < 500; i++) codes.push((await ctx.declarations.upsert(department, `MO-${i}`, { itemName: '食品经营许可证新办', applicantName: '张晓明', applicantPhone: '', timeLimitDays: 10 })).declaration.queryCode);
  });
  const smsc = await startSmscProcess(benchSmscOptions('fast'));
  const server = await startServerProcess({ ...smsServerEnv(db.dir, smsc.port, { HOTLINE_SMPP_WINDOW: '50', HOTLINE_SMPP_TPS: '0' }), ...db.env, HOTLINE_LOG_LEVEL: 'warn' });
  try {
    if (!(await waitReplying(smsc, `CX ${codes[0]}`))) throw new Error('the server never replied to a first MO');
    server.sqlCount.start();
    const row = await measureMo(smsc, [server.child.pid!], moTexts(codes), { profile: 'fast', rate: 200, seconds: SECONDS }, 'project');
    put(engine, 'MO→reply @200/s p50 / p99 ms', `${ms(row.p50!)} / ${ms(row.p99!)}`);
    put(engine, 'MO CPU ms/MO (with reply)', row.cpuMs!.toFixed(2));
    const sql = await server.sqlCount.take();
    // Counted from before the 2 s warm-up of measureMo to the end: (SECONDS + 2) s at 200 MO/s.
    if (sql) console.log(`${engine}: ${sqlPerMessage(sql, 200 * (SECONDS + 2))}`);
  } finally {
    await server.stop();
    await smsc.stop();
    await db.drop();
  }
}

async function fanout(engine: Engine): Promise<void> {
  const db = await freshDb(engine);
  const ctx = createContext(loadConfig({ env: { HOTLINE_DATA_DIR: db.dir }, file: null }), { log: silentLogger, store: db.store });
  const { department, apiKey } = await addDepartment(db.store, 'SCJG', '市市场监督管理局');
  const decl = await db.store.transaction(async () => {
    const d = (await ctx.declarations.upsert(department, 'FAN-1', { itemName: '食品经营许可证新办', applicantName: '张晓明', applicantPhone: '', timeLimitDays: 10 })).declaration;
    for (let i = 0; i < FANOUT; i++) await ctx.subscriptions.subscribe(String(13700000000 + i), d, 'sms');
    return d;
  });
  const smsc: SmscProcess = await startSmscProcess(benchSmscOptions('fast', 5));
  const server = await startServerProcess({ ...smsServerEnv(db.dir, smsc.port, { HOTLINE_SMPP_WINDOW: '50', HOTLINE_SMPP_TPS: '0' }), ...db.env, HOTLINE_LOG_LEVEL: 'warn' });
  try {
    const t0 = performance.now();
    const res = await fetch(`${server.url}/api/v1/declarations/FAN-1/events`, {
      method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ eventId: 'fan-1', stepName: '审核通过', status: 'approved', occurredAt: new Date().toISOString(), handlerName: '李娜', opinion: '同意' }),
    });
    const accepted = performance.now() - t0;
    if (res.status !== 201) throw new Error(`fan-out step: HTTP ${res.status} ${await res.text()}`);
    const done = await until(async () => (await delivered(db.store)) >= FANOUT, 600_000, 50);
    const secs = (performance.now() - t0) / 1000;
    put(engine, `fan-out ${FANOUT.toLocaleString()}: step answered ms / all delivered s`, `${ms(accepted)} / ${secs.toFixed(1)}${done ? '' : ' (NOT ALL)'}`);
    void decl;
  } finally {
    await server.stop();
    await smsc.stop();
    await db.drop();
  }
}

async function inbox(engine: Engine): Promise<void> {
  const db = await freshDb(engine);
  const ids: number[] = [];
  for (const c of ['SCJG', 'RSJ', 'GAJ']) ids.push((await addDepartment(db.store, c, c)).department.id);
  const N = 20_000;
  const base = Date.now() - N * 60_000;
  for (let i = 0; i < N; i += 2000) {
    await db.store.transaction(async () => {
      for (let j = i; j < i + 2000; j++) {
        const at = new Date(base + j * 60_000).toISOString();
        await db.store.feedback.insert({ kind: (['complaint', 'consultation', 'suggestion'] as const)[j % 3], channel: (['voice', 'sms', 'api'] as const)[j % 3], phone: `86139${String(j).padStart(8, '0')}`, text: `第 ${j} 条反馈内容` } as never, `P${j}`, at);
      }
    });
  }
  await new StaffAuth(db.store.staff, db.store, { now: () => new Date(), sessionHours: 8, lockoutAttempts: 5 }).createUser({ username: 'op', role: 'operator', password: 'bench-pass-1' });
  await db.store.close();
  const server = await startServerProcess({ ...db.env, HOTLINE_DATA_DIR: db.dir, HOTLINE_HTTP_PORT: '0', HOTLINE_ADMIN_DEMO: 'off', HOTLINE_VOICE_TTS: 'none', HOTLINE_LOG_LEVEL: 'warn' });
  try {
    const c = new Client(server.url);
    if ((await c.login('op', 'bench-pass-1')).status !== 200) throw new Error('login failed');
    const took: number[] = [];
    for (let i = 0; i < 60; i++) {
      const r = await c.get(i % 2 ? '/admin/api/feedback' : '/admin/api/feedback?status=new');
      if (i >= 10) took.push(r.json.tookMs);
    }
    took.sort((a, b) => a - b);
    put(engine, `inbox first page (${N.toLocaleString()} rows) server p50 / p99 ms`, `${ms(percentile(took, 50))} / ${ms(percentile(took, 99))}`);
  } finally {
    await server.stop();
    await db.drop();
  }
}

for (const engine of ENGINES) {
  console.log(`--- ${engine}`);
  for (const [name, fn] of [['API events', apiEvents], ['MT drained', (e: Engine) => mtDrained(e, 1, 'MT drained w50')], ['MO → reply', moReply], ['fan-out', fanout], ['inbox', inbox]] as const) {
    if (!wanted(name)) continue;
    const t = performance.now();
    try { await fn(engine); } catch (e) { put(engine, `${name} (failed)`, (e as Error).message.slice(0, 80)); }
    console.log(`  ${name}: ${((performance.now() - t) / 1000).toFixed(0)} s`);
  }
}
for (const engine of ENGINES.filter((e) => e !== 'sqlite' && wanted('two instances'))) {
  try { await mtDrained(engine, 2, 'MT drained w50, two instances'); } catch (e) { put(engine, 'two instances (failed)', (e as Error).message.slice(0, 80)); }
}
cluster?.stop();

const width = Math.max(...[...results.keys()].map((k) => k.length));
console.log(`\nengines side by side (${cluster ? `PostgreSQL ${process.env.BENCH_PG_FAST === '1' ? 'fsync off' : 'durable defaults'}, ` : ''}same machine, same SMSC simulator; indicative on a shared 2-core machine)`);
console.log(`${'figure'.padEnd(width)} | ${ENGINES.map((e) => e.padEnd(22)).join(' | ')}`);
for (const [k, f] of results) console.log(`${k.padEnd(width)} | ${ENGINES.map((e) => (f[e] ?? '—').padEnd(22)).join(' | ')}`);
