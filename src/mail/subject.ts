/**
 * What a mail's subject says to the mailbox: the work-order reference of a reply (【96365-2612030001】),
 * a subscription command (订阅 / 退订 + query code), the kind of a new letter. Pure.
 */
import type { FeedbackKind } from '../domain/types.js';

const REF = /[【[［(（]\s*96365\s*[-－—–:：]\s*(\d{10,12})\s*[】\]］)）]/;

/** The reference number in a subject's 【96365-REF】 tag, or null. */
export function refInSubject(subject: string | null | undefined): string | null {
  const m = REF.exec(subject ?? '');
  return m ? m[1] : null;
}

/** The tag our mail carries in the subject. */
export function refTag(ref: string): string { return `【96365-${ref}】`; }

export type MailCommand = { cmd: 'subscribe'; code: string } | { cmd: 'unsubscribe'; code: string | null };

/** 订阅 <query code> / 退订 [<query code>] (also DY / TD as on SMS) as the whole subject; null for a letter. */
export function mailCommand(subject: string | null | undefined): MailCommand | null {
  const s = (subject ?? '').trim().replace(/\s+/g, ' ');
  const sub = /^(?:订阅|DY)\s*[:：]?\s*(\d{6,20})$/i.exec(s);
  if (sub) return { cmd: 'subscribe', code: sub[1] };
  const un = /^(?:退订|取消订阅|TD)(?:\s*[:：]?\s*(\d{6,20}))?$/i.exec(s);
  if (un) return { cmd: 'unsubscribe', code: un[1] ?? null };
  return null;
}

/** A new letter's kind from its subject (投诉 / 咨询 / 建议 / 举报); otherwise 诉求 for staff to classify. */
export function kindOfLetter(subject: string | null | undefined): FeedbackKind {
  const s = subject ?? '';
  if (/举报/.test(s)) return 'report';
  if (/投诉/.test(s)) return 'complaint';
  if (/咨询|请问/.test(s)) return 'consultation';
  if (/建议/.test(s)) return 'suggestion';
  return 'request';
}

/** Reply subject: one "Re: ", the tag once. */
export function replySubject(original: string | null | undefined, ref: string, fallback: string): string {
  let s = (original ?? '').replace(/^\s*((re|回复|答复|fw|fwd|转发)\s*[:：]\s*)+/i, '').trim();
  if (!s) s = fallback;
  if (refInSubject(s) !== ref) s = `${s} ${refTag(ref)}`;
  return `Re: ${s}`;
}
