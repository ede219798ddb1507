/**
 * A local SMTP sink (demo mode and tests): stands in for the outbound relay and keeps every mail it is
 * given, in memory (the latest 500), parsed for the test mailbox. Accepts any sender and recipient.
 */
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';

export interface SinkMail {
  from: string; to: string[]; subject: string; text: string; messageId: string | null; inReplyTo: string | null; references: string[];
  headers: Record<string, string>; at: string;
}

export class MailSink extends EventEmitter {
  readonly mails: SinkMail[] = [];
  private server: SMTPServer | null = null;
  /** Refuse the next n mails with 451 (fault tests). */
  failNext = 0;

  get port(): number { return (this.server?.server.address() as AddressInfo | null)?.port ?? 0; }

  async start(opts: { host?: string; port?: number } = {}): Promise<number> {
    const server = new SMTPServer({
      authOptional: true, disabledCommands: ['AUTH', 'STARTTLS'], logger: false, disableReverseLookup: true, banner: 'hotline mail sink',
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if (this.failNext > 0) { this.failNext--; return cb(Object.assign(new Error('4.3.0 sink asked to fail'), { responseCode: 451 })); }
          simpleParser(Buffer.concat(chunks), { skipImageLinks: true, skipTextToHtml: true }).then((m) => {
            const headers: Record<string, string> = {};
            for (const h of m.headerLines ?? []) headers[h.key.toLowerCase()] = h.line.slice(h.line.indexOf(':') + 1).trim();
            const refs = Array.isArray(m.references) ? m.references : m.references ? m.references.split(/\s+/) : [];
            const mail: SinkMail = {
              from: m.from?.value?.[0]?.address ?? '', to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()), subject: m.subject ?? '',
              text: typeof m.text === 'string' ? m.text : '', messageId: m.messageId ?? null, inReplyTo: m.inReplyTo ?? null, references: refs, headers, at: new Date().toISOString(),
            };
            this.mails.push(mail);
            if (this.mails.length > 500) this.mails.shift();
            this.emit('mail', mail);
            cb();
          }, (e: Error) => cb(e));
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => { server.server.off('error', reject); resolve(); });
    });
    this.server = server;
    return this.port;
  }

  /** Mail received for this address (newest last). */
  received(address: string): SinkMail[] { const a = address.trim().toLowerCase(); return this.mails.filter((m) => m.to.includes(a)); }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}
