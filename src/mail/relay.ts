/** Adapter (owns nodemailer): hands composed messages to the configured SMTP relay. */
import nodemailer from 'nodemailer';
import type { OutgoingMessage } from './compose.js';
import { isPermanent, type SendOutcome } from './retry.js';

export interface RelaySettings { host: string; port: number; user: string; password: string }

export interface MailRelay {
  send(m: OutgoingMessage): Promise<SendOutcome>;
  close(): void;
}

export function createRelay(s: RelaySettings): MailRelay {
  const transport = nodemailer.createTransport({
    host: s.host, port: s.port, secure: s.port === 465,
    auth: s.user ? { user: s.user, pass: s.password } : undefined,
    connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 60_000,
    tls: { rejectUnauthorized: !['127.0.0.1', 'localhost', '::1'].includes(s.host) },
  });
  return {
    async send(m) {
      try {
        await transport.sendMail({
          from: m.from, to: m.to, subject: m.subject, text: m.text, messageId: m.messageId,
          inReplyTo: m.inReplyTo, references: m.references, headers: m.headers,
        });
        return { ok: true };
      } catch (e) {
        const err = e as Error & { responseCode?: number; response?: string };
        return { ok: false, permanent: isPermanent(err.responseCode), error: (err.response ?? err.message).slice(0, 300) };
      }
    },
    close() { transport.close(); },
  };
}
