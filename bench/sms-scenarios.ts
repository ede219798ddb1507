/**
 * The SMS benchmark scenarios, shared by sms-mo-latency, sms-throughput and kannel-anchor: each runs
 * the server (`hotline start`, its own process) against the SMSC simulator (its own process) in a
 * chosen profile (fast / slow / throttled, see src/sim/smsc/profiles.ts) and returns one table row:
 * rate, p50/p99, server CPU ms per message (from /proc of the server process only — the SMSC and the
 * load generator run elsewhere) and the server's peak RSS.
 *
 * - mo: the SMSC injects `CX <code>` queries at a fixed rate, each from its own number; latency from
 *   handing the deliver_sm to the SMSC's socket to the reply's first submit_sm arriving at the SMSC.
 * - mt-drained: the outbox is seeded first (one-segment Chinese pushes), then the link drains it;
 *   rate = messages / (first submit accepted → last receipt recorded in the store).
 * - mt-intake: one HTTP request per message to the panel's send API (POST /admin/api/sms/send, 50
 *   requests in flight); rate = messages / (first request → last receipt recorded in the store);
 *   p50/p99 = request sent → its receipt recorded (done_at); the intake rate alone is printed too.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Store } from '../src/store/index.js';
import { addDepartment } from '../src/departments.js';
import { createContext } from '../src/services.js';
import { loadConfig } from '../src/config/index.js';
import { silentLogger } from '../src/log.js';
import { smscProfileOptions, type SmscSimulatorOptions } from '../src/sim/smsc/index.js';
import { cpuSeconds, percentile, rssMb, startServerProcess, tempDataDir } from './lib.js';
import { startSmscProcess, type SmscProcess } from './smsc-process.js';
import { seedOutboxInChild, sleep, smsServerEnv, until } from './sms-common.js';

export interface Row {
  system: string;
  profile: string;
  scenario: string;
  /** messages per second (MO injected rate, or MT to the last receipt). */
  rate: number;
  p50?: number;
  p99?: number;
  /** CPU ms per message of the system under test (server, or bearerbox + smsbox). */
  cpuMs: number;
  /** Peak RSS of the system under test, MB. */
  rssMb: number;
  note?: string;
}

/** The simulator options for a profile, as the benches use them (record off; fast receipts after `fastDlrMs`). */
export function benchSmscOptions(profile: string, fastDlrMs = 20): SmscSimulatorOptions {
  return { systemId: 'hotline', password: 'secret', record: false, dlrDelayMs: fastDlrMs, ...smscProfileOptions(profile, process.env) };
}

export function profilesFromEnv(): string[] {
  return (process.env.SMSC_PROFILES ?? process.env.SMSC_PROFILE ?? 'fast,slow').split(',').map((s) => s.trim()).filter(Boolean);
}

/** Sample the summed RSS of some pids every 200 ms; `stop()` returns the peak in MB. */
export function rssPeak(pids: number[]): { stop(): number } {
  let peak = 0;
  const sample = () => { const v = pids.reduce((a, p) => a + (rssMb(p) || 0), 0); if (v > peak) peak = v; };
  sample();
  const t = setInterval(sample, 200);
  return { stop: () => { clearInterval(t); sample(); return peak; } };
}

export const cpuOf = (pids: number[]) => pids.reduce((a, p) => a + (cpuSeconds(p) || 0), 0);

/** Wait until the SMSC has sent every receipt it owes (accepted = receipts), then a little more for the ESME to process them. */
export async function receiptsSettled(smsc: SmscProcess, timeoutMs = 15_000): Promise<void> {
  await until(async () => { const c = await smsc.counts(); return c.receipts >= c.accepted; }, timeoutMs, 50);
  await sleep(300);
}

// ---------------------------------------------------------------- text table

export function fmt(n: number | undefined, digits = 1): string {
  if (n === undefined || Number.isNaN(n)) return '—';
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(digits);
}

export function table(rows: Row[]): string {
  const head = ['system', 'profile', 'scenario', 'msg/s', 'p50 ms', 'p99 ms', 'CPU ms/msg', 'RSS MB', 'note'];
  const body = rows.map((r) => [r.system, r.profile, r.scenario, fmt(r.rate, 0), fmt(r.p50, 2), fmt(r.p99, 2), fmt(r.cpuMs, 3), fmt(r.rssMb, 0), r.note ?? '']);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 3 && i <= 7 ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  ').trimEnd();
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...body.map(line)].join('\n');
}

// ---------------------------------------------------------------- MO → reply

export interface MoOptions { profile: string; rate: number; seconds: number }

/** Seed 500 declarations to query; returns their codes. */
async function seedDeclarations(dir: string): Promise<string[]> {
  const store = Store.open(join(dir, 'hotline.db'));
  const ctx = createContext(loadConfig({ env: { HOTLINE_DATA_DIR: dir }, file: null }), { log: silentLogger, store });
  const { department } = await addDepartment(store, 'SCJG', '市市场监督管理局');
  const codes: string[] = [];
  await store.transaction(async () => {
    for (let i = 0; i < 500; i++) {
      codes.push((await ctx.declarations.upsert(department, `MO-${i}`, { itemName: '食品经营许可证新办', applicantName: '张晓明', applicantPhone: '', timeLimitDays: 10 })).declaration.queryCode);
    }
  });
  await store.close();
  return codes;
}

/** MO texts as the project bench sends them (three forms of a status query). */
export function moTexts(codes: string[]): string[] {
  return codes.map((c, i) => (i % 3 === 0 ? `查询 ${c}` : i % 3 === 1 ? `cx${c}` : c));
}

/** Wait for the ESME to answer a first MO (bound and replying). */
export async function waitReplying(smsc: SmscProcess, text: string, timeoutMs = 30_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (let i = 0; Date.now() < end; i++) {
    const r = await smsc.moLoad({ rate: 1, seconds: 1, texts: [text], to: '96365', firstPhone: String(13700000000 + i), drainMs: 500 });
    if (r.replied) return true;
    await sleep(200);
  }
  return false;
}

/**
 * One MO load against an ESME already bound to `smsc`: warm-up 2 s, then the measured load; CPU of
 * `pids` from the start of the load until the receipts of the replies are in. Used by both systems.
 */
export async function measureMo(smsc: SmscProcess, pids: number[], texts: string[], o: MoOptions, system: string): Promise<Row & { samples: Array<{ mo: string; reply: string }> }> {
  await smsc.moLoad({ rate: o.rate, seconds: 2, texts, to: '96365', firstPhone: '13710000000', drainMs: 3000 });
  await receiptsSettled(smsc);
  const rss = rssPeak(pids);
  const cpu0 = cpuOf(pids);
  const r = await smsc.moLoad({ rate: o.rate, seconds: o.seconds, texts, to: '96365', firstPhone: '13800000000', drainMs: 5000 });
  await receiptsSettled(smsc);
  const cpu = cpuOf(pids) - cpu0;
  const peak = rss.stop();
  const lat = [...r.latencies].sort((a, b) => a - b);
  return {
    system, profile: o.profile, scenario: `MO→reply @${o.rate}/s ${o.seconds}s`, rate: r.achievedRate,
    p50: percentile(lat, 50), p99: percentile(lat, 99), cpuMs: (cpu * 1000) / Math.max(1, r.injected), rssMb: peak,
    note: `${r.replied}/${r.injected} replied`, samples: r.samples,
  };
}

export async function projectMo(o: MoOptions): Promise<Row> {
  const dir = tempDataDir();
  const codes = await seedDeclarations(dir);
  const smsc = await startSmscProcess(benchSmscOptions(o.profile));
  const server = await startServerProcess({ ...smsServerEnv(dir, smsc.port, { HOTLINE_SMPP_WINDOW: '50', HOTLINE_SMPP_TPS: '0' }), HOTLINE_LOG_LEVEL: 'warn' });
  try {
    if (!(await waitReplying(smsc, `CX ${codes[0]}`))) throw new Error('the server never replied to a first MO');
    const row = await measureMo(smsc, [server.child.pid!], moTexts(codes), o, 'project');
    if (process.env.BENCH_VERBOSE) for (const x of row.samples) console.log(`  sample: ${JSON.stringify(x.mo)} → ${JSON.stringify(x.reply)}…`);
    return row;
  } finally {
    await server.stop();
    await smsc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- MT

export interface MtOptions { profile: string; window: number; messages: number }

/** Delivered rows in the store (read-only connection beside the server's). */
function deliveredCounter(dbFile: string): { count(): number; doneAt(): Map<string, number>; close(): void } {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  const q = db.prepare(`SELECT COUNT(*) FROM sms_outbox WHERE status = 'delivered'`).pluck();
  const all = db.prepare(`SELECT phone, done_at FROM sms_outbox WHERE status = 'delivered'`);
  return {
    count: () => q.get() as number,
    doneAt: () => new Map((all.all() as Array<{ phone: string; done_at: string }>).map((r) => [r.phone, Date.parse(r.done_at)])),
    close: () => db.close(),
  };
}

export async function projectMtDrained(o: MtOptions): Promise<Row> {
  const dir = tempDataDir();
  seedOutboxInChild(dir, o.messages);
  const smsc = await startSmscProcess(benchSmscOptions(o.profile, 5));
  const server = await startServerProcess({ ...smsServerEnv(dir, smsc.port, { HOTLINE_SMPP_WINDOW: String(o.window), HOTLINE_SMPP_TPS: '0' }), HOTLINE_LOG_LEVEL: 'warn' });
  const pid = server.child.pid!;
  const delivered = deliveredCounter(join(dir, 'hotline.db'));
  try {
    const rss = rssPeak([pid]);
    // The clock starts at the first accepted submit (server start-up and bind are not counted).
    await until(async () => (await smsc.counts()).accepted > 0, 60_000, 5);
    const t0 = performance.now();
    const cpu0 = cpuOf([pid]);
    const done = await until(() => delivered.count() >= o.messages, 600_000, 20);
    const secs = (performance.now() - t0) / 1000;
    const cpu = cpuOf([pid]) - cpu0;
    const c = await smsc.counts();
    return {
      system: 'project', profile: o.profile, scenario: `MT drained w${o.window} n=${o.messages}`, rate: o.messages / secs,
      cpuMs: (cpu * 1000) / o.messages, rssMb: rss.stop(),
      note: `${done ? '' : 'NOT ALL DELIVERED; '}${(c.throttled ? `throttled ${c.throttled}; ` : '')}${secs.toFixed(1)} s`,
    };
  } finally {
    delivered.close();
    await server.stop();
    await smsc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Run `n` requests with `concurrency` in flight; `send(i)` performs request i. Returns per-request
 * start times (ms, Date.now()), latencies and the wall time.
 */
export async function closedLoop(n: number, concurrency: number, send: (i: number) => Promise<boolean>): Promise<{ startedAt: number[]; latencies: number[]; failed: number; seconds: number }> {
  const startedAt = new Array<number>(n);
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < n) {
      const i = next++;
      startedAt[i] = Date.now();
      const s = performance.now();
      let ok: boolean;
      try { ok = await send(i); } catch { ok = false; }
      latencies.push(performance.now() - s);
      if (!ok) failed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { startedAt, latencies, failed, seconds: (performance.now() - t0) / 1000 };
}

/** The same intake with autocannon (keep-alive): per-request latencies only (no start time per message). */
async function autocannonLoad(url: string, headers: Record<string, string>, n: number, connections: number): Promise<{ startedAt: number[]; latencies: number[]; failed: number; seconds: number }> {
  const { default: autocannon } = await import('autocannon');
  let seq = 0;
  const latencies: number[] = [];
  const t0 = performance.now();
  const inst = autocannon({
    url, connections, amount: n, pipelining: 1,
    requests: [{ method: 'POST', path: '/admin/api/sms/send', setupRequest: (req: any) => { const i = seq++; return { ...req, headers: { ...headers, origin: url }, body: JSON.stringify({ phone: mtPhone(i), text: MT_TEXT(i) }) }; } }],
  });
  // the returned promise is also the instance (an EventEmitter) (autocannon 9)
  (inst as unknown as { on(ev: 'response', fn: (c: unknown, status: number, bytes: number, ms: number) => void): void }).on('response', (_c, _s, _b, ms) => { latencies.push(ms); });
  const r = await inst;
  return { startedAt: [], latencies, failed: r.non2xx + r.errors, seconds: (performance.now() - t0) / 1000 };
}

export const MT_TEXT = (i: number) => `【96365】您的申报（编号${String(100000 + i)}）已办结，请凭身份证到市民中心三号窗口领取证照。`;
export const mtPhone = (i: number) => String(13900000000 + i);

/** Create an admin user in a data directory (the CLI, as an operator would). */
export function addAdminUser(dir: string, username: string, password: string): void {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'src', 'cli.ts'), 'user', 'add', username, '--role', 'admin', '--password', password], {
    env: { ...process.env, HOTLINE_DATA_DIR: dir, HOTLINE_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (r.status !== 0) throw new Error(`user add failed: ${r.stderr.toString()}`);
}

export interface IntakeResult extends Row { intakeRate: number; intakeP50: number; intakeP99: number }

/**
 * `client`: 'fetch' (default; node fetch in this process, 50 in flight: the same client the Kannel anchor
 * drives sendsms with) or 'autocannon' (a cheaper keep-alive client: shows what the server takes when
 * the load generator costs less CPU on the shared machine; no per-request receipt latency then).
 */
export async function projectMtIntake(o: MtOptions & { concurrency?: number; client?: 'fetch' | 'autocannon' }): Promise<IntakeResult> {
  const dir = tempDataDir();
  addAdminUser(dir, 'bench', 'bench-pass-1');
  const smsc = await startSmscProcess(benchSmscOptions(o.profile, 5));
  const server = await startServerProcess({ ...smsServerEnv(dir, smsc.port, { HOTLINE_SMPP_WINDOW: String(o.window), HOTLINE_SMPP_TPS: '0' }), HOTLINE_LOG_LEVEL: 'warn' });
  const pid = server.child.pid!;
  const delivered = deliveredCounter(join(dir, 'hotline.db'));
  try {
    const login = await fetch(`${server.url}/admin/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench', password: 'bench-pass-1' }) });
    if (login.status !== 200) throw new Error(`login failed: ${login.status} ${await login.text()}`);
    const cookie = `hotline_sid=${/hotline_sid=([^;]*)/.exec(login.headers.get('set-cookie') ?? '')?.[1] ?? ''}`;
    const csrf = ((await login.json()) as { csrfToken: string }).csrfToken;
    const headers = { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf };
    const send = async (phone: string, text: string) => {
      const res = await fetch(`${server.url}/admin/api/sms/send`, { method: 'POST', headers, body: JSON.stringify({ phone, text }) });
      await res.arrayBuffer();
      return res.status === 200;
    };
    await until(async () => (await smsc.counts()).connections > 0, 30_000, 50);
    // Warm-up: 200 messages to other numbers, delivered, before the clock starts.
    await closedLoop(200, 20, (i) => send(String(13500000000 + i), MT_TEXT(i)));
    await until(() => delivered.count() >= 200, 30_000, 20);
    await receiptsSettled(smsc);
    const base = delivered.count();
    const rss = rssPeak([pid]);
    const cpu0 = cpuOf([pid]);
    const t0 = performance.now();
    const load = o.client === 'autocannon'
      ? await autocannonLoad(server.url, headers, o.messages, o.concurrency ?? 50)
      : await closedLoop(o.messages, o.concurrency ?? 50, (i) => send(mtPhone(i), MT_TEXT(i)));
    const done = await until(() => delivered.count() - base >= o.messages - load.failed, 600_000, 20);
    const secs = (performance.now() - t0) / 1000;
    const cpu = cpuOf([pid]) - cpu0;
    const doneAt = delivered.doneAt();
    const e2e: number[] = [];
    for (let i = 0; i < o.messages; i++) { const d = doneAt.get('86' + mtPhone(i)) ?? doneAt.get(mtPhone(i)); if (d !== undefined && load.startedAt[i] !== undefined) e2e.push(d - load.startedAt[i]); }
    e2e.sort((a, b) => a - b);
    const req = [...load.latencies].sort((a, b) => a - b);
    return {
      system: o.client === 'autocannon' ? 'project (autocannon)' : 'project', profile: o.profile, scenario: `MT intake w${o.window} n=${o.messages}`, rate: o.messages / secs,
      p50: percentile(e2e, 50), p99: percentile(e2e, 99), cpuMs: (cpu * 1000) / o.messages, rssMb: rss.stop(),
      intakeRate: o.messages / load.seconds, intakeP50: percentile(req, 50), intakeP99: percentile(req, 99),
      note: `${done ? '' : 'NOT ALL DELIVERED; '}intake ${Math.round(o.messages / load.seconds)}/s (req p50 ${percentile(req, 50).toFixed(1)} p99 ${percentile(req, 99).toFixed(1)} ms)${load.failed ? `, ${load.failed} failed` : ''}; p = request → receipt; matched ${e2e.length}`,
    };
  } finally {
    delivered.close();
    await server.stop();
    await smsc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
