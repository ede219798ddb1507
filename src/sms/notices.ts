/**
 * Bulk notices: one request, many recipients, straight into the outbox in ONE transaction (all rows or
 * none; committed before the caller answers). Used by the department API (POST /api/v1/notices,
 * POST /api/v1/declarations/:code/notices) and the panel's bulk send.
 *
 * Rules (the same as a status push): every number is canonicalised; a number that is not a mobile
 * number is reported back (per recipient, by its position in the list) and skipped, not fatal; a
 * number that opted out (TD/退订) is skipped and reported; a repeated number gets one message; the
 * notices are pushes (reason 'push'): held for quiet hours, expired after sms.push_validity_hours.
 * Idempotent on the request's key: every row's dedupe key is `notice:<key>:<phone>`, so the same key
 * again queues nothing new and answers the same counts (duplicate: true).
 */
import { isMobileNumber, normalisePhone } from '../domain/masking.js';
import type { SubscriptionStore } from '../store/ports.js';
import type { Outbox, QueueRequest } from './outbox/outbox.js';

/** Most recipients one request may carry (the department API answers 413 above it). */
export const NOTICE_MAX_RECIPIENTS = 10_000;

export interface NoticeRequest {
  /** Idempotency key, unique per sender: e.g. `dept:<code>:<eventId>`, `staff:<eventId>`. */
  key: string;
  /** The whole SMS text (already rendered: signature, sender, 退订 hint). */
  text: string;
  recipients: readonly string[];
  createdBy: string;
}

export interface InvalidRecipient { index: number; phone: string; reason: string }

export interface NoticeResult {
  /** True when every recipient's message was already queued by an earlier request with this key. */
  duplicate: boolean;
  /** Distinct valid recipients whose message is in the outbox (queued now or by the earlier request). */
  accepted: number;
  /** Rows created by this request. */
  queued: number;
  /** Of those, held until quiet hours end. */
  held: number;
  /** Outbox messages per recipient (more than 1 when the text is longer than one message allows). */
  messagesPerRecipient: number;
  /** Recipients (as given) that opted out (TD/退订): not sent. */
  optedOut: string[];
  /** Recipients that are not mobile numbers: not sent. */
  invalid: InvalidRecipient[];
  /** Repeats of a number already in the list (sent once). */
  repeated: number;
}

export interface RecipientPlan { phones: string[]; given: Map<string, string>; invalid: InvalidRecipient[]; repeated: number }

/** Canonicalise, validate and de-duplicate a recipient list (pure). */
export function planRecipients(recipients: readonly string[]): RecipientPlan {
  const phones: string[] = [];
  const given = new Map<string, string>();
  const invalid: InvalidRecipient[] = [];
  let repeated = 0;
  recipients.forEach((raw, index) => {
    const s = typeof raw === 'string' ? raw.trim() : '';
    const phone = s ? normalisePhone(s) : '';
    if (!phone || !isMobileNumber(phone)) {
      invalid.push({ index, phone: String(raw).slice(0, 32), reason: s ? '不是手机号码 (not a mobile number)' : '号码为空 (empty)' });
      return;
    }
    if (given.has(phone)) { repeated++; return; }
    given.set(phone, s);
    phones.push(phone);
  });
  return { phones, given, invalid, repeated };
}

export interface NoticeDeps {
  outbox: Pick<Outbox, 'queueAll' | 'plan'>;
  subscriptions: Pick<SubscriptionStore, 'optedOutAmong'>;
  transaction<T>(fn: () => Promise<T>): Promise<T>;
}

/** What the department API and the panel use (ctx.notices; the SMS channel provides it). */
export interface NoticePort {
  /** The notice SMS (template push.notice): signature, sender, optional declaration, the text, the 退订 hint. */
  text(vars: { dept: string; text: string; code?: string | null; item?: string | null }): string;
  /** The messages a text is sent as (its length in SMS). */
  plan(text: string): Array<{ segments: number }>;
  send(r: NoticeRequest): Promise<NoticeResult>;
}

export class NoticeSender {
  constructor(private readonly d: NoticeDeps) {}

  /** Queue one notice to every valid, not opted-out recipient in one transaction; resolves after the commit. */
  send(r: NoticeRequest): Promise<NoticeResult> {
    const plan = planRecipients(r.recipients);
    const perRecipient = this.d.outbox.plan(r.text).length;
    return this.d.transaction(async () => {
      const out = new Set(await this.d.subscriptions.optedOutAmong(plan.phones));
      const targets = out.size ? plan.phones.filter((p) => !out.has(p)) : plan.phones;
      const rows = await this.d.outbox.queueAll(targets.map((phone): QueueRequest => ({
        phone, text: r.text, reason: 'push', template: 'push.notice', dedupeKey: `notice:${r.key}:${phone}`, createdBy: r.createdBy,
      })));
      let queued = 0, held = 0;
      for (const x of rows) if (x.created) { queued += x.ids.length; if (x.held) held += x.ids.length; }
      return {
        duplicate: targets.length > 0 && queued === 0, accepted: targets.length, queued, held, messagesPerRecipient: perRecipient,
        optedOut: plan.phones.filter((p) => out.has(p)).map((p) => plan.given.get(p) ?? p), invalid: plan.invalid, repeated: plan.repeated,
      };
    });
  }
}
