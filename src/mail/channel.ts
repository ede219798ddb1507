/**
 * The citizens' mailbox (市民信箱) as a component: the SMTP intake (./smtp-intake.ts → ./intake.ts), the
 * mail outbox and its dispatcher through the relay (./relay.ts), and the mail that follows the work
 * order — the staff answer (threaded: In-Reply-To / References), the interim answer and closing
 * notice, and pushes to e-mail subscribers — each queued inside the transaction of the change
 * (ctx.bus.onTx). Demo mode hands in the local SMTP sink as the relay (src/demo); this file never
 * starts a simulator.
 */
import type { AppContext } from '../context.js';
import type { Component } from '../app.js';
import { STATUS_LABEL_ZH } from '../domain/types.js';
import { addressList } from './addresses.js';
import { referencesFor } from './compose.js';
import { MailDispatcher } from './dispatcher.js';
import { MailFiles } from './files.js';
import { MailIntake, threadSubject, type IntakeResult } from './intake.js';
import { MailOutbox } from './outbox.js';
import { RateWindow } from './rate-limit.js';
import { createRelay, type RelaySettings } from './relay.js';
import { SmtpIntake } from './smtp-intake.js';
import { ImapIntake } from './imap-intake.js';
import { renderMail } from './templates.js';

export interface MailOptions {
  /** The relay when none is configured (demo: the local sink), read at start. */
  relay?: () => RelaySettings | null;
  /** Intake port instead of mail.smtp_port (demo: 0 = ephemeral; tests). */
  intakePort?: number;
  intakeHost?: string;
  /** Dispatcher tick (default 1 s) and first retry delay (default 30 s). */
  tickMs?: number;
  retryBaseMs?: number;
}

export interface MailComponent extends Component {
  readonly intake: MailIntake;
  readonly outbox: MailOutbox;
  readonly dispatcher: MailDispatcher | null;
  /** The intake's listening port (after start). */
  readonly port: number;
  /** The hotline address citizens write to (the first configured). */
  readonly address: string;
  /** What the last received mails became (tests, the test mailbox). */
  onReceived: ((r: IntakeResult) => void) | null;
}

export function mailComponent(ctx: AppContext, opts: MailOptions = {}): MailComponent {
  const cfg = ctx.config.mail;
  const log = ctx.log.child('mail');
  const addresses = addressList(cfg.address);
  if (!addresses.length) throw new Error('config HOTLINE_MAIL_ADDRESS: no usable address');
  const from = addressList(cfg.relay_from)[0] ?? addresses[0];
  const own = [...new Set([...addresses, from])];
  const repo = ctx.store.mail;
  const outbox = new MailOutbox(repo, ctx.store, { from, validityHours: cfg.validity_hours, now: ctx.now });
  const files = new MailFiles(ctx.config.data.dir, { maxAttachments: cfg.max_attachments, types: cfg.attachment_types });
  const intake = new MailIntake(ctx, files, outbox, { own, maxChars: 20_000 });
  let dispatcher: MailDispatcher | null = null;
  let smtp: SmtpIntake | null = null;
  let imap: ImapIntake | null = null;
  const unsubscribers: Array<() => void> = [];

  /** The citizen's latest mail of the order (what our mail answers) and the thread's subject. */
  async function threadHeaders(feedbackId: number): Promise<{ to: string; inReplyTo: string; references: string[]; subject: string | null } | null> {
    const thread = await repo.thread(feedbackId);
    if (!thread) return null;
    const mails = (await repo.inboundFor(feedbackId)).filter((m) => m.disposition === 'order' || m.disposition === 'reply');
    const first = mails.find((m) => m.messageId === thread.messageId) ?? mails[0];
    const last = mails[mails.length - 1];
    const inReplyTo = last?.messageId ?? thread.messageId;
    return { to: thread.address, inReplyTo, references: referencesFor(await repo.threadMessageIds(feedbackId), inReplyTo), subject: first?.subject ?? null };
  }

  // The staff answer goes back by mail, in the thread; inside the answer's transaction.
  unsubscribers.push(ctx.bus.onTx('feedback.answered', async ({ feedback: f }) => {
    if (!f.answer) return;
    const t = await threadHeaders(f.id);
    if (!t) return;
    const stamp = f.answeredAt ?? ctx.now().toISOString();
    await outbox.queue({
      to: t.to, subject: threadSubject(t.subject, f.ref), text: renderMail('answer.body', { ref: f.ref, dept: f.departmentName ?? '承办单位', answer: f.answer }),
      reason: 'answer', feedbackId: f.id, dedupeKey: `answer:${f.id}:${stamp}`, inReplyTo: t.inReplyTo, references: t.references,
    });
  }));
  // The citizen's interim answer and closing notice of a work order (the final answer takes the path above).
  unsubscribers.push(ctx.bus.onTx('workorder.notice', async ({ order: o, notice: n, at }) => {
    if (n.to !== 'citizen' || n.kind === 'answer') return;
    const t = await threadHeaders(o.id);
    if (!t) return;
    const text = n.kind === 'interim' ? renderMail('interim.body', { ref: o.ref, dept: o.departmentName ?? '承办单位', text: n.text }) : renderMail('notice.body', { ref: o.ref, text: n.text });
    await outbox.queue({ to: t.to, subject: threadSubject(t.subject, o.ref), text, reason: 'notice', feedbackId: o.id, dedupeKey: `wo:${o.id}:${n.kind}:${at}`, inReplyTo: t.inReplyTo, references: t.references });
  }));
  // A declaration's step: a push to each e-mail subscriber.
  unsubscribers.push(ctx.bus.onTx('declaration.changed', async (c) => {
    if (c.created || !c.event.applied) return;
    const subs = await repo.subscribers(c.declaration.id);
    if (!subs.length) return;
    const d = c.declaration;
    const vars = {
      code: d.queryCode, item: d.itemName, dept: d.departmentName, step: c.event.stepName, opinion: c.event.opinion ? `：${c.event.opinion}` : '',
      status: STATUS_LABEL_ZH[d.status] ?? d.status,
    };
    for (const to of subs) {
      await outbox.queue({ to, subject: renderMail('push.subject', vars), text: renderMail('push.body', vars), reason: 'push', feedbackId: null, dedupeKey: `push:${d.id}:${c.event.id}:${to}` });
    }
  }));

  const component: MailComponent = {
    name: 'mail',
    intake, outbox, address: addresses[0], onReceived: null,
    get dispatcher() { return dispatcher; },
    get port() { return smtp?.port ?? 0; },
    async start() {
      const relaySettings: RelaySettings | null = ctx.config.mail.relay_host
        ? { host: cfg.relay_host, port: cfg.relay_port, user: cfg.relay_user, password: cfg.relay_password }
        : opts.relay?.() ?? null;
      if (!relaySettings) log.warn('no outbound relay (HOTLINE_MAIL_RELAY_HOST): auto-replies and answers stay queued until one is configured');
      dispatcher = new MailDispatcher(repo, relaySettings ? createRelay(relaySettings) : null, {
        from, maxAttempts: cfg.max_attempts, tickMs: opts.tickMs ?? 1000, retryBaseMs: opts.retryBaseMs, now: ctx.now, log,
        interruptedAfterMs: ctx.store.engine === 'postgres' ? 10 * 60_000 : 0,
      });
      outbox.onQueued = () => dispatcher?.kick();
      if (cfg.mode === 'imap') {
        if (!cfg.imap_host) throw new Error('config HOTLINE_MAIL_IMAP_HOST: required when HOTLINE_MAIL_MODE=imap');
        const im = new ImapIntake({
          host: cfg.imap_host, port: cfg.imap_port, tls: cfg.imap_tls, user: cfg.imap_user, password: cfg.imap_password, mailbox: cfg.imap_mailbox,
          pollMs: cfg.imap_poll_sec * 1000, doneMailbox: cfg.imap_done_mailbox, maxBytes: cfg.max_mb * 1048576,
          perSender: new RateWindow(cfg.per_sender_per_hour, 3600_000), now: () => ctx.now().getTime(),
          receive: async (raw, env) => { const r = await intake.receive(raw, env); component.onReceived?.(r); return r; },
          log,
        });
        imap = im;
        im.start();
        log.info(`市民信箱 IMAP 收信 / citizens' mailbox: IMAP intake ${cfg.imap_user}@${cfg.imap_host}:${cfg.imap_port}/${cfg.imap_mailbox}${relaySettings ? `, relay ${relaySettings.host}:${relaySettings.port}` : ''}`);
        ctx.health.register('mail', () => ({ ok: im.state === 'polling', state: im.state, detail: { lastPoll: im.lastPoll, lastError: im.lastError, relay: relaySettings ? `${relaySettings.host}:${relaySettings.port}` : null } }));
        return;
      }
      smtp = new SmtpIntake({
        host: opts.intakeHost ?? cfg.smtp_host, port: opts.intakePort ?? cfg.smtp_port, addresses, maxBytes: cfg.max_mb * 1048576,
        perSender: new RateWindow(cfg.per_sender_per_hour, 3600_000), perIp: new RateWindow(cfg.per_ip_per_hour, 3600_000), now: () => ctx.now().getTime(),
        receive: async (raw, env) => {
          const r = await intake.receive(raw, env);
          component.onReceived?.(r);
          return r.outcome === 'duplicate' ? '2.0.0 OK: already received' : r.feedback ? `2.0.0 OK: 96365-${r.feedback.ref}` : '2.0.0 OK';
        },
        log,
      });
      const port = await smtp.start();
      log.info(`citizens' mailbox: SMTP intake on ${opts.intakeHost ?? cfg.smtp_host}:${port} for ${addresses.join(', ')}${relaySettings ? `, relay ${relaySettings.host}:${relaySettings.port}` : ''}`);
      ctx.health.register('mail', () => ({ ok: true, state: 'listening', detail: { port, relay: relaySettings ? `${relaySettings.host}:${relaySettings.port}` : null } }));
    },
    async ready() { await dispatcher?.start(); },
    async stop() {
      unsubscribers.forEach((u) => u());
      await smtp?.stop();
      await imap?.stop();
      await dispatcher?.stop();
    },
  };
  return component;
}
