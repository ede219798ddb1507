/**
 * Send intake under kill -9: the server (`hotline start`, its own process) is killed the moment the
 * 60th manual send is answered, with more sends and bulk notices in flight. Every request that got a
 * 2xx must have its rows in the outbox (and its audit row) when the data directory is opened again.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/context.js';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli.ts');
const cleanups: Array<() => void> = [];
afterAll(() => { for (const c of cleanups.reverse()) c(); });

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('send intake: kill -9', () => {
  it('every 2xx (manual sends, bulk notices) is in the outbox after kill -9 in the middle of the load', async () => {
    const dir = tempDir();
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const env = {
      ...process.env, HOTLINE_DATA_DIR: dir, HOTLINE_HTTP_PORT: '0', HOTLINE_LOG_LEVEL: 'info', HOTLINE_ADMIN_DEMO: 'off', HOTLINE_ARI_URL: '',
      HOTLINE_VOICE_TTS: 'none', HOTLINE_SMPP_HOST: '127.0.0.1', HOTLINE_SMPP_PORT: String(await closedPort()),
      HOTLINE_SMS_QUIET_START: '00:00', HOTLINE_SMS_QUIET_END: '00:00',
    };
    const cli = (...args: string[]) => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { env, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
      return r.stdout.trim();
    };
    cli('user', 'add', 'killer', '--role', 'admin', '--password', 'kill-pass-1');
    const apiKey = cli('dept', 'add', 'SCJG', '市市场监督管理局');

    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CLI, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    cleanups.push(() => { child.kill('SIGKILL'); });
    const url = await new Promise<string>((resolve, reject) => {
      let buf = '';
      const on = (d: Buffer) => { buf += d; const m = /listening on (http:\/\/\S+)/.exec(buf); if (m) resolve(m[1]); };
      child.stdout!.on('data', on); child.stderr!.on('data', on);
      child.once('exit', (c) => reject(new Error(`server exited ${c}: ${buf.slice(-1500)}`)));
    });
    const login = await fetch(`${url}/admin/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'killer', password: 'kill-pass-1' }) });
    expect(login.status).toBe(200);
    const cookie = `hotline_sid=${/hotline_sid=([^;]*)/.exec(login.headers.get('set-cookie') ?? '')![1]}`;
    const csrf = ((await login.json()) as { csrfToken: string }).csrfToken;

    const KILL_AFTER = 60;
    const sentIds: number[] = [];
    const notices: string[] = [];
    let killed = false;
    const kill = () => { if (!killed) { killed = true; child.kill('SIGKILL'); } };
    const send = async (i: number) => {
      try {
        const r = await fetch(`${url}/admin/api/sms/send`, {
          method: 'POST', headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf },
          body: JSON.stringify({ phone: String(13900000000 + i), text: `人工短信 ${i}` }),
        });
        if (r.status !== 200) return;
        const body = (await r.json()) as { id: number };
        sentIds.push(body.id);
        if (sentIds.length >= KILL_AFTER) kill(); // at once, in the same turn as the answer
      } catch { /* in flight at the kill */ }
    };
    const bulk = async (k: number) => {
      try {
        const r = await fetch(`${url}/api/v1/notices`, {
          method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
          body: JSON.stringify({ eventId: `kill-${k}`, text: '通知', recipients: Array.from({ length: 200 }, (_, j) => String(13700000000 + k * 1000 + j)) }),
        });
        if (r.status === 201) notices.push(`kill-${k}`);
      } catch { /* in flight at the kill */ }
    };
    // Waves until the kill: sends and bulk notices interleaved, 20 in flight.
    let i = 0;
    while (!killed && i < 5000) {
      await Promise.all([...Array.from({ length: 20 }, () => send(i++)), bulk(i)]);
    }
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    expect(killed).toBe(true);
    expect(sentIds.length).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(notices.length).toBeGreaterThanOrEqual(2); // the waves before the kill's wave completed

    const db = new Database(join(dir, 'hotline.db'), { readonly: true });
    cleanups.push(() => db.close());
    const has = db.prepare('SELECT COUNT(*) FROM sms_outbox WHERE id = ?').pluck();
    const missing = sentIds.filter((id) => has.get(id) !== 1);
    expect(missing).toEqual([]);
    const audited = db.prepare(`SELECT COUNT(*) FROM audit_log WHERE action = 'sms.send'`).pluck().get() as number;
    expect(audited).toBeGreaterThanOrEqual(sentIds.length);
    const perNotice = db.prepare('SELECT COUNT(*) FROM sms_outbox WHERE dedupe_key LIKE ?').pluck();
    for (const key of notices) expect(perNotice.get(`notice:dept:%:${key}:%`), key).toBe(200);
  }, 120_000);
});
