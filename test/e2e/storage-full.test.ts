/**
 * A full disk is an incident, not an exit. The server runs in its own process; the SQLite file is made
 * really full (PRAGMA max_page_count = its current size: SQLite answers SQLITE_FULL exactly as on a full
 * disk) in the middle of a 400-subscriber push, then the space comes back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { addDepartment } from '../../src/departments.js';
import { SmscSimulator, DEFAULT_SMSC_CREDENTIALS } from '../../src/sim/smsc/index.js';
import { Store } from '../../src/store/index.js';
import { tempDir } from '../helpers/context.js';
import { until } from '../helpers/wait.js';
import { promptDone, startVoiceServer, THURSDAY_10, waitPrompt } from '../voice/calls/helpers.js';
import { startServer } from '../../src/app.js';
import { memoryLogger } from '../../src/log.js';
import { testConfig } from '../helpers/context.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => { for (const c of cleanups.reverse()) await c(); });

const QUIET_OFF = { HOTLINE_SMS_QUIET_START: '00:00', HOTLINE_SMS_QUIET_END: '00:00' };

/** until() for an async condition. */
async function untilAsync<T>(fn: () => Promise<T | null | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Child { child: ChildProcess; url: string; lines: string[]; exited: () => boolean; send(cmd: 'full' | 'space'): Promise<number> }

async function spawnServer(env: NodeJS.ProcessEnv): Promise<Child> {
  const fixture = join(import.meta.dirname, 'fixtures', 'storage-full-server.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  cleanups.push(() => { child.kill('SIGKILL'); });
  let exited = false;
  const lines: string[] = [];
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d;
    const parts = err.split('\n');
    err = parts.pop()!;
    lines.push(...parts);
  });
  const acks: string[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    out += d;
    for (const m of out.matchAll(/^ok (\w+)$/gm)) acks.push(m[1]);
    out = out.slice(out.lastIndexOf('\n') + 1);
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    const on = (d: Buffer) => { buf += d; const m = /listening on (http:\/\/\S+)/.exec(buf); if (m) resolve(m[1]); };
    child.stdout!.on('data', on);
    child.once('exit', (c) => reject(new Error(`server exited ${c}: ${lines.slice(-20).join('\n')}`)));
  });
  child.once('exit', () => { exited = true; });
  return {
    child, url, lines, exited: () => exited,
    async send(cmd) {
      const n = acks.filter((a) => a === cmd).length;
      child.stdin!.write(`${cmd}\n`);
      await until(() => acks.filter((a) => a === cmd).length > n || exited, 5000, `ok ${cmd}`);
      return lines.length;
    },
  };
}

describe('full disk', () => {
  it('during a push: the process stays up, answers 503, nacks MO, bounded logs; when space returns the push completes, nothing lost, nothing twice', async () => {
    const sim = new SmscSimulator({ ...DEFAULT_SMSC_CREDENTIALS, dlrDelayMs: 5, deliverRetryMs: 200 });
    await sim.start({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => sim.stop());
    const dir = tempDir();
    const store = Store.open(join(dir, 'hotline.db'));
    const { department, apiKey } = await addDepartment(store, 'SCJG', '市市场监督管理局');
    const now = new Date().toISOString();
    store.db.prepare(`INSERT INTO declarations (query_code, department_id, dept_ref, item_name, status, status_at, accepted_at, created_at, updated_at) VALUES ('100000000019', ?, 'K-1', '食品经营许可', 'accepted', ?, ?, ?, ?)`).run(department.id, now, now, now, now);
    const declId = (store.db.prepare('SELECT id FROM declarations').get() as { id: number }).id;
    const phones = Array.from({ length: 400 }, (_, i) => `1370000${String(i).padStart(4, '0')}`);
    await store.transaction(async () => { for (const p of phones) await store.subscriptions.insert(p, declId, 'sms', now); });
    await store.close();

    const s = await spawnServer({
      ...process.env, HOTLINE_DATA_DIR: dir, HOTLINE_HTTP_PORT: '0', HOTLINE_LOG_LEVEL: 'info', HOTLINE_SMPP_HOST: '127.0.0.1', HOTLINE_SMPP_PORT: String(sim.port),
      HOTLINE_SMPP_SYSTEM_ID: DEFAULT_SMSC_CREDENTIALS.systemId, HOTLINE_SMPP_PASSWORD: DEFAULT_SMSC_CREDENTIALS.password, HOTLINE_SMPP_TPS: '100',
      HOTLINE_SMPP_WINDOW: '10', HOTLINE_SMS_NOTIFY_APPLICANT: 'false', HOTLINE_ADMIN_DEMO: 'off', HOTLINE_ARI_URL: '', ...QUIET_OFF,
    });
    const api = (method: string, path: string, body?: unknown) => fetch(`${s.url}${path}`, {
      method, headers: { authorization: `Bearer ${apiKey}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
    });
    const res = await api('POST', '/api/v1/declarations/K-1/events', { eventId: 'k1', stepName: '审批', status: 'approved', occurredAt: new Date().toISOString() });
    expect(res.status).toBe(201);
    await sim.waitFor(() => sim.counts.accepted >= 60, 20_000, '60 submits');

    // Log lines (stderr) can arrive before the fixture's ack (stdout): count them from before the command.
    const fullAt = s.lines.length;
    await s.send('full');
    const fullSince = Date.now();
    // /health says so (and the process is still there to say it).
    const health = await untilAsync(async () => {
      if (s.exited()) throw new Error(`the server process exited:\n${s.lines.slice(-8).join('\n')}`);
      const r = await fetch(`${s.url}/health`).catch(async (e) => {
        await until(() => s.exited(), 2000, 'exit').catch(() => undefined);
        throw s.exited() ? new Error(`the server process exited:\n${s.lines.slice(-8).join('\n')}`) : e;
      });
      const b = await r.json() as { status: string; components: Record<string, { ok: boolean; state: string }> };
      return b.components.storage?.state === 'full' ? { status: r.status, body: b } : null;
    }, 10_000, 'health: storage full');
    expect(health.status).toBe(503);
    expect(health.body.status).toBe('degraded');
    // Department writes: whatever still fits in the file is stored (201); the first that does not gets a clear 503.
    let refused: { status: number; body: { error: string; message: string } } | null = null;
    for (let i = 0; i < 200 && !refused; i++) {
      const r = await api('PUT', `/api/v1/declarations/FULL-${i}`, { itemName: `食品经营许可证新办${'（补充材料）'.repeat(20)}`, applicantName: '张晓明', applicantPhone: '13912345678' });
      expect([201, 503]).toContain(r.status);
      if (r.status === 503) refused = { status: r.status, body: await r.json() as { error: string; message: string } };
    }
    expect(refused, 'a PUT answered 503').not.toBeNull();
    expect(refused!.body.error).toBe('storage_unavailable');
    expect(refused!.body.message).toMatch(/存储空间不足/);
    // Inbound SMS: a part that cannot be stored is not acknowledged (temporary error), so the SMSC keeps it.
    const moFrom = Array.from({ length: 30 }, (_, i) => `1385555${String(i).padStart(4, '0')}`);
    const moDone: Array<Promise<void>> = [];
    const nacks = () => sim.pdus.filter((p) => p.dir === 'in' && p.command === 'deliver_sm_resp' && p.status === 0x64).length;
    for (const from of moFrom) {
      moDone.push(sim.injectMo({ from, to: '96365', text: `ZX 请问营业执照怎么办理${'，谢谢'.repeat(20)}`, timeoutMs: 120_000 }));
      await new Promise((r) => setTimeout(r, 20));
    }
    await until(() => nacks() > 0, 10_000, 'an MO answered ESME_RX_T_APPN');
    // Hold the full disk a while: before the fix the process died within a second of the first failed flush.
    await until(() => Date.now() - fullSince > 3000 || s.exited(), 10_000, 'three seconds full');
    expect(s.exited(), 'the server process is still running').toBe(false);
    const duringFull = s.lines.slice(fullAt);
    // Still full: the small writes that fitted (the 201s above) did not end the incident.
    const still = await (await fetch(`${s.url}/health`)).json() as { components: Record<string, { state: string; detail: { failures: number } }> };
    expect(still.components.storage.state).toBe('full');
    expect(still.components.storage.detail.failures).toBeGreaterThan(1);

    const spaceAt = s.lines.length;
    await s.send('space');
    // Everything resumes by itself: the push completes, the MO are answered, each once.
    await sim.waitFor(() => phones.every((p) => sim.received(p).length >= 1) || null, 60_000, 'every subscriber received the push');
    await Promise.all(moDone);
    await sim.waitFor(() => moFrom.every((p) => sim.received(p).length >= 1) || null, 30_000, 'every MO answered');
    const check = () => { const st = Store.open(join(dir, 'hotline.db')); try { return st.sync.sms.countsByStatus(); } finally { st.closeSync(); } };
    await until(() => (check().delivered === phones.length + moFrom.length ? true : null), 30_000, 'every row delivered');
    const h2 = await (await fetch(`${s.url}/health`)).json() as { components: Record<string, { state: string }> };
    expect(['ok', 'low']).toContain(h2.components.storage.state);
    expect(s.exited()).toBe(false);
    // Nothing twice: no submit lost its response, so nobody got the push (or a reply) twice.
    expect(phones.filter((p) => sim.received(p).length !== 1)).toEqual([]);
    expect(moFrom.filter((p) => sim.received(p).length !== 1)).toEqual([]);
    // Logging while full: one line on entering the state (the fixed one), no flood.
    const storageLines = duringFull.filter((l) => /storage|存储/i.test(l));
    expect(storageLines.length, storageLines.join('\n')).toBeGreaterThanOrEqual(1);
    expect(storageLines.length, storageLines.join('\n')).toBeLessThanOrEqual(3);
    expect(duringFull.length, duringFull.join('\n')).toBeLessThanOrEqual(15);
    expect(duringFull.filter((l) => /pump failed/.test(l))).toEqual([]);
    expect(storageLines.filter((l) => /writable again/.test(l))).toEqual([]);
    expect(s.lines.slice(spaceAt).filter((l) => /storage writable again/.test(l))).toHaveLength(1);
  }, 180_000);
});

/**
 * Fault injection on top of the real limit: every write statement throws SqliteError SQLITE_FULL while
 * `on` is set (so the test decides which write fails), and max_page_count holds the file at its size (so
 * the storage probe sees no room either, as on a real full disk).
 */
function diskFull(db: Database.Database) {
  const proto = Object.getPrototypeOf(db.prepare('SELECT 1')) as { run: (...a: unknown[]) => unknown; reader: boolean };
  const run = proto.run;
  let on = false;
  proto.run = function (this: { reader: boolean }, ...args: unknown[]) {
    if (on && !this.reader) throw new Database.SqliteError('database or disk is full', 'SQLITE_FULL');
    return run.apply(this, args);
  };
  return {
    fill() { on = true; db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`); },
    free() { on = false; db.pragma('max_page_count = 1073741823'); },
    restore() { on = false; proto.run = run; },
  };
}

describe('full disk during calls', () => {
  it('a caller whose complaint cannot be stored hears the apology, the call ends cleanly, the API answers 503; once space is back the next call works', async () => {
    const t = await startVoiceServer({}, { clockAt: THURSDAY_10 });
    cleanups.push(() => t.stop());
    const { apiKey } = await addDepartment(t.server.ctx.store, 'RSJ', '市人力资源和社会保障局');
    const disk = diskFull((t.server.ctx.store as Store).db);
    cleanups.push(() => disk.restore());
    const recordings = join(t.server.ctx.config.data.dir, 'recordings');
    const leaveMessage = async (phone: string) => {
      const call = t.sim.startCall({ from: phone });
      await promptDone(t.voice, call, 'main_menu');
      await call.press('2');
      await call.waitFor('RecordingStarted');
      await new Promise((r) => setTimeout(r, 150)); // 15 s of speech at 100×
      await call.press('#');
      await promptDone(t.voice, call, 'review_menu');
      return call;
    };

    const phone1 = '13911117777';
    const call1 = await leaveMessage(phone1);
    disk.fill();
    await call1.press('3');
    await waitPrompt(t.voice, call1, 'submit_failed', 8000); // 对不起，提交未成功，请稍后再拨。
    await call1.ended;
    expect(await t.server.ctx.store.feedback.list({ q: phone1 })).toEqual([]);
    expect(existsSync(recordings) ? readdirSync(recordings) : []).toEqual([]); // no orphaned copy of the caller's voice
    const health = await fetch(`${t.server.url}/health`);
    expect(health.status).toBe(503);
    expect(((await health.json()) as { components: Record<string, { state: string }> }).components.storage.state).toBe('full');
    const r = await fetch(`${t.server.url}/api/v1/declarations/SC-FULL-1`, {
      method: 'PUT', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ itemName: '食品经营许可证新办' }),
    });
    expect(r.status).toBe(503);
    expect(await r.json()).toMatchObject({ error: 'storage_unavailable', message: expect.stringMatching(/^存储空间不足/) });

    disk.free();
    const phone2 = '13911118888';
    const call2 = await leaveMessage(phone2);
    await call2.press('3');
    await waitPrompt(t.voice, call2, 'feedback_received', 8000);
    await call2.ended;
    const f = await untilAsync(async () => (await t.server.ctx.store.feedback.list({ q: phone2 }))[0], 5000, 'feedback of the next call');
    expect(f.recordingPath).toBeTruthy();
    const smsc = t.server.channels.simulators.smsc!;
    await smsc.waitFor(() => smsc.received(phone2).find((m) => m.includes(f.ref)), 8000, 'confirmation SMS');
    // The call log rows written while the disk was full were kept and written afterwards.
    await untilAsync(async () => (await t.voice.recentCalls(50)).find((c) => c.callId === call1.id && c.endedAt), 8000, 'call 1 in the call log');
    const h2 = await (await fetch(`${t.server.url}/health`)).json() as { components: Record<string, { state: string }> };
    expect(['ok', 'low']).toContain(h2.components.storage.state);
  }, 60_000);
});

describe('started on a full disk', () => {
  it('starts (no crash, no log flood), answers 503 and /health full; sends the waiting push once there is space, each message once', async () => {
    const sim = new SmscSimulator({ ...DEFAULT_SMSC_CREDENTIALS, dlrDelayMs: 5, deliverRetryMs: 200 });
    await sim.start({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => sim.stop());
    const dir = tempDir();
    const config = testConfig({ ...QUIET_OFF, HOTLINE_SMPP_TPS: '0', HOTLINE_LOG_LEVEL: 'info' }, dir);
    // A first run queues 50 messages and stops before sending them (the SMSC refuses binds meanwhile).
    sim.options.refuseBinds = true;
    const first = await startServer(config, { log: memoryLogger(), smscSimulator: sim, voice: false });
    const phones = Array.from({ length: 50 }, (_, i) => `1360000${String(i).padStart(4, '0')}`);
    await first.channels.sms.outbox.queueAll(phones.map((p) => ({ phone: p, text: `通知 ${p}`, reason: 'manual' as const })));
    const { apiKey } = await addDepartment(first.ctx.store, 'SCJG', '市市场监督管理局');
    await first.stop();
    sim.options.refuseBinds = false;

    const store = Store.open(join(dir, 'hotline.db'));
    const disk = diskFull(store.db);
    cleanups.push(() => disk.restore());
    disk.fill();
    const log = memoryLogger();
    const s = await startServer(config, { log, smscSimulator: sim, store, voice: false });
    cleanups.push(() => s.stop());
    await until(() => s.channels.sms.link.state === 'bound', 5000, 'bound');
    const h = await fetch(`${s.url}/health`);
    expect(h.status).toBe(503);
    expect(((await h.json()) as { components: Record<string, { state: string }> }).components.storage.state).toBe('full');
    const r = await fetch(`${s.url}/api/v1/declarations/X-1`, {
      method: 'PUT', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ itemName: '食品经营许可证新办' }),
    });
    expect(r.status).toBe(503);
    const fullSince = Date.now();
    await until(() => Date.now() - fullSince > 2500, 10_000, 'a while on a full disk');
    expect(sim.counts.submits).toBe(0); // nothing sent before the restart's recovery could be written
    const lines = log.lines.length;
    expect(lines, log.lines.join('\n')).toBeLessThanOrEqual(20);
    expect(log.lines.filter((l) => /pump failed/.test(l))).toEqual([]);

    disk.free();
    await sim.waitFor(() => phones.every((p) => sim.received(p).length >= 1) || null, 40_000, 'every message sent');
    await until(() => store.sync.sms.countsByStatus().delivered === phones.length, 20_000, 'every row delivered');
    expect(phones.filter((p) => sim.received(p).length !== 1)).toEqual([]);
  }, 90_000);
});
