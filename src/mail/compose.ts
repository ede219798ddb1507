/**
 * Our outbound mail as data: Message-IDs, the threading headers (In-Reply-To = the mail answered,
 * References = the thread so far, capped as RFC 5322 suggests: the first and the latest), and the
 * auto-reply markers (Auto-Submitted, X-Auto-Response-Suppress) that keep other robots from answering.
 * Pure; the relay adapter (./relay.ts) hands the result to nodemailer.
 */
import { domainOf } from './addresses.js';

export interface OutgoingMessage {
  from: string; to: string; subject: string; text: string; messageId: string;
  inReplyTo?: string; references?: string; headers: Record<string, string>;
}

/** A new Message-ID of ours, `<kind.random@domain>` (random from the caller: pure). */
export function newMessageId(kind: string, random: string, fromAddress: string): string {
  return `<${kind}.${random}@${domainOf(fromAddress)}>`;
}

/** The References value for a reply: the thread's ids (oldest first) ending with the one answered, at most `max`, keeping the first. */
export function referencesFor(thread: readonly string[], inReplyTo: string | null, max = 10): string[] {
  const ids = thread.filter((id, i) => id && thread.indexOf(id) === i && id !== inReplyTo);
  if (inReplyTo) ids.push(inReplyTo);
  if (ids.length <= max) return ids;
  return [ids[0], ...ids.slice(ids.length - (max - 1))];
}

/** Message-IDs named in an In-Reply-To / References value (`<a@b> <c@d>`), in order, without duplicates. */
export function messageIdsIn(value: string | string[] | null | undefined): string[] {
  const s = Array.isArray(value) ? value.join(' ') : value ?? '';
  const out: string[] = [];
  for (const m of s.match(/<[^<>\s]+>/g) ?? []) if (!out.includes(m)) out.push(m);
  return out;
}

export interface ComposeInput {
  from: string; to: string; subject: string; text: string; messageId: string;
  inReplyTo?: string | null; references?: readonly string[] | string | null;
  /** An automatic answer (auto-reply, notices, pushes): marked so that no robot replies to it. */
  automatic: boolean;
}

export function composeMessage(m: ComposeInput): OutgoingMessage {
  const headers: Record<string, string> = {};
  if (m.automatic) { headers['Auto-Submitted'] = 'auto-replied'; headers['X-Auto-Response-Suppress'] = 'All'; headers['Precedence'] = 'auto_reply'; }
  const refs = typeof m.references === 'string' ? messageIdsIn(m.references) : [...(m.references ?? [])];
  const out: OutgoingMessage = { from: m.from, to: m.to, subject: m.subject, text: m.text, messageId: m.messageId, headers };
  if (m.inReplyTo) out.inReplyTo = m.inReplyTo;
  if (refs.length) out.references = refs.join(' ');
  return out;
}
