/**
 * What an accepted mail becomes, decided and committed before the SMTP 250 (./smtp-intake.ts answers
 * only after receive() resolves): the raw message and the attachments are written and fsync'ed, then
 * one transaction stores the mail row (Message-ID unique: a re-delivery is recognised and changes
 * nothing) with what it became —
 *  - a DSN (bounce): the failed recipients are marked bounced; no work order;
 *  - a mailer-daemon's or our own mail: stored, ignored;
 *  - 订阅 / 退订 <query code>: the e-mail subscription, confirmed by mail;
 *  - a reply in a thread (In-Reply-To / References name a mail of a work order, or the subject's
 *    【96365-REF】 names a work order this sender wrote): a supplement (补充) in that order's timeline;
 *  - otherwise a new work order (channel 'mail', the sender as its mail contact) and, unless the loop
 *    guard says no (./loop-guard.ts), the auto-reply with the reference, queued in the same transaction.
 */
import { createHash } from 'node:crypto';
import type { AppContext } from '../context.js';
import type { Feedback } from '../domain/types.js';
import { FEEDBACK_KIND_ZH } from '../domain/types.js';
import { citizenText } from '../domain/text-safety.js';
import { localParts, pad } from '../domain/time.js';
import type { InboundMailRow, MailDisposition, NewInboundMail, StoredAttachment } from '../store/repos/mail.js';
import { bouncedRecipients, isBounce, loopVerdict, type LoopVerdict } from './loop-guard.js';
import { kindOfLetter, mailCommand, refInSubject, refTag, replySubject } from './subject.js';
import { normaliseAddress } from './addresses.js';
import { referencesFor } from './compose.js';
import { renderMail } from './templates.js';
import { parseLetter, type ParsedLetter } from './parse.js';
import type { MailFiles } from './files.js';
import type { MailOutbox } from './outbox.js';

export interface Envelope { mailFrom: string; remoteIp: string | null }

export type IntakeResult =
  | { outcome: 'duplicate'; mail: InboundMailRow | undefined }
  | { outcome: MailDisposition; mail: InboundMailRow; feedback: Feedback | null; autoReply: boolean; reason: string | null };

export interface IntakeSettings { own: readonly string[]; maxChars: number }

export class MailIntake {
  constructor(private readonly ctx: AppContext, private readonly files: MailFiles, private readonly outbox: MailOutbox, private readonly s: IntakeSettings) {}

  async receive(raw: Buffer, env: Envelope): Promise<IntakeResult> {
    const letter = await parseLetter(raw, this.s.maxChars);
    const key = createHash('sha256').update(raw).digest('hex').slice(0, 32);
    const messageId = letter.messageId ?? `<${key}@missing-message-id>`;
    const known = await this.ctx.store.mail.inboundByMessageId(messageId);
    if (known) return { outcome: 'duplicate', mail: known };
    const now = this.ctx.now();
    const p = localParts(now, this.ctx.config.time.zone);
    const rawPath = this.files.writeRaw(key, `${p.year}${pad(p.month)}${pad(p.day)}`, raw);
    const returnPath = normaliseAddress(env.mailFrom);
    const base: Omit<NewInboundMail, 'disposition' | 'reason' | 'feedbackId' | 'attachments'> = {
      messageId, fromAddr: letter.from || returnPath || '(unknown)', returnPath: returnPath || null, remoteIp: env.remoteIp, subject: citizenText(letter.subject) || null,
      bodyText: citizenText(letter.body) || null, inReplyTo: letter.inReplyTo, refs: letter.references.join(' ') || null, rawPath, rawBytes: raw.length,
    };
    const store = this.ctx.store;
    const nowIso = now.toISOString();
    const insert = async (disposition: MailDisposition, reason: string | null, feedbackId: number | null, attachments: StoredAttachment[] = []) => {
      const row = await store.mail.insertInbound({ ...base, disposition, reason, feedbackId, attachments }, nowIso);
      if (!row) throw new MailDuplicate();
      return row;
    };
    try {
      if (isBounce(letter.contentType, letter.from, returnPath)) {
        const failed = bouncedRecipients(letter.deliveryStatus);
        return await store.transaction(async () => {
          for (const a of failed) await store.mail.markBounced(a, letter.subject.slice(0, 200) || 'DSN', nowIso);
          const mail = await insert('bounce', failed.join(', ') || null, null);
          return { outcome: 'bounce' as const, mail, feedback: null, autoReply: false, reason: failed.length ? `退信：${failed.join('、')}` : '退信' };
        });
      }
      const verdict = loopVerdict({ headers: letter.headers, from: letter.from, returnPath, own: this.s.own });
      if (verdict.action === 'drop') {
        const mail = await insert('ignored', verdict.reason, null);
        return { outcome: 'ignored', mail, feedback: null, autoReply: false, reason: verdict.reason };
      }
      const command = mailCommand(letter.subject);
      if (command) return await this.command(command, letter, verdict, insert);
      const threadId = await this.threadOf(letter);
      const { stored, skipped } = this.files.writeAttachments(key, letter.attachments);
      if (threadId !== null) return await this.supplement(threadId, letter, base.bodyText, stored, skipped, insert);
      return await this.newOrder(letter, letter.from || returnPath, messageId, verdict, stored, skipped, insert);
    } catch (e) {
      if (e instanceof MailDuplicate) return { outcome: 'duplicate', mail: await store.mail.inboundByMessageId(messageId) };
      throw e;
    }
  }

  /** The work order this mail answers: a Message-ID of its thread, or the subject's reference of an order this sender wrote. */
  private async threadOf(l: ParsedLetter): Promise<number | null> {
    const ids = [...(l.inReplyTo ? [l.inReplyTo] : []), ...[...l.references].reverse()];
    const byId = ids.length ? await this.ctx.store.mail.feedbackForMessageIds(ids) : null;
    if (byId !== null) return byId;
    const ref = refInSubject(l.subject);
    if (!ref) return null;
    const f = await this.ctx.store.feedback.byRef(ref);
    if (!f) return null;
    const thread = await this.ctx.store.mail.thread(f.id);
    return thread && thread.address === l.from ? f.id : null;
  }

  private async supplement(feedbackId: number, l: ParsedLetter, body: string | null, stored: StoredAttachment[], skipped: Array<{ filename: string; why: string }>,
    insert: (d: MailDisposition, r: string | null, f: number | null, a?: StoredAttachment[]) => Promise<InboundMailRow>): Promise<IntakeResult> {
    const store = this.ctx.store;
    return store.transaction(async () => {
      const mail = await insert('reply', null, feedbackId, stored);
      const nowIso = this.ctx.now().toISOString();
      const text = [l.subject && `主题：${citizenText(l.subject)}`, body, ...attachmentLines(stored, skipped)].filter(Boolean).join('\n');
      await store.feedback.addTimeline(feedbackId, 'mail_supplement', `mail:${l.from}`, text || '（空邮件）', nowIso);
      const f = (await store.feedback.byId(feedbackId)) ?? null;
      return { outcome: 'reply' as const, mail, feedback: f, autoReply: false, reason: null };
    });
  }

  private async newOrder(l: ParsedLetter, contact: string, messageId: string, verdict: LoopVerdict, stored: StoredAttachment[], skipped: Array<{ filename: string; why: string }>,
    insert: (d: MailDisposition, r: string | null, f: number | null, a?: StoredAttachment[]) => Promise<InboundMailRow>): Promise<IntakeResult> {
    const store = this.ctx.store;
    const kind = kindOfLetter(l.subject);
    const text = [l.subject && `【邮件】${l.subject}`, l.body].filter(Boolean).join('\n\n') || '（空邮件）';
    return store.transaction(async () => {
      const f = await this.ctx.feedback.create({ kind, channel: 'mail', phone: null, text }, `mail:${contact || 'unknown'}`);
      // The contact: the From address, else the envelope sender; none readable → no mail back.
      if (contact) await store.mail.openThread(f.id, contact, messageId, f.createdAt);
      const mail = await insert('order', verdict.action === 'reply' ? null : verdict.reason, f.id, stored);
      const nowIso = this.ctx.now().toISOString();
      const lines = attachmentLines(stored, skipped);
      if (lines.length) await store.feedback.addTimeline(f.id, 'mail_attachments', 'mail', lines.join('\n'), nowIso);
      let autoReply = false;
      if (verdict.action === 'reply') {
        const vars = { ref: f.ref, kind: FEEDBACK_KIND_ZH[kind] };
        const q = await this.outbox.queue({
          to: contact, subject: renderMail('auto_reply.subject', vars), text: renderMail('auto_reply.body', vars), reason: 'auto_reply', feedbackId: f.id,
          dedupeKey: `auto:${messageId}`, inReplyTo: messageId, references: referencesFor(l.references, messageId),
        });
        autoReply = !!q && q.status === 'queued';
      } else {
        await store.feedback.addTimeline(f.id, 'mail_no_reply', 'mail', `未自动回复：${verdict.reason}`, nowIso);
      }
      return { outcome: 'order' as const, mail, feedback: f, autoReply, reason: verdict.action === 'reply' ? null : verdict.reason };
    });
  }

  private async command(c: NonNullable<ReturnType<typeof mailCommand>>, l: ParsedLetter, verdict: LoopVerdict,
    insert: (d: MailDisposition, r: string | null, f: number | null) => Promise<InboundMailRow>): Promise<IntakeResult> {
    const store = this.ctx.store;
    const nowIso = this.ctx.now().toISOString();
    return store.transaction(async () => {
      const mail = await insert('subscribe', `${c.cmd} ${c.code ?? ''}`.trim(), null);
      let subject: string; let text: string;
      if (c.cmd === 'subscribe') {
        const d = await store.declarations.byQueryCode(c.code);
        if (!d) { subject = renderMail('unknown_code.subject', { code: c.code }); text = renderMail('unknown_code.body', { code: c.code }); } else {
          await store.mail.subscribe(l.from, d.id, nowIso);
          subject = renderMail('subscribed.subject', { code: d.queryCode }); text = renderMail('subscribed.body', { code: d.queryCode, item: d.itemName });
        }
      } else {
        const d = c.code ? await store.declarations.byQueryCode(c.code) : undefined;
        const n = c.code && !d ? 0 : await store.mail.unsubscribe(l.from, d ? d.id : null, nowIso);
        subject = renderMail('unsubscribed.subject', {}); text = renderMail('unsubscribed.body', { what: d ? `办件 ${d.queryCode}` : '全部办件', n: String(n) });
      }
      if (verdict.action === 'reply') {
        await this.outbox.queue({ to: l.from, subject, text, reason: 'subscribe', feedbackId: null, dedupeKey: `cmd:${mail.messageId}`, inReplyTo: mail.messageId, references: [mail.messageId] });
      }
      return { outcome: 'subscribe' as const, mail, feedback: null, autoReply: verdict.action === 'reply', reason: mail.reason };
    });
  }
}

class MailDuplicate extends Error { constructor() { super('duplicate Message-ID'); } }

function attachmentLines(stored: StoredAttachment[], skipped: Array<{ filename: string; why: string }>): string[] {
  return [
    ...stored.map((a) => `附件：${a.filename}（${a.contentType}，${Math.max(1, Math.round(a.size / 1024))} KB）`),
    ...skipped.map((s) => `附件未保存：${s.filename}（${s.why}）`),
  ];
}

/** The subject of our answer mails in a work order's thread. */
export function threadSubject(original: string | null, ref: string): string { return replySubject(original, ref, `您的来信 ${refTag(ref)}`); }
