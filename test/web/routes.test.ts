import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webHarness, Visitor, type WebHarness } from './helpers.js';
import { withCheckDigit } from '../../src/domain/query-code.js';

let h: WebHarness;
let code: string;
let deptRef: string;

beforeAll(async () => {
  h = await webHarness({ HOTLINE_WEB_QUERY_PER_MINUTE: '1000' });
  const dept = (await h.ctx.store.departments.byCode('SCJG'))!;
  const { declaration } = await h.ctx.declarations.upsert(dept, 'SC-2026-001', { itemName: '食品经营许可<script>', applicantName: '张晓明', applicantPhone: '13912345678', timeLimitDays: 5 });
  code = declaration.queryCode;
  deptRef = 'SC-2026-001';
  await h.ctx.declarations.applyStatusEvent(dept, code, { eventId: 'e1', stepName: '审核', status: 'in_progress', handlerName: '李娜', handlerTitle: '科员', opinion: '材料齐全<b>', occurredAt: new Date().toISOString() });
});
afterAll(async () => { await h.close(); });

/** A 12-digit code with a valid check digit that no declaration has. */
const unknownCode = () => withCheckDigit('99999999999');
/** The same code with its check digit changed. */
const badDigit = (c: string) => c.slice(0, 11) + String((Number(c[11]) + 1) % 10);

describe('public web window: 办件查询', () => {
  it('query code: good / bad check digit / unknown', async () => {
    const v = new Visitor(h.app);
    const cases: Array<[string, () => string, number, string]> = [
      ['good code shows status and timeline', () => code, 200, '办理中'],
      ['bad check digit says mistyped', () => badDigit(code), 400, '查询码有误'],
      ['unknown code: only 未找到', unknownCode, 404, '未找到'],
      ['too short: mistyped', () => '12345', 400, '查询码有误'],
    ];
    for (const [label, c, status, text] of cases) {
      const res = await v.get(`/web/query/result?code=${c()}`);
      expect(res.statusCode, label).toBe(status);
      expect(res.body, label).toContain(text);
    }
    const good = await v.get(`/web/query/result?code=${code}`);
    expect(good.body).toContain('李娜');
    expect(good.body).toContain('科员');
    expect(good.body).toContain('张*明'); // applicant masked
    expect(good.body).toContain('139****5678');
    expect(good.body).not.toContain('13912345678');
  });

  it('citizen and department text is escaped', async () => {
    const res = await new Visitor(h.app).get(`/web/query/result?code=${code}`);
    expect(res.body).toContain('食品经营许可&lt;script&gt;');
    expect(res.body).toContain('材料齐全&lt;b&gt;');
    expect(res.body).not.toContain('<script>');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
  });

  it('department reference + last 4 digits; wrong digits and unknown ref say the same 未找到', async () => {
    const v = new Visitor(h.app);
    await v.get('/web/query');
    const cases: Array<[string, Record<string, string>, number, string]> = [
      ['right ref and digits', { ref: deptRef, phone4: '5678' }, 200, '办理过程'],
      ['wrong last 4', { ref: deptRef, phone4: '0000' }, 404, '未找到'],
      ['unknown ref', { ref: 'NOPE-1', phone4: '5678' }, 404, '未找到'],
    ];
    const bodies: Record<string, string> = {};
    for (const [label, fields, status, text] of cases) {
      const res = await v.post('/web/query/ref', fields);
      expect(res.statusCode, label).toBe(status);
      expect(res.body, label).toContain(text);
      bodies[label] = res.body.replace(/value="[^"]*"/g, '');
    }
    expect(bodies['wrong last 4']).toBe(bodies['unknown ref']);
  });

  it('a POST without the CSRF token of its cookie is refused; the honeypot refuses', async () => {
    const v = new Visitor(h.app);
    await v.get('/web/query');
    expect((await v.post('/web/query/ref', { ref: deptRef, phone4: '5678' }, { csrf: null })).statusCode).toBe(403);
    expect((await v.post('/web/query/ref', { ref: deptRef, phone4: '5678' }, { csrf: 'forged' })).statusCode).toBe(403);
    const other = new Visitor(h.app);
    await other.get('/web/query');
    expect((await v.post('/web/query/ref', { ref: deptRef, phone4: '5678' }, { csrf: other.csrf })).statusCode).toBe(403);
    expect((await v.post('/web/query/ref', { ref: deptRef, phone4: '5678', website: 'http://spam' })).statusCode).toBe(400);
  });
});

describe('public web window: 投诉 and 进度跟进', () => {
  it('complaint → reference; follow-up by ref + phone shows the answer; wrong phone → 未找到; honeypot stores nothing', async () => {
    const v = new Visitor(h.app, '10.0.0.2');
    await v.get('/web/feedback');
    const res = await v.post('/web/feedback', { kind: 'complaint', text: '路灯不亮<img src=x onerror=alert(1)>', address: '人民路1号', phone: '13900001111', notify: '1' });
    expect(res.statusCode).toBe(201);
    const ref = /id="ref">(\d+)</.exec(res.body)![1];
    const fb = (await h.ctx.store.feedback.byRef(ref))!;
    expect(fb.channel).toBe('web');
    expect(fb.notifyPhone).toBe(true);
    await h.ctx.feedback.answer(fb.id, '已修复，谢谢<script>', 'staff:admin');
    await v.get('/web/track');
    const ok = await v.post('/web/track', { ref, phone: '139 0000 1111' });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('已修复，谢谢&lt;script&gt;');
    expect(ok.body).toContain('路灯不亮&lt;img');
    const wrong = await v.post('/web/track', { ref, phone: '13900002222' });
    const unknown = await v.post('/web/track', { ref: '999999999999', phone: '13900001111' });
    expect(wrong.statusCode).toBe(404);
    expect(wrong.body.replace(/value="[^"]*"/g, '')).toBe(unknown.body.replace(/value="[^"]*"/g, ''));
    const before = await h.ctx.store.feedback.nextRefSeq('000000');
    const spam = await v.post('/web/feedback', { kind: 'complaint', text: 'spam', phone: '13900001111', website: 'x' });
    expect(spam.statusCode).toBe(400);
    expect(await h.ctx.store.feedback.nextRefSeq('000000')).toBe(before + 1);
  });

  it('unticked SMS choice is kept; invalid form answers the form with the errors', async () => {
    const v = new Visitor(h.app, '10.0.0.3');
    await v.get('/web/feedback');
    const res = await v.post('/web/feedback', { kind: 'suggestion', text: '建议增加公交线路', phone: '13900003333' });
    const ref = /id="ref">(\d+)</.exec(res.body)![1];
    expect((await h.ctx.store.feedback.byRef(ref))!.notifyPhone).toBe(false);
    const bad = await v.post('/web/feedback', { kind: 'nope', text: '', phone: '12' });
    expect(bad.statusCode).toBe(400);
    for (const t of ['请选择类型', '请填写内容', '请填写正确的手机号']) expect(bad.body).toContain(t);
  });
});

describe('public web window: 订阅', () => {
  it('subscribes only with the code sent to the phone; an unknown code looks the same but sends nothing', async () => {
    const v = new Visitor(h.app, '10.0.0.4');
    await v.get('/web/subscribe');
    const asked = await v.post('/web/subscribe', { code, phone: '13900004444', action: 'subscribe' });
    expect(asked.statusCode).toBe(200);
    expect(h.sent.at(-1)!.phone).toBe('8613900004444');
    const otp = h.sent.at(-1)!.code;
    const wrong = await v.post('/web/subscribe/confirm', { code, phone: '8613900004444', action: 'subscribe', otp: otp === '000000' ? '111111' : '000000' });
    expect(wrong.body).toContain('验证码不正确');
    const ok = await v.post('/web/subscribe/confirm', { code, phone: '8613900004444', action: 'subscribe', otp });
    expect(ok.body).toContain('已订阅');
    const decl = (await h.ctx.store.declarations.byQueryCode(code))!;
    expect((await h.ctx.subscriptions.activeFor(decl.id)).map((s) => s.phone)).toContain('8613900004444');
    const again = await v.post('/web/subscribe/confirm', { code, phone: '8613900004444', action: 'subscribe', otp });
    expect(again.body).toContain('验证码已失效');
    const n = h.sent.length;
    const unknown = await v.post('/web/subscribe', { code: unknownCode(), phone: '13900004444', action: 'subscribe' });
    expect(unknown.statusCode).toBe(200);
    expect(unknown.body).toContain('如查询码有效，验证码已发送至');
    expect(h.sent.length).toBe(n);
  });
});

describe('public web window: abuse', () => {
  it('the rate limit asks the arithmetic challenge; the right answer lets the request through', async () => {
    const hh = await webHarness({ HOTLINE_WEB_QUERY_PER_MINUTE: '2' });
    try {
      const v = new Visitor(hh.app, '10.9.9.9');
      const c = unknownCode();
      expect((await v.get(`/web/query/result?code=${c}`)).statusCode).toBe(404);
      expect((await v.get(`/web/query/result?code=${c}`)).statusCode).toBe(404);
      const limited = await v.get(`/web/query/result?code=${c}`);
      expect(limited.statusCode).toBe(429);
      const q = /请先回答：(.)加(.+?)等于几/.exec(limited.body)!;
      const zh = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];
      const answer = zh.indexOf(q[1]) + zh.indexOf(q[2]);
      const token = /name="challenge_token" value="([^"]+)"/.exec(limited.body)![1];
      const wrong = await v.get(`/web/query/result?code=${c}&challenge_token=${encodeURIComponent(token)}&challenge_answer=${answer + 1}`);
      expect(wrong.statusCode).toBe(429);
      expect(wrong.body).toContain('答案不正确');
      const right = await v.get(`/web/query/result?code=${c}&challenge_token=${encodeURIComponent(token)}&challenge_answer=${answer}`);
      expect(right.statusCode).toBe(404);
      const replay = await v.get(`/web/query/result?code=${c}&challenge_token=${encodeURIComponent(token)}&challenge_answer=${answer}`);
      expect(replay.statusCode).toBe(429);
      // another address is not limited
      expect((await new Visitor(hh.app, '10.9.9.8').get(`/web/query/result?code=${c}`)).statusCode).toBe(404);
    } finally { await hh.close(); }
  });

  it('/ leads to the window; the first page is small', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/web/');
    const home = await h.app.inject({ method: 'GET', url: '/web/' });
    expect(home.statusCode).toBe(200);
    expect(Buffer.byteLength(home.body)).toBeLessThan(50 * 1024);
    expect(home.body).not.toContain('<script');
  });
});
