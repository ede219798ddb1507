/**
 * Loop and abuse protection (RFC 3834): whether an inbound mail may get an automatic reply, and
 * whether it is a delivery report (bounce). Pure: the headers in, a verdict out.
 *  - drop: not a citizen's letter at all (a mailer-daemon / postmaster, or our own address): stored,
 *    never a work order, never answered;
 *  - noReply: a work order, but no auto-reply (Auto-Submitted other than "no", Precedence bulk / list /
 *    junk, List-Id / List-Unsubscribe, an empty return-path <>);
 *  - reply: a citizen's letter: the auto-reply with the reference goes out.
 */

export interface LoopFacts {
  /** Header name (lower case) → value; absent headers are missing. */
  headers: Record<string, string>;
  /** The sender (From), normalised ('' when unreadable). */
  from: string;
  /** The envelope sender (MAIL FROM / Return-Path), normalised; '' for the null sender <>. */
  returnPath: string;
  /** Our own addresses (the hotline's and the relay's from). */
  own: readonly string[];
}

export type LoopVerdict = { action: 'reply' } | { action: 'noReply' | 'drop'; reason: string };

const DAEMON = /^(mailer-daemon|postmaster|mail-daemon|mailerdaemon|noreply-dsn)@/i;

export function loopVerdict(f: LoopFacts): LoopVerdict {
  const h = f.headers;
  if (f.from && f.own.includes(f.from)) return { action: 'drop', reason: 'own address' };
  if (DAEMON.test(f.from) || DAEMON.test(f.returnPath)) return { action: 'drop', reason: 'mailer-daemon' };
  const auto = (h['auto-submitted'] ?? '').trim().toLowerCase();
  if (auto && !/^no\b/.test(auto)) return { action: 'noReply', reason: `Auto-Submitted: ${auto}` };
  const prec = (h['precedence'] ?? '').trim().toLowerCase();
  if (['bulk', 'list', 'junk', 'auto_reply'].includes(prec)) return { action: 'noReply', reason: `Precedence: ${prec}` };
  if (h['list-id'] !== undefined) return { action: 'noReply', reason: 'List-Id' };
  if (h['list-unsubscribe'] !== undefined) return { action: 'noReply', reason: 'List-Unsubscribe' };
  if ((h['x-auto-response-suppress'] ?? '').toLowerCase().match(/\b(all|autoreply|oof)\b/)) return { action: 'noReply', reason: 'X-Auto-Response-Suppress' };
  if (!f.returnPath) return { action: 'noReply', reason: 'empty return-path' };
  if (!f.from) return { action: 'noReply', reason: 'no sender address' };
  return { action: 'reply' };
}

/** A delivery status notification (multipart/report; report-type=delivery-status), or a daemon's bounce. */
export function isBounce(contentType: string, from: string, returnPath: string): boolean {
  const ct = contentType.toLowerCase();
  if (ct.startsWith('multipart/report') && /report-type\s*=\s*"?delivery-status/.test(ct)) return true;
  return DAEMON.test(from) && !returnPath;
}

/** The recipients a DSN reports as failed (Final-Recipient with Action: failed), normalised. */
export function bouncedRecipients(dsnText: string): string[] {
  const out: string[] = [];
  for (const block of dsnText.split(/\r?\n\s*\r?\n/)) {
    const rcpt = /^final-recipient:\s*[^;]*;\s*(\S+)/im.exec(block);
    const action = /^action:\s*(\S+)/im.exec(block);
    if (rcpt && (!action || action[1].toLowerCase() === 'failed')) {
      const a = rcpt[1].replace(/[<>]/g, '').trim().toLowerCase();
      if (a.includes('@') && !out.includes(a)) out.push(a);
    }
  }
  return out;
}
