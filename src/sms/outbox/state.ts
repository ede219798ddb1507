/**
 * The outbox state machine (pure).
 *
 * Message: queued → submitting → submitted → delivered | undeliverable | expired | no_receipt
 *          queued/held → cancelled (staff) · any non-final → failed (permanent error or too many attempts)
 *          held (quiet hours) → queued (released at the end of quiet hours) · queued/held → expired (validity passed)
 *          held → superseded (a newer notice about the same declaration for the same phone was held after it)
 *          submitted → no_receipt when no receipt came within sms.receipt_timeout_hours (a receipt that still
 *          comes afterwards is applied: no_receipt → delivered | undeliverable | expired)
 * Segment: pending → submitting → submitted (has a message id: never sent again) → delivered | undeliverable | expired | no_receipt
 *          submitting → pending again when the outcome is unknown (link lost / process killed before the resp: at-least-once)
 */
export const MESSAGE_STATUSES = ['held', 'queued', 'submitting', 'submitted', 'delivered', 'undeliverable', 'expired', 'no_receipt', 'failed', 'cancelled', 'superseded'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];
export const FINAL_STATUSES: ReadonlySet<MessageStatus> = new Set(['delivered', 'undeliverable', 'expired', 'no_receipt', 'failed', 'cancelled', 'superseded']);

export type SegmentStatus = 'pending' | 'submitting' | 'submitted' | 'delivered' | 'undeliverable' | 'expired' | 'no_receipt' | 'failed';

export const REASONS = ['reply', 'survey', 'answer', 'manual', 'push', 'reminder'] as const;
export type Reason = (typeof REASONS)[number];

/** Lower runs first: replies to someone waiting on their phone before broadcast pushes. */
export const PRIORITY: Record<Reason, number> = { reply: 0, survey: 1, answer: 1, manual: 2, reminder: 3, push: 5 };

/** Only pushes wait for the end of quiet hours; a reply is an answer to a person who just wrote. */
export function heldByQuietHours(reason: Reason): boolean {
  return reason === 'push' || reason === 'reminder';
}

/** The message status once every segment has been submitted, from its segments' receipts. */
export function deriveFromSegments(segs: readonly SegmentStatus[]): MessageStatus {
  if (segs.some((s) => s === 'failed')) return 'failed';
  if (segs.some((s) => s === 'undeliverable')) return 'undeliverable';
  if (segs.some((s) => s === 'expired')) return 'expired';
  if (segs.length > 0 && segs.every((s) => s === 'delivered')) return 'delivered';
  if (segs.length > 0 && segs.some((s) => s === 'no_receipt') && segs.every((s) => s === 'delivered' || s === 'no_receipt')) return 'no_receipt';
  if (segs.every((s) => s === 'submitted' || s === 'delivered')) return 'submitted';
  return 'submitting';
}

/** Back-off before attempt n+1 (n ≥ 1): 2 s, 4 s, 8 s … capped at 5 min, with ±20 % jitter. */
export function retryDelayMs(attempts: number, random: () => number = Math.random): number {
  const base = Math.min(300_000, 2000 * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** Receipt state → segment status. */
export function segmentStatusFromReceipt(outcome: 'delivered' | 'expired' | 'undeliverable' | 'pending'): SegmentStatus | null {
  return outcome === 'pending' ? null : outcome;
}
