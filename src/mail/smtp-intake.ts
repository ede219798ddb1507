/**
 * Adapter (owns smtp-server): the mailbox's SMTP intake. Recipients other than the hotline address(es)
 * are refused at RCPT (550); the size limit is advertised (SIZE: a larger declared size is refused at
 * MAIL FROM) and enforced while receiving (552 after the data); senders and client IPs are rate
 * limited at MAIL FROM (450). The 250 is sent only after `receive` resolved — the mail and what it
 * became are committed by then; a failure there answers 451 and the sender's server tries again.
 */
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.js';
import { normaliseAddress } from './addresses.js';
import type { RateWindow } from './rate-limit.js';
import type { Envelope } from './intake.js';

export interface SmtpIntakeOptions {
  host: string; port: number; addresses: readonly string[]; maxBytes: number;
  perSender: RateWindow; perIp: RateWindow; now: () => number;
  receive(raw: Buffer, env: Envelope): Promise<string>;
  log: Logger;
}

function smtpError(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}

export class SmtpIntake {
  private server: SMTPServer | null = null;
  private readonly pending = new Set<Promise<unknown>>();
  constructor(private readonly o: SmtpIntakeOptions) {}

  get port(): number { return (this.server?.server.address() as AddressInfo | null)?.port ?? 0; }

  async start(): Promise<number> {
    const o = this.o;
    const mb = Math.round(o.maxBytes / 1048576);
    const server = new SMTPServer({
      banner: '96365 citizen mailbox', size: o.maxBytes, authOptional: true, disabledCommands: ['AUTH', 'STARTTLS'], logger: false,
      disableReverseLookup: true, socketTimeout: 120_000, closeTimeout: 5_000, maxClients: 200,
      onMailFrom(address, session, cb) {
        const sender = normaliseAddress(address.address) || '<>';
        const ip = session.remoteAddress ?? '';
        const t = o.now();
        if (!o.perIp.take(`ip:${ip}`, t)) return cb(smtpError(450, '4.7.1 Too many messages from your address, try again later'));
        if (sender !== '<>' && !o.perSender.take(`from:${sender}`, t)) return cb(smtpError(450, '4.7.1 Too many messages from this sender, try again later'));
        cb();
      },
      onRcptTo(address, _session, cb) {
        if (!o.addresses.includes(normaliseAddress(address.address))) return cb(smtpError(550, `5.1.1 <${address.address}>: no such mailbox here (this server accepts mail for the 96365 hotline only)`));
        cb();
      },
      onData: (stream: SMTPServerDataStream, session: SMTPServerSession, cb) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        stream.on('data', (c: Buffer) => { bytes += c.length; if (bytes <= o.maxBytes) chunks.push(c); });
        stream.on('end', () => {
          if (stream.sizeExceeded || bytes > o.maxBytes) return cb(smtpError(552, `5.3.4 Message exceeds the ${mb} MB size limit of the 96365 mailbox`));
          const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
          const p = o.receive(Buffer.concat(chunks), { mailFrom, remoteIp: session.remoteAddress ?? null })
            .then((msg) => cb(null, msg), (e: unknown) => {
              o.log.error('mail intake failed (451 sent, the sender retries)', { error: (e as Error).message });
              cb(smtpError(451, '4.3.0 Temporary failure storing the message, try again later'));
            });
          this.pending.add(p);
          void p.finally(() => this.pending.delete(p));
        });
      },
    });
    server.on('error', (e) => o.log.warn('mail intake SMTP error', { error: e.message }));
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(o.port, o.host, () => { server.server.off('error', reject); resolve(); });
    });
    this.server = server;
    return this.port;
  }

  /** Stops listening; mail being stored finishes first. */
  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((r) => s.close(() => r()));
    await Promise.allSettled([...this.pending]);
  }
}
