/**
 * What the dispatcher does with the outcome of one segment's submit_sm (pure). The dispatcher applies
 * the decision: the store writes, the counters, the token bucket, the logs.
 *
 *  - ok: the segment is answered (its message id stored; never submitted again), the next segment goes.
 *  - error: permanent, or the message has had maxAttempts attempts → the message fails (the error text
 *    says which segment; "gave up after n attempts" when it was not permanent). Otherwise it is queued
 *    again: after 200–500 ms when throttled (ESME_RTHROTTLED, 0x58: the bucket slows down instead),
 *    else after the back-off of `retryDelayMs`.
 *  - unknown (no answer: link lost, or the process is stopping): queued again in 500 ms, and resent
 *    (at-least-once); counted in unknown_outcomes when the submit was written to the socket (it may have
 *    reached the SMSC: a possible duplicate). After maxAttempts + 2 attempts the message fails, still
 *    requeued first so its row is released.
 */
import type { SubmitOutcome } from '../link/smpp-link.js';
import { messageIdKeys, canonicalMessageId, type Receipt } from '../codec/index.js';
import { retryDelayMs, segmentStatusFromReceipt, type SegmentStatus } from './state.js';

/** ESME_RTHROTTLED */
export const THROTTLED = 0x58;

export interface OutcomeSettings {
  maxAttempts: number;
}

/** The message whose segment was submitted: its attempts (this one included) and the segment's number (1-based). */
export interface SubmitContext {
  attempts: number;
  seq: number;
}

export type Decision =
  | { kind: 'answered'; messageId: string }
  /** `reason`: the requeue's last error; `error`: the message's error text. */
  | { kind: 'failed'; status: number; reason: string; error: string; throttled: boolean }
  | { kind: 'retry'; delayMs: number; reason: string; throttled: boolean }
  /** `counted`: the submit was written (unknown_outcomes +1, warned as a possible duplicate); `giveUp`: the message's error when it fails now. */
  | { kind: 'unknown'; cause: 'timeout' | 'link-lost'; delayMs: number; reason: string; counted: boolean; giveUp: string | null };

/** Requeue delay after an unknown outcome (the link is usually back within it, or the pump waits for the bind). */
export const UNKNOWN_REQUEUE_MS = 500;

export function decideOutcome(outcome: SubmitOutcome, m: SubmitContext, s: OutcomeSettings, rand: () => number = Math.random): Decision {
  if (outcome.kind === 'ok') return { kind: 'answered', messageId: outcome.messageId };
  if (outcome.kind === 'error') {
    const throttled = outcome.status === THROTTLED;
    const reason = `${outcome.statusName} (0x${outcome.status.toString(16)}) on segment ${m.seq}`;
    if (outcome.permanent || m.attempts >= s.maxAttempts) {
      return { kind: 'failed', status: outcome.status, reason, error: outcome.permanent ? reason : `${reason}; gave up after ${m.attempts} attempts`, throttled };
    }
    return { kind: 'retry', delayMs: throttled ? 200 + rand() * 300 : retryDelayMs(m.attempts, rand), reason, throttled };
  }
  return {
    kind: 'unknown', cause: outcome.reason, delayMs: UNKNOWN_REQUEUE_MS, reason: `no response (${outcome.reason})`, counted: outcome.written,
    giveUp: m.attempts >= s.maxAttempts + 2 ? `no response after ${m.attempts} attempts` : null,
  };
}

/**
 * A delivery receipt, before the store lookup: the keys to look its segment up by (every form of either
 * id, in order: the first that names a segment is the one), the status it records (null for an
 * intermediate one: ENROUTE/ACCEPTED), the error code (numeric `err:` only) and the id it is kept under
 * when no segment has it yet. Null: no id at all (ignored).
 */
export interface ReceiptLookup { keys: string[]; status: SegmentStatus | null; errCode: number | null; keepAs: string }

export function receiptLookup(r: Pick<Receipt, 'id' | 'altId' | 'outcome' | 'err'>): ReceiptLookup | null {
  const ids = [r.id, r.altId].filter((x): x is string => !!x);
  if (ids.length === 0) return null;
  return {
    keys: ids.flatMap((id) => messageIdKeys(id)), status: segmentStatusFromReceipt(r.outcome),
    errCode: r.err !== null && /^\d+$/.test(r.err) ? Number(r.err) : null, keepAs: canonicalMessageId(ids[0]),
  };
}

/** After the lookup: matched (a segment has it; an intermediate one records nothing), kept for matching later (a final one), or ignored. */
export function receiptResult(l: ReceiptLookup | null, found: boolean): 'matched' | 'kept' | 'ignored' {
  if (!l) return 'ignored';
  if (found) return 'matched';
  return l.status ? 'kept' : 'ignored';
}
