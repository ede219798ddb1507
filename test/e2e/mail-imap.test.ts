/**
 * 市民信箱 in IMAP mode against a real IMAP server (a throwaway Dovecot, test/helpers/dovecot.ts): mail
 * APPENDed to the mailbox becomes a work order; the auto-reply reaches the SMTP sink; the message is
 * \Seen only after it was stored; the same Message-ID again is one order; an Auto-Submitted mail gets
 * no reply; a mail over the size limit is flagged and skipped (and the next one still taken); after a
 * Dovecot restart the intake reconnects and goes on.
 */
import { ImapFlow } from 'imapflow';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/app.js';
import { silentLogger } from '../../src/log.js';
import { MailSink } from '../../src/sim/mail-sink/index.js';
import { startDovecot, type Dovecot } from '../helpers/dovecot.js';
import { tempDir, testConfig } from '../helpers/context.js';
import { until } from '../helpers/wait.js';

const HOTLINE = '96365@hotline.local';
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201e226059b0000000049454e44ae426082', 'hex');

const compose = (o: Record<string, unknown>): Promise<Buffer> =>
  new Promise((resolve, reject) => new MailComposer({ to: HOTLINE, ...o }).compile().build((e: Error | null, b: Buffer) => (e ? reject(e) : resolve(b))));

describe('市民信箱 over IMAP (a real Dovecot)', () => {
  const sink = new MailSink();
  const dir = tempDir('hotline-imap-');
  let dovecot: Dovecot;
  let server: RunningServer;
  let imap: ImapFlow;

  const client = () => new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, auth: { user: dovecot.user, pass: dovecot.password }, logger: false });
  const append = async (raw: Buffer) => { await imap.append('INBOX', raw); };
  /** Flags of the message with this Message-ID (a fresh connection: the test's own may have been cut by a restart). */
  const flagsOf = async (messageId: string): Promise<string[]> => {
    const c = client();
    await c.connect();
    try {
      await c.mailboxOpen('INBOX', { readOnly: true });
      const uids = (await c.search({ header: { 'message-id': messageId } }, { uid: true })) || [];
      if (!uids.length) return [];
      const m = await c.fetchOne(String(uids[uids.length - 1]), { flags: true }, { uid: true });
      return m ? [...(m.flags ?? [])] : [];
    } finally { await c.logout(); }
  };
  const orderOf = async (messageId: string) => {
    const m = await server.ctx.store.mail.inboundByMessageId(messageId);
    return m?.feedbackId ? server.ctx.feedback.byId(m.feedbackId) : undefined;
  };

  beforeAll(async () => {
    dovecot = await startDovecot();
    await sink.start();
    server = await startServer(testConfig({
      HOTLINE_MAIL_ENABLED: 'true', HOTLINE_MAIL_MODE: 'imap', HOTLINE_MAIL_ADDRESS: HOTLINE,
      HOTLINE_MAIL_IMAP_HOST: dovecot.host, HOTLINE_MAIL_IMAP_PORT: String(dovecot.port), HOTLINE_MAIL_IMAP_TLS: 'false',
      HOTLINE_MAIL_IMAP_USER: dovecot.user, HOTLINE_MAIL_IMAP_PASSWORD: dovecot.password, HOTLINE_MAIL_IMAP_POLL_SEC: '1', HOTLINE_MAIL_MAX_MB: '1',
      HOTLINE_MAIL_RELAY_HOST: '127.0.0.1', HOTLINE_MAIL_RELAY_PORT: String(sink.port),
    }, dir), { log: silentLogger, voice: false, mail: { tickMs: 100, retryBaseMs: 200 } });
    imap = client();
    await imap.connect();
  }, 30_000);
  afterAll(async () => {
    await imap?.logout().catch(() => undefined);
    await server?.stop();
    await sink.stop();
    await dovecot?.stop();
  });

  it('a complaint with an attachment becomes a work order, the auto-reply goes out, the message is then \\Seen', async () => {
    await append(await compose({
      from: '"张三" <zhang.san@example.cn>', subject: '投诉：夜间施工噪音', messageId: '<imap-c1@example.cn>',
      text: '幸福路 12 号工地每晚 23 点后仍在施工，噪音很大。', attachments: [{ filename: '现场照片.png', content: PNG, contentType: 'image/png' }],
    }));
    const f = await until(() => orderOf('<imap-c1@example.cn>'), 10_000, 'the work order');
    expect(f).toMatchObject({ channel: 'mail', kind: 'complaint' });
    expect(f.text).toContain('23 点后仍在施工');
    const mail = (await server.ctx.store.mail.inboundFor(f.id))[0];
    expect(mail.attachments).toMatchObject([{ filename: '现场照片.png', contentType: 'image/png', size: PNG.length }]);
    await until(() => sink.received('zhang.san@example.cn').length === 1, 10_000, 'the auto-reply');
    expect(sink.received('zhang.san@example.cn')[0].subject).toContain(f.ref);
    await until(async () => (await flagsOf('<imap-c1@example.cn>')).includes('\\Seen'), 5000, '\\Seen');
    expect(server.ctx.health.snapshot().components.mail).toMatchObject({ ok: true, state: 'polling' });
  }, 30_000);

  it('the same Message-ID again is one order; an Auto-Submitted mail is stored but gets no reply', async () => {
    await append(await compose({ from: 'zhang.san@example.cn', subject: '投诉：夜间施工噪音', messageId: '<imap-c1@example.cn>', text: '再次发送' }));
    await append(await compose({ from: 'vacation@example.cn', subject: '自动回复：外出', messageId: '<imap-auto@example.cn>', text: '我外出了', headers: { 'Auto-Submitted': 'auto-replied' } }));
    await until(async () => (await server.ctx.store.mail.inboundByMessageId('<imap-auto@example.cn>')) !== undefined, 10_000, 'the auto-submitted mail stored');
    await until(async () => (await flagsOf('<imap-auto@example.cn>')).includes('\\Seen'), 5000, '\\Seen');
    const all = await server.ctx.store.mail.inboundFor((await orderOf('<imap-c1@example.cn>'))!.id);
    expect(all).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 500)); // the mail outbox ticks every 100 ms: a reply would be out by now
    expect(sink.received('vacation@example.cn')).toHaveLength(0);
    expect(sink.received('zhang.san@example.cn')).toHaveLength(1);
  }, 30_000);

  it('a mail over the size limit is flagged and skipped; the next one is still taken', async () => {
    await append(await compose({ from: 'big@example.cn', subject: '投诉：大附件', messageId: '<imap-big@example.cn>', text: '附件很大', attachments: [{ filename: 'big.bin', content: Buffer.alloc(2 * 1048576, 7) }] }));
    await append(await compose({ from: 'li.si@example.cn', subject: '咨询：营业执照办理', messageId: '<imap-c2@example.cn>', text: '请问营业执照怎么办理？' }));
    await until(() => orderOf('<imap-c2@example.cn>'), 10_000, 'the next order');
    await until(async () => (await flagsOf('<imap-big@example.cn>')).includes('\\Flagged'), 5000, 'the big one flagged');
    expect(await flagsOf('<imap-big@example.cn>')).not.toContain('\\Seen');
    expect(await server.ctx.store.mail.inboundByMessageId('<imap-big@example.cn>')).toBeUndefined();
  }, 30_000);

  it('after a Dovecot restart the intake reconnects and goes on', async () => {
    await imap.logout().catch(() => undefined);
    await dovecot.restart();
    imap = client();
    await imap.connect();
    await append(await compose({ from: 'wang.wu@example.cn', subject: '建议：增设公交站', messageId: '<imap-c3@example.cn>', text: '建议在幸福路口增设公交站。' }));
    const f = await until(() => orderOf('<imap-c3@example.cn>'), 20_000, 'the order after the restart');
    expect(f).toMatchObject({ channel: 'mail', kind: 'suggestion' });
  }, 40_000);
});
