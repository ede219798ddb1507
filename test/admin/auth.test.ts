import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, loggedIn, startAdmin, type AdminServer } from './helpers.js';
import { hashPassword, verifyPassword, generatePassword, passwordProblem } from '../../src/admin/passwords.js';
import { sameOrigin, readCookie } from '../../src/admin/auth.js';
import type { Store } from '../../src/store/index.js';

let s: AdminServer;

beforeAll(async () => {
  s = await startAdmin({ HOTLINE_ADMIN_LOCKOUT_ATTEMPTS: '3', HOTLINE_ADMIN_SESSION_HOURS: '8' });
  await s.admin.auth.createUser({ username: 'alice', role: 'admin', password: 'correct horse' });
  await s.admin.auth.createUser({ username: 'bob', role: 'operator', password: 'battery staple' });
  await s.admin.auth.createUser({ username: 'carol', role: 'supervisor', password: 'carol-pass-1' });
});
afterAll(async () => { await s.server.stop(); });

describe('passwords', () => {
  it('scrypt hashes: salted, verify, malformed never matches', async () => {
    const a = await hashPassword('密码 secret');
    const b = await hashPassword('密码 secret');
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(a).not.toBe(b);
    const cases: Array<[string, string, string, boolean]> = [
      ['right password', '密码 secret', a, true],
      ['wrong password', '密码 Secret', a, false],
      ['empty', '', a, false],
      ['malformed hash', 'x', 'scrypt$1$2', false],
      ['other scheme', 'x', 'bcrypt$abc', false],
      ['absurd cost refused', 'x', 'scrypt$99999999$8$1$AAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', false],
    ];
    for (const [label, pw, hash, ok] of cases) expect(await verifyPassword(pw, hash), label).toBe(ok);
    expect(generatePassword()).toMatch(/^[a-zA-Z2-9]{14}$/);
    expect(passwordProblem('short')).toMatch(/8/);
  });

  it('same-origin check table', () => {
    const cases: Array<[string, Record<string, string>, boolean]> = [
      ['no Origin (non-browser)', { host: 'a:1' }, true],
      ['same origin', { host: 'a:1', origin: 'http://a:1' }, true],
      ['other host', { host: 'a:1', origin: 'http://evil:1' }, false],
      ['other port', { host: 'a:1', origin: 'http://a:2' }, false],
      ['null origin', { host: 'a:1', origin: 'null' }, false],
      ['cross-site fetch metadata', { host: 'a:1', 'sec-fetch-site': 'cross-site' }, false],
      ['same-origin fetch metadata', { host: 'a:1', 'sec-fetch-site': 'same-origin', origin: 'http://a:1' }, true],
      // The scheme counts too: same host and port, other scheme is another origin.
      ['https page to the http panel', { host: 'a:1', origin: 'https://a:1' }, false],
      ['behind a TLS proxy: https page', { host: 'a', origin: 'https://a', 'x-forwarded-proto': 'https' }, true],
      ['behind a TLS proxy: plain-http page of the same host', { host: 'a', origin: 'http://a', 'x-forwarded-proto': 'https' }, false],
      ['proxy chain: the first proto counts', { host: 'a', origin: 'https://a', 'x-forwarded-proto': 'https, http' }, true],
      ['not http at all', { host: 'a:1', origin: 'ftp://a:1' }, false],
    ];
    for (const [label, headers, ok] of cases) expect(sameOrigin(headers), label).toBe(ok);
    // Served behind https (http.secure_cookies): the page must be https.
    expect(sameOrigin({ host: 'a', origin: 'https://a' }, { https: true }), 'https expected, https page').toBe(true);
    expect(sameOrigin({ host: 'a', origin: 'http://a' }, { https: true }), 'https expected, http page').toBe(false);
    expect(readCookie('a=1; hotline_sid=xyz; b=2', 'hotline_sid')).toBe('xyz');
    expect(readCookie(undefined, 'hotline_sid')).toBeUndefined();
  });
});

describe('login, session, logout', () => {
  it('logs in with a hardened cookie, stores only a hash of the session id, logs out', async () => {
    const c = new Client(s.url);
    const r = await c.login('alice', 'correct horse');
    expect(r.status).toBe(200);
    const cookie = r.headers.get('set-cookie')!;
    expect(cookie).toMatch(/hotline_sid=[\w-]{43};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/admin');
    expect(cookie).not.toContain('Secure');
    const sid = c.cookie!.split('=')[1];
    const rows = (s.server.ctx.store as Store).db.prepare('SELECT id_hash FROM staff_sessions').pluck().all() as string[];
    expect(rows.some((h) => h.includes(sid))).toBe(false);
    expect(rows.every((h) => /^[0-9a-f]{64}$/.test(h))).toBe(true);

    const me = await c.get('/admin/api/session');
    expect(me.status).toBe(200);
    expect(me.json.user).toMatchObject({ username: 'alice', role: 'admin' });
    expect(me.json.csrfToken).toBe(c.csrf);
    expect(me.headers.get('cache-control')).toBe('no-store');

    expect((await c.post('/admin/api/logout', {}, { csrf: false })).status).toBe(403); // logout needs the token too
    const out = await c.post('/admin/api/logout');
    expect(out.status).toBe(200);
    c.cookie = `hotline_sid=${sid}`; // replaying the old cookie does not work
    expect((await c.get('/admin/api/session')).status).toBe(401);
  });

  it('refuses a wrong password and unknown users alike', async () => {
    const table: Array<[string, string, string, number]> = [
      ['wrong password', 'carol', 'nope-nope', 401],
      ['unknown user', 'nobody', 'whatever1', 401],
      ['empty', '', '', 401],
    ];
    for (const [label, u, p, status] of table) {
      const r = await new Client(s.url).login(u, p);
      expect(r.status, label).toBe(status);
      expect(r.json.error, label).toBe('invalid_login');
    }
    expect((await new Client(s.url).login('carol', 'carol-pass-1')).status).toBe(200); // 1 failure does not lock
  });

  it('locks a username after lockout_attempts failures, even for the right password; unlocks after 15 minutes', async () => {
    await s.admin.auth.createUser({ username: 'dave', role: 'operator', password: 'dave-pass-1' });
    const c = new Client(s.url);
    expect((await c.login('dave', 'bad1-xxxx')).status).toBe(401);
    expect((await c.login('dave', 'bad2-xxxx')).status).toBe(401);
    const third = await c.login('dave', 'bad3-xxxx');
    expect(third.status).toBe(429);
    expect(third.json.error).toBe('locked');
    expect((await c.login('dave', 'dave-pass-1')).status).toBe(429);
    expect((await s.server.ctx.store.audit.list(5)).map((e) => e.action)).toContain('auth.locked');
    s.clock.offsetMs = 16 * 60_000;
    try {
      expect((await c.login('dave', 'dave-pass-1')).status).toBe(200);
    } finally { s.clock.offsetMs = 0; }
  });

  it('a session expires after session_hours', async () => {
    const c = await loggedIn(s.url, 'bob', 'battery staple');
    expect((await c.get('/admin/api/feedback')).status).toBe(200);
    s.clock.offsetMs = 8 * 3600_000 + 1000;
    try {
      expect((await c.get('/admin/api/feedback')).status).toBe(401);
    } finally { s.clock.offsetMs = 0; }
    expect((await c.get('/admin/api/feedback')).status).toBe(401); // deleted, not just hidden
  });

  it('CSRF: a state-changing request needs the session token and a same-origin Origin', async () => {
    const c = await loggedIn(s.url, 'alice', 'correct horse');
    const f = await s.server.ctx.feedback.create({ kind: 'complaint', channel: 'sms', phone: '13812341234', text: 'csrf test' });
    const path = `/admin/api/feedback/${f.id}/transcript`;
    const table: Array<[string, { csrf?: boolean; headers?: Record<string, string> }, number, string | null]> = [
      ['no token', { csrf: false }, 403, 'csrf'],
      ['wrong token', { csrf: false, headers: { 'x-csrf-token': 'x'.repeat(43) } }, 403, 'csrf'],
      ['foreign Origin', { headers: { origin: 'http://evil.example' } }, 403, 'bad_origin'],
      ['cross-site fetch', { headers: { 'sec-fetch-site': 'cross-site' } }, 403, 'bad_origin'],
      ['token and own Origin', { headers: { origin: s.url } }, 200, null],
    ];
    for (const [label, opts, status, error] of table) {
      const r = await c.post(path, { transcript: 'x' }, opts);
      expect(r.status, label).toBe(status);
      if (error) expect(r.json.error, label).toBe(error);
    }
    // Login from a foreign page is refused too.
    expect((await new Client(s.url).post('/admin/api/login', { username: 'alice', password: 'correct horse' }, { headers: { origin: 'http://evil.example' } })).status).toBe(403);
  });

  it('Secure cookie when configured', async () => {
    const s2 = await startAdmin({ HOTLINE_HTTP_SECURE_COOKIES: 'true' });
    try {
      await s2.admin.auth.createUser({ username: 'eve', role: 'admin', password: 'eve-pass-12' });
      const r = await new Client(s2.url).login('eve', 'eve-pass-12');
      expect(r.headers.get('set-cookie')).toContain('; Secure');
    } finally { await s2.server.stop(); }
  });

  it('changing the password ends the sessions', async () => {
    await s.admin.auth.createUser({ username: 'frank', role: 'operator', password: 'frank-pass-1' });
    const c = await loggedIn(s.url, 'frank', 'frank-pass-1');
    expect((await c.post('/admin/api/me/password', { current: 'wrong-one', password: 'frank-pass-2' })).status).toBe(422);
    expect((await c.post('/admin/api/me/password', { current: 'frank-pass-1', password: 'frank-pass-2' })).status).toBe(200);
    expect((await c.get('/admin/api/session')).status).toBe(401);
    expect((await new Client(s.url).login('frank', 'frank-pass-2')).status).toBe(200);
  });
});
