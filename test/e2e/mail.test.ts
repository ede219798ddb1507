/**
 * 市民信箱 end to end over real sockets: a real SMTP client (nodemailer) writes to the intake, a local
 * SMTP sink stands in for the relay.
 *  - a complaint with an attachment → a work order with the text, the attachment stored → the
 *    auto-reply with the reference reaches the sink → staff dispatch and answer (the work-order
 *    service the panel uses) → the answer reaches the sink threaded (In-Reply-To = the citizen's
 *    Message-ID) → the citizen's reply lands on the same order; the same mail again is one order;
 *  - an Auto-Submitted mail becomes an order but gets no reply; a 30 MB mail is refused with 552;
 *    mail to another address is refused with 550;
 *  - 订阅 / 退订 by mail and the push of the next step; the per-sender rate limit (450);
 *  - a restart on the same data directory does not send the auto-reply again.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/app.js';
import { silentLogger } from '../../src/log.js';
import { MailSink } from '../../src/sim/mail-sink/index.js';
import type { Actor } from '../../src/workorders/model.js';
import { tempDir, testConfig } from '../helpers/context.js';
import { until } from '../helpers/wait.js';
import { createTestMailbox } from '../../src/demo/test-mailbox.js';

const HOTLINE = '96365@hotline.local';
const operator: Actor = { role: 'operator', id: 'staff:li', name: '李娜', departmentId: null, departmentName: null };
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201e226059b0000000049454e44ae426082', 'hex');

describe('市民信箱 over real sockets', () => {
  const sink = new MailSink();
  const dir = tempDir('hotline-mail-');
  let server: RunningServer;
  const start = async () => startServer(testConfig({
    HOTLINE_MAIL_ENABLED: 'true', HOTLINE_MAIL_SMTP_HOST: '127.0.0.1', HOTLINE_MAIL_SMTP_PORT: '0', HOTLINE_MAIL_ADDRESS: HOTLINE,
    HOTLINE_MAIL_RELAY_HOST: '127.0.0.1', HOTLINE_MAIL_RELAY_PORT: String(sink.port), HOTLINE_MAIL_PER_SENDER_PER_HOUR: '4',
  }, dir), { log: silentLogger, voice: false, mail: { tickMs: 100, retryBaseMs: 200 } });
  const client = () => nodemailer.createTransport({ host: '127.0.0.1', port: server.channels.mail!.port, secure: false, ignoreTLS: true });
  const send = (m: SendMailOptions) => client().sendMail({ to: HOTLINE, ...m });
  const orderOf = async (messageId: string) => {
    const m = await server.ctx.store.mail.inboundByMessageId(messageId);
    return m?.feedbackId ? server.ctx.feedback.byId(m.feedbackId) : undefined;
  };

  beforeAll(async () => {
    await sink.start();
    server = await start();
    await server.ctx.store.departments.insert('SCJG', '市市场监督管理局', null, null, null, new Date().toISOString());
  });
  afterAll(async () => { await server?.stop(); await sink.stop(); });

  let ref = '';
  let orderId = 0;
  it('a complaint with an attachment becomes a work order; the auto-reply with the reference reaches the sink', async () => {
    const info = await send({
      from: '"张三" <Zhang.San@Example.cn>', subject: '投诉：夜间施工噪音', messageId: '<c1@example.cn>',
      text: '幸福路 12 号工地每晚 23 点后仍在施工，噪音很大。', attachments: [{ filename: '现场照片.png', content: PNG, contentType: 'image/png' }],
    });
    expect(info.response).toMatch(/^250 .*96365-\d{10}/);
    const f = await orderOf('<c1@example.cn>');
    expect(f).toMatchObject({ channel: 'mail', kind: 'complaint', phone: null });
    expect(f!.text).toContain('夜间施工噪音');
    expect(f!.text).toContain('23 点后仍在施工');
    ref = f!.ref; orderId = f!.id;
    const mail = (await server.ctx.store.mail.inboundFor(f!.id))[0];
    expect(mail.attachments).toMatchObject([{ filename: '现场照片.png', contentType: 'image/png', size: PNG.length }]);
    expect(readFileSync(join(dir, mail.attachments[0].path))).toEqual(PNG);
    expect(existsSync(join(dir, mail.rawPath))).toBe(true);
    expect(await server.ctx.store.mail.thread(f!.id)).toMatchObject({ address: 'zhang.san@example.cn', messageId: '<c1@example.cn>' });

    await until(() => sink.received('zhang.san@example.cn').length === 1, 5000, 'the auto-reply');
    const auto = sink.received('zhang.san@example.cn')[0];
    expect(auto.subject).toBe(`【96365-${ref}】您的来信已受理`);
    expect(auto.text).toContain(`编号 ${ref}`);
    expect(auto.inReplyTo).toBe('<c1@example.cn>');
    expect(auto.headers['auto-submitted']).toBe('auto-replied');
    expect(auto.from).toBe(HOTLINE);
  });

  it('an HTML-only mail is stored as sanitised text; an attachment of a refused type is listed, not stored', async () => {
    await send({
      from: 'zhao@example.cn', subject: '咨询：营业执照', messageId: '<h1@example.cn>',
      html: '<html><head><style>p{color:red}</style></head><body><p>请问&nbsp;营业执照&amp;税务登记</p><script>alert(1)</script><ul><li>在哪办？</li></ul></body></html>',
      attachments: [{ filename: 'setup.exe', content: Buffer.from('MZ'), contentType: 'application/x-msdownload' }],
    });
    const f = (await orderOf('<h1@example.cn>'))!;
    expect(f.kind).toBe('consultation');
    expect(f.text).toBe('【邮件】咨询：营业执照\n\n请问 营业执照&税务登记\n\n• 在哪办？');
    expect((await server.ctx.store.mail.inboundFor(f.id))[0].attachments).toEqual([]);
    const t = (await server.ctx.workOrders.timeline(f.id)).find((e) => e.action === 'mail_attachments');
    expect(t?.opinion).toContain('附件未保存：setup.exe（类型不允许 application/x-msdownload）');
  });

  it('the same mail delivered again is the same work order', async () => {
    const info = await send({ from: 'zhang.san@example.cn', subject: '投诉：夜间施工噪音', messageId: '<c1@example.cn>', text: '幸福路 12 号工地每晚 23 点后仍在施工，噪音很大。' });
    expect(info.response).toMatch(/already received/);
    expect((await server.ctx.store.mail.inboundFor(orderId)).length).toBe(1);
  });

  it('the staff answer goes back by mail, threaded; the citizen\'s reply to it lands on the same order', async () => {
    await server.ctx.workOrders.dispatch(orderId, { type: 'dispatch', departmentCode: 'SCJG', category: 'SCJG' }, operator);
    const dept = (await server.ctx.store.departments.byCode('SCJG'))!;
    await server.ctx.workOrders.answerInOneStep(orderId, '经核查，该工地已被责令夜间停工，并处罚款。', { role: 'department', id: 'dept:SCJG:王', name: '王', departmentId: dept.id, departmentName: dept.name });
    await until(() => sink.received('zhang.san@example.cn').length === 2, 5000, 'the answer mail');
    const answer = sink.received('zhang.san@example.cn')[1];
    expect(answer.inReplyTo).toBe('<c1@example.cn>');
    expect(answer.references).toContain('<c1@example.cn>');
    expect(answer.subject).toBe(`Re: 投诉：夜间施工噪音 【96365-${ref}】`);
    expect(answer.text).toContain('已被责令夜间停工');
    expect(answer.headers['auto-submitted']).toBeUndefined();

    await send({ from: 'zhang.san@example.cn', subject: `Re: ${answer.subject}`, messageId: '<c2@example.cn>', inReplyTo: answer.messageId!, references: [String(answer.messageId)], text: '今晚仍在施工。' });
    const reply = await server.ctx.store.mail.inboundByMessageId('<c2@example.cn>');
    expect(reply).toMatchObject({ disposition: 'reply', feedbackId: orderId });
    const timeline = await server.ctx.workOrders.timeline(orderId);
    expect(timeline.find((t) => t.action === 'mail_supplement')?.opinion).toContain('今晚仍在施工');

    // …and by the subject's reference alone (a new mail from the same sender, no In-Reply-To)
    await send({ from: 'zhang.san@example.cn', subject: `补充 【96365-${ref}】`, messageId: '<c3@example.cn>', text: '附上录音。' });
    expect(await server.ctx.store.mail.inboundByMessageId('<c3@example.cn>')).toMatchObject({ disposition: 'reply', feedbackId: orderId });
    expect(sink.received('zhang.san@example.cn').length).toBe(2); // supplements get no auto-reply
  });

  it('an Auto-Submitted mail becomes a work order without a reply; bounces mark the address', async () => {
    await send({ from: 'robot@example.cn', subject: '自动回复：不在办公室', messageId: '<auto1@example.cn>', headers: { 'Auto-Submitted': 'auto-replied' }, text: '我正在休假。' });
    const f = await orderOf('<auto1@example.cn>');
    expect(f?.channel).toBe('mail');
    expect((await server.ctx.store.mail.inboundByMessageId('<auto1@example.cn>'))?.reason).toBe('Auto-Submitted: auto-replied');
    await new Promise((r) => setTimeout(r, 400));
    expect(sink.received('robot@example.cn')).toEqual([]);

    const dsn = [
      'From: Mail Delivery System <MAILER-DAEMON@example.cn>', `To: ${HOTLINE}`, 'Subject: Undelivered Mail Returned to Sender', 'Message-ID: <dsn1@example.cn>',
      'MIME-Version: 1.0', 'Content-Type: multipart/report; report-type=delivery-status; boundary="B"', '',
      '--B', 'Content-Type: text/plain; charset=utf-8', '', 'Your message could not be delivered.', '',
      '--B', 'Content-Type: message/delivery-status', '', 'Reporting-MTA: dns; mx.example.cn', '', 'Final-Recipient: rfc822; gone@example.cn', 'Action: failed', 'Status: 5.1.1', '',
      '--B--', '',
    ].join('\r\n');
    await client().sendMail({ envelope: { from: '', to: HOTLINE }, raw: dsn });
    expect(await server.ctx.store.mail.inboundByMessageId('<dsn1@example.cn>')).toMatchObject({ disposition: 'bounce', feedbackId: null });
    expect(await server.ctx.store.mail.isBounced('gone@example.cn')).toBe(true);
  });

  it('a 30 MB mail is refused with a clear 552; another recipient with 550', async () => {
    const big = Buffer.alloc(30 * 1024 * 1024, 0x61);
    const err = await send({ from: 'big@example.cn', subject: '大附件', text: 'x', attachments: [{ filename: 'big.bin', content: big }] }).then(() => null, (e: Error & { responseCode?: number; response?: string }) => e);
    expect(err?.responseCode).toBe(552);
    expect(err?.response ?? err?.message).toMatch(/exceeds the 10 MB size limit/);
    const wrong = await client().sendMail({ from: 'a@example.cn', to: 'someone@hotline.local', subject: 'x', text: 'x' }).then(() => null, (e: Error & { responseCode?: number }) => e);
    expect(wrong?.responseCode).toBe(550);
  });

  it('订阅 by mail: the declaration\'s next step is pushed by mail; 退订 ends it', async () => {
    const dept = (await server.ctx.store.departments.byCode('SCJG'))!;
    const code = (await server.ctx.declarations.upsert(dept, 'SC-MAIL-1', { itemName: '食品经营许可证新办', applicantPhone: '13900000019', timeLimitDays: 10 })).declaration.queryCode;
    await send({ from: 'li@example.cn', subject: `订阅 ${code}`, messageId: '<s1@example.cn>', text: '' });
    await until(() => sink.received('li@example.cn').length === 1, 5000, 'the subscription confirmation');
    expect(sink.received('li@example.cn')[0].subject).toBe(`【96365】订阅成功：${code}`);
    await server.ctx.declarations.applyStatusEvent(dept, code, { eventId: 'e-mail-1', stepName: '现场核查', status: 'in_progress', opinion: '材料齐全', occurredAt: new Date().toISOString() });
    await until(() => sink.received('li@example.cn').length === 2, 5000, 'the push');
    const push = sink.received('li@example.cn')[1];
    expect(push.subject).toBe('【96365】办件进度：食品经营许可证新办');
    expect(push.text).toContain('现场核查：材料齐全');
    expect(push.text).toContain('当前状态：办理中');
    await send({ from: 'li@example.cn', subject: `退订 ${code}`, messageId: '<s2@example.cn>', text: '' });
    await until(() => sink.received('li@example.cn').length === 3, 5000, 'the unsubscription confirmation');
    expect(await server.ctx.store.mail.subscribers((await server.ctx.store.declarations.byQueryCode(code))!.id)).toEqual([]);
  });

  it('per-sender rate limit: past the hourly limit MAIL FROM gets 450', async () => {
    const errs: Array<number | undefined> = [];
    for (let i = 0; i < 5; i++) {
      errs.push(await send({ from: 'flood@example.cn', subject: `咨询 ${i}`, text: '请问', messageId: `<flood${i}@example.cn>` }).then(() => 250, (e: { responseCode?: number }) => e.responseCode));
    }
    expect(errs).toEqual([250, 250, 250, 250, 450]);
  });

  it('a relay refusing for a while (451): the mail is retried with back-off and sent once', async () => {
    await until(async () => { const c = await server.ctx.store.mail.countsByStatus(); return !c.queued && !c.sending; }, 5000, 'the outbox drained');
    sink.failNext = 2;
    await send({ from: 'wang@example.cn', subject: '建议：增设公交站', messageId: '<r1@example.cn>', text: '幸福路口建议增设公交站。' });
    const f = (await orderOf('<r1@example.cn>'))!;
    await until(() => sink.received('wang@example.cn').length === 1, 10_000, 'the auto-reply after two refusals');
    const [row] = await server.ctx.store.mail.outboundFor(f.id);
    expect(row).toMatchObject({ status: 'sent', attempts: 3, lastError: null });
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.received('wang@example.cn').length).toBe(1);
  });

  it('a restart on the same data directory does not send the auto-reply (or the answer) again', async () => {
    await until(async () => { const c = await server.ctx.store.mail.countsByStatus(); return !c.queued && !c.sending; }, 5000, 'the outbox drained');
    const before = sink.mails.length;
    await server.stop();
    server = await start();
    await new Promise((r) => setTimeout(r, 600));
    expect(sink.mails.length).toBe(before);
    const rows = await server.ctx.store.mail.outboundFor(orderId);
    expect(rows.map((r) => [r.reason, r.status])).toEqual([['auto_reply', 'sent'], ['answer', 'sent']]);
  });
});

describe('demo mode: the mailbox on with the local sink as relay, and the test mailbox', () => {
  let server: RunningServer;
  beforeAll(async () => { server = await startServer(testConfig({ HOTLINE_ADMIN_DEMO: 'on' }), { log: silentLogger, voice: false, mail: { tickMs: 100 } }); });
  afterAll(async () => { await server?.stop(); });

  it('a mail written in the test mailbox becomes a work order and its auto-reply shows in the test mailbox', async () => {
    const mail = server.channels.mail!;
    expect(mail.port).toBeGreaterThan(0);
    expect(server.channels.simulators.mailSink?.port).toBeGreaterThan(0);
    const box = createTestMailbox(() => server.channels.mail, () => server.channels.simulators.mailSink)!;
    expect(box.address).toBe(HOTLINE);
    await box.sendMail('newcomer@example.cn', '咨询：社保卡补办', '请问社保卡丢了怎么补办？');
    const replies = await until(async () => { const r = await box.mailReceived('newcomer@example.cn'); return r.length ? r : null; }, 5000, 'the auto-reply in the test mailbox');
    expect(replies[0].subject).toMatch(/^【96365-\d{10}】您的来信已受理$/);
  });
});

describe('config: the IMAP mode is named but not built', () => {
  it('HOTLINE_MAIL_MODE=imap without HOTLINE_MAIL_IMAP_HOST stops start-up with a line saying so', async () => {
    await expect(startServer(testConfig({ HOTLINE_MAIL_ENABLED: 'true', HOTLINE_MAIL_MODE: 'imap', HOTLINE_MAIL_SMTP_PORT: '0' }), { log: silentLogger, voice: false }))
      .rejects.toThrow(/HOTLINE_MAIL_IMAP_HOST: required when HOTLINE_MAIL_MODE=imap/);
  });
});
