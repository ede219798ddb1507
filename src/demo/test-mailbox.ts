/**
 * The panel's test mailbox (demo mode): a citizen's mail written in the panel goes to the mailbox's
 * SMTP intake over a real SMTP conversation (the relay adapter pointed at the intake), and the mail the
 * hotline sends (auto-reply, answer…) is read back from the local sink the demo wiring started.
 */
import { randomBytes } from 'node:crypto';
import type { TestMail, TestMailboxPort } from '../admin/sms-port.js';
import type { MailComponent } from '../mail/channel.js';
import { composeMessage, newMessageId } from '../mail/compose.js';
import { createRelay } from '../mail/relay.js';
import type { MailSink } from '../sim/mail-sink/index.js';

export function createTestMailbox(mail: () => MailComponent | null, sink: () => MailSink | null): TestMailboxPort | undefined {
  if (!mail()) return undefined;
  return {
    get address() { return mail()?.address ?? ''; },
    async sendMail(from, subject, text, inReplyTo) {
      const m = mail();
      if (!m?.port) throw new Error('the citizens\' mailbox is not running');
      const relay = createRelay({ host: '127.0.0.1', port: m.port, user: '', password: '' });
      try {
        const r = await relay.send(composeMessage({
          from, to: m.address, subject, text, messageId: newMessageId('test', randomBytes(8).toString('hex'), from), inReplyTo: inReplyTo ?? null, references: inReplyTo ? [inReplyTo] : null, automatic: false,
        }));
        if (!r.ok) throw new Error(r.error);
      } finally { relay.close(); }
    },
    mailReceived(address) {
      return (sink()?.received(address) ?? []).map((s): TestMail => ({ from: s.from, to: address, subject: s.subject, text: s.text, messageId: s.messageId, inReplyTo: s.inReplyTo, at: s.at }));
    },
  };
}
