import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/web/rate-limit.js';
import { checkChallenge, makeChallenge, CHALLENGE_TTL_MS } from '../../src/web/challenge.js';
import { Signer } from '../../src/web/tokens.js';
import { escapeHtml, html, multiline } from '../../src/web/html.js';
import { checkAttachments, checkFeedbackForm, webPhone } from '../../src/web/validate.js';
import { parseMultipart, parseUrlEncoded } from '../../src/web/form-body.js';
import { OneTimeCodes } from '../../src/web/one-time-code.js';
import { maskDigits } from '../../src/web/pages/disclosure.js';
import { asyncify } from '../../src/store/async.js';
import { openDb, migrate } from '../../src/store/index.js';
import { SqliteWebRepo } from '../../src/store/repos/web.js';
import type { CategoryTree } from '../../src/workorders/categories.js';

describe('rate limiter (token bucket)', () => {
  it('steps', () => {
    let t = 0;
    const l = new RateLimiter({ capacity: 2, perMs: 60_000, now: () => t });
    // [time ms, key, expected take]
    const steps: Array<[number, string, boolean]> = [
      [0, 'a', true], [0, 'a', true], [0, 'a', false], [0, 'b', true],
      [29_999, 'a', false], [30_000, 'a', true], [30_000, 'a', false], [150_000, 'a', true], [150_000, 'a', true], [150_000, 'a', false],
    ];
    for (const [at, key, want] of steps) { t = at; expect(l.take(key), `${at} ${key}`).toBe(want); }
  });
  it('sweep drops full buckets and bounds the key count', () => {
    let t = 0;
    const l = new RateLimiter({ capacity: 1, perMs: 1000, now: () => t, maxKeys: 3 });
    for (const k of ['a', 'b', 'c']) l.take(k);
    t = 5000; l.sweep();
    expect(l.size).toBe(0);
    t = 0; for (const k of ['a', 'b', 'c', 'd']) l.take(k);
    expect(l.size).toBeLessThanOrEqual(3);
  });
});

describe('challenge', () => {
  const s = new Signer('k');
  const zh = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];
  const answerOf = (q: string) => { const m = /^(.)加(.+?)等于几/.exec(q)!; return zh.indexOf(m[1]) + zh.indexOf(m[2]); };
  it('table', () => {
    const seen = new Map<string, number>();
    const c = makeChallenge(s, 1000, () => 4, 'n1'); // 5 + 5
    expect(c.question).toBe('五加五等于几？（请填写阿拉伯数字）');
    const cases: Array<[string, string | undefined, string | undefined, number, string]> = [
      ['no answer', c.token, undefined, 1000, 'missing'],
      ['wrong', c.token, '9', 1000, 'wrong'],
      ['forged token', c.token.replace(/.$/, (x) => (x === 'A' ? 'B' : 'A')), '10', 1000, 'wrong'],
      ['expired', c.token, '10', 1000 + CHALLENGE_TTL_MS + 1, 'expired'],
      ['full-width digits ok', c.token, '１０', 1000, 'ok'],
      ['replayed', c.token, '10', 1000, 'replayed'],
    ];
    for (const [label, token, answer, now, want] of cases) expect(checkChallenge(s, token, answer, now, seen), label).toBe(want);
    const other = makeChallenge(new Signer('other'), 1000, () => 1, 'n2');
    expect(checkChallenge(s, other.token, String(answerOf(other.question)), 1000, seen)).toBe('wrong');
  });
});

describe('html escaping', () => {
  it('table', () => {
    const cases: Array<[unknown, string]> = [['<script>', '&lt;script&gt;'], ['"a" & \'b\'', '&quot;a&quot; &amp; &#39;b&#39;'], [null, ''], [12, '12'], ['`x`', '&#96;x&#96;']];
    for (const [v, want] of cases) expect(escapeHtml(v)).toBe(want);
    expect(html`<p title="${'"><x'}">${'<b>'}${html`<i>ok</i>`}${['<', html`<br>`]}</p>`.value).toBe('<p title="&quot;&gt;&lt;x">&lt;b&gt;<i>ok</i>&lt;<br></p>');
    expect(multiline('a<\nb').value).toBe('a&lt;<br>b');
  });
});

describe('form validation', () => {
  const tree = { categories: new Map([['road', { code: 'road', name: '道路', path: '城建/道路' }]]) } as unknown as CategoryTree;
  const good = { kind: 'complaint', text: '路灯不亮', phone: '13900001111', category: 'road', address: '人民路1号', notify: '1' };
  it('table', () => {
    const cases: Array<[string, Record<string, string>, string[] | null]> = [
      ['good', good, null],
      ['kind', { ...good, kind: 'report' }, ['kind']],
      ['unknown category', { ...good, category: 'x' }, ['category']],
      ['empty text', { ...good, text: '  ' }, ['text']],
      ['long text', { ...good, text: '字'.repeat(2001) }, ['text']],
      ['NUL in text', { ...good, text: 'a\u0000b' }, ['text']],
      ['bad phone', { ...good, phone: '12345' }, ['phone']],
      ['long address', { ...good, address: '址'.repeat(201) }, ['address']],
    ];
    for (const [label, f, errs] of cases) {
      const r = checkFeedbackForm(f, tree);
      if (errs === null) expect(r.ok, label).toBe(true);
      else { expect(r.ok, label).toBe(false); if (!r.ok) expect(Object.keys(r.errors), label).toEqual(errs); }
    }
    const r = checkFeedbackForm({ ...good, notify: '' }, tree);
    expect(r.ok && r.value.notify).toBe(false);
    expect(r.ok && r.value.phone).toBe('8613900001111');
  });
  it('phones', () => {
    const cases: Array<[string, string | null]> = [['139 0000 1111', '8613900001111'], ['+86 139-0000-1111', '8613900001111'], ['0579-85123456', '8657985123456'], ['12', null], ['abc', null]];
    for (const [typed, want] of cases) expect(webPhone(typed), typed).toBe(want);
  });
  it('attachments by content, count and size', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2]);
    const pdf = Buffer.from('%PDF-1.4 x');
    const exe = Buffer.from('MZ\x90\x00');
    const f = (data: Buffer, mime = 'image/png') => ({ field: 'files', fileName: 'a', mime, data });
    const cases: Array<[string, ReturnType<typeof f>[], number, number, boolean]> = [
      ['png', [f(png)], 3, 100, true], ['pdf claimed png', [f(pdf)], 3, 100, true], ['exe claimed png', [f(exe)], 3, 100, false],
      ['too big', [f(png)], 3, 5, false], ['too many', [f(png), f(png)], 1, 100, false], ['none allowed', [f(png)], 0, 100, false],
    ];
    for (const [label, files, max, bytes, ok] of cases) expect(checkAttachments(files, max, bytes).ok, label).toBe(ok);
  });
});

describe('form bodies', () => {
  it('urlencoded: first value wins', () => {
    expect(parseUrlEncoded('a=1&a=2&b=%E4%BD%A0').fields).toEqual({ a: '1', b: '你' });
  });
  it('multipart: fields and files', () => {
    const b = '----x';
    const body = Buffer.concat([
      Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="text"\r\n\r\n你好\r\n`),
      Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="files"; filename="照片.png"\r\nContent-Type: image/png\r\n\r\n`, 'utf8'), Buffer.from([0x89, 0x50, 0x0d, 0x0a, 0x00]),
      Buffer.from(`\r\n--${b}\r\nContent-Disposition: form-data; name="files"; filename=""\r\nContent-Type: application/octet-stream\r\n\r\n\r\n--${b}--\r\n`),
    ]);
    const r = parseMultipart(body, `multipart/form-data; boundary=${b}`);
    expect(r.fields).toEqual({ text: '你好' });
    expect(r.files).toHaveLength(1);
    expect(r.files[0].fileName).toBe('照片.png');
    expect([...r.files[0].data]).toEqual([0x89, 0x50, 0x0d, 0x0a, 0x00]);
    expect(() => parseMultipart(Buffer.from('junk'), 'multipart/form-data; boundary=zz')).toThrow();
  });
});

describe('one-time codes', () => {
  it('steps: wrong tries count, the right one is used once, expiry', async () => {
    const db = openDb(':memory:'); migrate(db);
    const repo = asyncify(new SqliteWebRepo(db));
    let now = new Date('2026-12-01T00:00:00Z');
    const codes = new OneTimeCodes(repo, new Signer('k'), { minutes: 10, attempts: 3, now: () => now, random: () => '123456' });
    await codes.issue('subscribe:86139:1');
    expect((await repo.code('subscribe:86139:1'))!.codeHash).not.toContain('123456');
    const steps: Array<[string, string, string]> = [
      ['subscribe:86139:2', '123456', 'missing'], // another declaration
      ['subscribe:86139:1', '000000', 'wrong'],
      ['subscribe:86139:1', '１２３４５６', 'ok'],
      ['subscribe:86139:1', '123456', 'missing'],
    ];
    for (const [key, typed, want] of steps) expect(await codes.check(key, typed), `${key} ${typed}`).toBe(want);
    await codes.issue('k2');
    expect(await codes.check('k2', '1')).toBe('wrong');
    expect(await codes.check('k2', '2')).toBe('wrong');
    expect(await codes.check('k2', '3')).toBe('too-many');
    expect(await codes.check('k2', '123456')).toBe('missing');
    await codes.issue('k3');
    now = new Date(now.getTime() + 10 * 60_000);
    expect(await codes.check('k3', '123456')).toBe('expired');
    db.close();
  });
});

describe('public board masking', () => {
  it('table', () => {
    const cases: Array<[string, string]> = [['我的电话13912345678', '我的电话139******78'], ['门牌12号', '门牌12号'], ['身份证330102199001011234', '身份证330*************34']];
    for (const [s, want] of cases) expect(maskDigits(s), s).toBe(want);
  });
});

describe('local times on the pages', () => {
  it('table (offset cached per zone and hour; DST changes on the hour)', async () => {
    const { localTime } = await import('../../src/web/pages/layout.js');
    const cases: Array<[string, string, string]> = [
      ['2026-12-03T06:30:00Z', 'Asia/Shanghai', '2026-12-03 14:30'], ['2026-12-31T16:00:00Z', 'Asia/Shanghai', '2027-01-01 00:00'],
      ['2026-03-29T00:59:00Z', 'Europe/Berlin', '2026-03-29 01:59'], ['2026-03-29T01:00:00Z', 'Europe/Berlin', '2026-03-29 03:00'], ['bad', 'Asia/Shanghai', ''],
    ];
    for (const [iso, tz, want] of cases) expect(localTime(iso, tz), `${iso} ${tz}`).toBe(want);
  });
});
