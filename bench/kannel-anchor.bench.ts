/**
 * Kannel anchor (issue 15): the project beside Kannel (bearerbox + smsbox, Debian package `kannel`)
 * on the same SMSC simulator (its own process), in the fast and the slow profile, runs alternating
 * project, kannel, project, kannel. Skipped (exit 0) when bearerbox / smsbox are not installed.
 *
 * Kannel is set up as a user would for this job, in a temporary kannel.conf: one SMPP transceiver
 * to the simulator (max-pending-submits 50, the project's window), an sms-service whose get-url is a
 * tiny HTTP responder in this process answering every MO with one fixed Chinese text (UCS2 forced with
 * X-Kannel-Coding, as Kannel otherwise sends Chinese as `?`), and a sendsms-user for MT with a dlr-url
 * back to the responder.
 *  - MO→reply: the simulator injects MO at BENCH_MO_RATE (200/s) for BENCH_MO_SECONDS and times each
 *    until the reply's first submit_sm arrives (same code for both systems: measureMo). The project
 *    looks a declaration up and renders its status; Kannel fetches a fixed text.
 *  - MT with intake: BENCH_INTAKE_N messages, one HTTP request each (project: the panel's send API;
 *    Kannel: /cgi-bin/sendsms), 50 in flight, to the last receipt recorded (project: done_at in the
 *    store; Kannel: its dlr-url call); p50/p99 = request sent → receipt recorded.
 * CPU ms per message: the server process, or bearerbox + smsbox (from /proc; the responder and the
 * load generator run in this process and are not counted). RSS: peak of the same processes.
 *
 * Env: SMSC_PROFILES (default "fast,slow"), KANNEL_PAIRS (default 2), BENCH_MO_RATE, BENCH_MO_SECONDS
 * (default 10), BENCH_INTAKE_N (default 5000), KANNEL_KEEP=1 keeps the temp dir (configs, logs),
 * KANNEL_BIN_DIR looks for bearerbox / smsbox only there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describeSmscOptions, smscProfileOptions } from '../src/sim/smsc/index.js';
import { percentile } from './lib.js';
import { startSmscProcess, type SmscProcess } from './smsc-process.js';
import { sleep, until } from './sms-common.js';
import {
  benchSmscOptions, closedLoop, cpuOf, measureMo, MT_TEXT, mtPhone, profilesFromEnv, projectMo, projectMtIntake, receiptsSettled, rssPeak, table,
  waitReplying, type Row,
} from './sms-scenarios.js';

function findBinary(name: string): string | null {
  const dirs = process.env.KANNEL_BIN_DIR ? [process.env.KANNEL_BIN_DIR] : [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const d of dirs) if (d && existsSync(join(d, name))) return join(d, name);
  return null;
}

const BEARERBOX = findBinary('bearerbox');
const SMSBOX = findBinary('smsbox');
if (!BEARERBOX || !SMSBOX) {
  console.log('kannel not installed, skipped');
  process.exit(0);
}

const RATE = Number(process.env.BENCH_MO_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_MO_SECONDS ?? 10);
const INTAKE_N = Number(process.env.BENCH_INTAKE_N ?? 5000);
const PAIRS = Number(process.env.KANNEL_PAIRS ?? 2);
/** Kannel's reply to every MO: one UCS2 segment. */
const REPLY = '【96365】您查询的办件已受理，正在办理中，办结后将短信通知您。';

// Every Kannel process started, killed on any exit of this process.
const kannelProcs = new Set<ChildProcess>();
const killAll = () => { for (const p of kannelProcs) { try { p.kill('SIGKILL'); } catch { /* gone */ } } };
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => { killAll(); process.exit(130); });

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address() as AddressInfo; s.close(() => resolve(port)); });
  });
}

/** The responder: MO → fixed reply; dlr-url calls recorded with their arrival time. */
interface Responder { port: number; dlrs: Map<number, number>; mo: number; close(): Promise<void> }
async function startResponder(): Promise<Responder> {
  const r: Responder = { port: 0, dlrs: new Map(), mo: 0, close: async () => undefined };
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname === '/mo') {
      r.mo++;
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'x-kannel-coding': '2' });
      res.end(REPLY);
      return;
    }
    if (u.pathname === '/dlr') {
      if (u.searchParams.get('d') === '1') r.dlrs.set(Number(u.searchParams.get('i')), Date.now());
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
      return;
    }
    res.writeHead(404); res.end();
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  r.port = (server.address() as AddressInfo).port;
  r.close = () => new Promise((res) => { server.closeAllConnections(); server.close(() => res()); });
  return r;
}

interface Kannel { bearerbox: ChildProcess; smsbox: ChildProcess; sendsmsPort: number; dir: string; stop(): Promise<void> }

async function startKannel(smscPort: number, responderPort: number): Promise<Kannel> {
  const dir = mkdtempSync(join(tmpdir(), 'kannel-bench-'));
  const [admin, boxPort, sendsms] = [await freePort(), await freePort(), await freePort()];
  const conf = join(dir, 'kannel.conf');
  writeFileSync(conf, `group = core
admin-port = ${admin}
admin-password = bench
status-password = bench
admin-allow-ip = "127.0.0.1"
smsbox-port = ${boxPort}
box-allow-ip = "127.0.0.1"
log-file = "${join(dir, 'bearerbox.log')}"
log-level = 3
store-type = file
store-location = "${join(dir, 'kannel.store')}"
dlr-storage = internal

group = smsc
smsc = smpp
smsc-id = sim
host = 127.0.0.1
port = ${smscPort}
transceiver-mode = true
smsc-username = hotline
smsc-password = secret
system-type = ""
interface-version = 34
max-pending-submits = 50
enquire-link-interval = 30
reconnect-delay = 1

group = smsbox
bearerbox-host = 127.0.0.1
sendsms-port = ${sendsms}
log-file = "${join(dir, 'smsbox.log')}"
log-level = 3
mo-recode = false

group = sendsms-user
username = bench
password = bench
max-messages = 1
concatenation = true

group = sms-service
keyword = default
catch-all = true
get-url = "http://127.0.0.1:${responderPort}/mo?from=%p&to=%P&text=%a"
max-messages = 1
concatenation = true
accept-x-kannel-headers = true
omit-empty = true
`);
  const run = (bin: string) => {
    const p = spawn(bin, ['-v', '4', conf], { cwd: dir, stdio: ['ignore', 'ignore', 'ignore'] });
    kannelProcs.add(p);
    p.once('exit', () => kannelProcs.delete(p));
    return p;
  };
  const bearerbox = run(BEARERBOX!);
  const statusOnline = async () => {
    try {
      const t = await (await fetch(`http://127.0.0.1:${admin}/status.txt?password=bench`)).text();
      return /\(online/.test(t);
    } catch { return false; }
  };
  if (!(await until(statusOnline, 30_000, 100))) { bearerbox.kill('SIGKILL'); throw new Error(`bearerbox did not bind to the SMSC (see ${dir})`); }
  const smsbox = run(SMSBOX!);
  const listening = async () => {
    try { await (await fetch(`http://127.0.0.1:${sendsms}/`)).arrayBuffer(); return true; } catch { return false; }
  };
  if (!(await until(listening, 30_000, 100))) { smsbox.kill('SIGKILL'); bearerbox.kill('SIGKILL'); throw new Error(`smsbox did not start (see ${dir})`); }
  await sleep(500); // smsbox ↔ bearerbox connection
  const stopOne = (p: ChildProcess) => new Promise<void>((res) => {
    if (p.exitCode !== null || p.signalCode !== null) { res(); return; }
    p.once('exit', () => res());
    p.kill('SIGTERM');
    setTimeout(() => p.kill('SIGKILL'), 3000).unref();
  });
  return {
    bearerbox, smsbox, sendsmsPort: sendsms, dir,
    stop: async () => {
      await stopOne(smsbox);
      await stopOne(bearerbox);
      if (process.env.KANNEL_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
      else console.log(`  (kannel dir kept: ${dir})`);
    },
  };
}

/** `fastDlrMs`: receipt delay in the fast profile, as the project's scenario uses it (MO 20 ms, MT 5 ms). */
async function withKannel<T>(profile: string, fastDlrMs: number, fn: (smsc: SmscProcess, k: Kannel, r: Responder) => Promise<T>): Promise<T> {
  const smsc = await startSmscProcess(benchSmscOptions(profile, fastDlrMs));
  const responder = await startResponder();
  let k: Kannel | null = null;
  try {
    k = await startKannel(smsc.port, responder.port);
    return await fn(smsc, k, responder);
  } finally {
    await k?.stop();
    killAll();
    await responder.close();
    await smsc.stop();
  }
}

async function kannelMo(profile: string): Promise<Row> {
  return withKannel(profile, 20, async (smsc, k) => {
    if (!(await waitReplying(smsc, 'CX 100000000019'))) throw new Error('kannel never replied to a first MO');
    const texts = ['查询 100000000019', 'cx100000000027', '100000000035'];
    const row = await measureMo(smsc, [k.bearerbox.pid!, k.smsbox.pid!], texts, { profile, rate: RATE, seconds: SECONDS }, 'kannel');
    const reply = row.samples[0]?.reply ?? '';
    if (reply !== REPLY) row.note = `${row.note}; reply ${JSON.stringify(reply.slice(0, 20))} ≠ expected`;
    return row;
  });
}

async function kannelIntake(profile: string): Promise<Row> {
  return withKannel(profile, 5, async (smsc, k, responder) => {
    const sendUrl = (i: number, phone: string) => `http://127.0.0.1:${k.sendsmsPort}/cgi-bin/sendsms?username=bench&password=bench&from=96365`
      + `&to=${encodeURIComponent(phone)}&text=${encodeURIComponent(MT_TEXT(i))}&charset=UTF-8&coding=2&dlr-mask=1`
      + `&dlr-url=${encodeURIComponent(`http://127.0.0.1:${responder.port}/dlr?i=${i}&d=%d`)}`;
    const send = async (i: number, phone: string) => {
      const res = await fetch(sendUrl(i, phone));
      await res.arrayBuffer();
      return res.status === 202 || res.status === 200;
    };
    // International form with '+': Kannel then sends TON 1 / NPI 1 (a bare 86… goes out as a national number, refused 0x0B).
    // Warm-up (indices above the measured range), delivered, before the clock starts.
    const W = 200;
    await closedLoop(W, 20, (i) => send(1_000_000 + i, `+${8613500000000 + i}`));
    await until(() => responder.dlrs.size >= W, 30_000, 20);
    await receiptsSettled(smsc);
    responder.dlrs.clear();
    const pids = [k.bearerbox.pid!, k.smsbox.pid!];
    const rss = rssPeak(pids);
    const cpu0 = cpuOf(pids);
    const t0 = performance.now();
    const load = await closedLoop(INTAKE_N, 50, (i) => send(i, '+86' + mtPhone(i)));
    const done = await until(() => responder.dlrs.size >= INTAKE_N - load.failed, 600_000, 20);
    const secs = (performance.now() - t0) / 1000;
    const cpu = cpuOf(pids) - cpu0;
    const e2e: number[] = [];
    for (let i = 0; i < INTAKE_N; i++) { const d = responder.dlrs.get(i); if (d !== undefined) e2e.push(d - load.startedAt[i]); }
    e2e.sort((a, b) => a - b);
    const req = [...load.latencies].sort((a, b) => a - b);
    const c = await smsc.counts();
    return {
      system: 'kannel', profile, scenario: `MT intake w50 n=${INTAKE_N}`, rate: INTAKE_N / secs,
      p50: percentile(e2e, 50), p99: percentile(e2e, 99), cpuMs: (cpu * 1000) / INTAKE_N, rssMb: rss.stop(),
      note: `${done ? '' : 'NOT ALL DELIVERED; '}intake ${Math.round(INTAKE_N / load.seconds)}/s (req p50 ${percentile(req, 50).toFixed(1)} p99 ${percentile(req, 99).toFixed(1)} ms)${load.failed ? `, ${load.failed} failed` : ''}${c.throttled ? `, throttled ${c.throttled}` : ''}; p = request → dlr-url; matched ${e2e.length}`,
    };
  });
}

const rows: Row[] = [];
const show = (r: Row) => { rows.push(r); console.log(table([r]).split('\n').slice(2).join('\n')); };
try {
  for (const profile of profilesFromEnv()) {
    console.log(`\nSMSC profile ${profile}: ${describeSmscOptions({ dlrDelayMs: 5, ...smscProfileOptions(profile, process.env) })}`);
    for (let i = 0; i < PAIRS; i++) {
      show(await projectMo({ profile, rate: RATE, seconds: SECONDS }));
      show(await kannelMo(profile));
    }
    for (let i = 0; i < PAIRS; i++) {
      show(await projectMtIntake({ profile, window: 50, messages: INTAKE_N }));
      show(await kannelIntake(profile));
    }
  }
} finally {
  killAll();
}
console.log('\nproject vs Kannel 1.4.5, same SMSC simulator, alternating runs (2-core machine shared with the load generator and the SMSC; indicative when other work runs):');
console.log(table(rows));
