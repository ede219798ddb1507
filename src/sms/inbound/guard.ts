/**
 * The abuse and loop guard for automatic SMS replies. Pure.
 *
 * Senders: our own numbers (the short code and sms.own_numbers in any form, SP long numbers carrying
 * them) and alphanumeric ids are never citizens — their texts are stored and acknowledged but do
 * nothing (a `TS …` from the short code must not become a complaint, and an answer to ourselves
 * would loop). Automatic replies go only to mainland mobiles. Per canonical number at most `cap`
 * replies per window; the text after that gets one "too many messages, please call 96365" notice,
 * then silence until the window has passed.
 */
import { isOwnNumber, parsePhone } from '../../domain/phone.js';

export type SenderClass = 'citizen' | 'own' | 'alphanumeric';

/** Is the sender a citizen (act on the text), or one of our own numbers / an alphanumeric id (ignore)? */
export function classifySender(phone: string, own: readonly string[]): SenderClass {
  const p = parsePhone(phone);
  if (p.alphanumeric) return 'alphanumeric';
  if (isOwnNumber(phone, own)) return 'own';
  return 'citizen';
}

/** Can an automatic reply go to this number? Mainland mobiles only, never our own numbers. */
export function canReplyTo(phone: string, own: readonly string[]): boolean {
  return parsePhone(phone).kind === 'mobile' && !isOwnNumber(phone, own);
}

export type ReplyDecision = 'reply' | 'notice' | 'silent';

/**
 * Within the window: `replies` automatic replies already queued to this number (the notice included),
 * `noticeSent` whether the "too many" notice is among them.
 */
export function replyDecision(replies: number, noticeSent: boolean, cap: number): ReplyDecision {
  if (replies < cap) return 'reply';
  return noticeSent ? 'silent' : 'notice';
}

/** The template of the "too many messages, please call 96365" notice. */
export const RATE_LIMIT_TEMPLATE = 'reply.lookup_limit';
