/**
 * Adapter (owns mailparser): a raw message → the plain fields the mailbox uses. The body is the plain
 * text part, else the HTML part through ./html-text.ts; headers are read from the raw header lines
 * (lower-case name → unfolded value) for the loop guard; a DSN's machine-readable part is kept as text.
 */
import { simpleParser } from 'mailparser';
import { htmlToText, tidyText } from './html-text.js';
import { messageIdsIn } from './compose.js';
import { normaliseAddress } from './addresses.js';

export interface ParsedAttachment { filename: string; contentType: string; size: number; content: Buffer }

export interface ParsedLetter {
  messageId: string | null;
  from: string;
  subject: string;
  body: string;
  inReplyTo: string | null;
  references: string[];
  headers: Record<string, string>;
  contentType: string;
  attachments: ParsedAttachment[];
  /** The message/delivery-status part of a DSN as text (else the text: a DSN's report part is read into it). */
  deliveryStatus: string;
}

export async function parseLetter(raw: Buffer, maxChars = 20_000): Promise<ParsedLetter> {
  const m = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, skipHtmlToText: true });
  const headers: Record<string, string> = {};
  for (const h of m.headerLines ?? []) {
    const i = h.line.indexOf(':');
    if (i > 0 && !(h.key in headers)) headers[h.key.toLowerCase()] = h.line.slice(i + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
  }
  const fromValue = m.from?.value?.[0]?.address ?? '';
  const plain = typeof m.text === 'string' && m.text.trim() ? tidyText(m.text, maxChars) : '';
  const html = typeof m.html === 'string' ? m.html : '';
  const body = plain || (html ? htmlToText(html, maxChars) : '');
  let deliveryStatus = '';
  const attachments: ParsedAttachment[] = [];
  for (const a of m.attachments ?? []) {
    const ct = (a.contentType ?? 'application/octet-stream').toLowerCase();
    if (ct === 'message/delivery-status' || ct === 'message/global-delivery-status') { deliveryStatus += a.content.toString('utf8'); continue; }
    attachments.push({ filename: a.filename ?? 'attachment', contentType: ct, size: a.size ?? a.content.length, content: a.content });
  }
  return {
    messageId: m.messageId ? (messageIdsIn(m.messageId)[0] ?? `<${m.messageId.replace(/[<>\s]/g, '')}>`) : null,
    from: normaliseAddress(fromValue),
    subject: (m.subject ?? '').trim(),
    body,
    inReplyTo: messageIdsIn(m.inReplyTo ?? null)[0] ?? null,
    references: messageIdsIn(m.references ?? null),
    headers,
    contentType: headers['content-type'] ?? 'text/plain',
    attachments,
    // mailparser reads a message/delivery-status part as text: then the Final-Recipient lines are in the text
    deliveryStatus: deliveryStatus || (typeof m.text === 'string' ? m.text : ''),
  };
}
