/**
 * The call queue's persistent side (migration 12): operator seats (endpoint, seat state), the callers
 * waiting (call_queue) and the call-back requests (callback_requests). The queue logic itself is the
 * pure reducer in src/voice/queue/; this keeps what must survive a restart. seq is the queue order
 * shared by both tables (nextSeq): a caller's call-back is requested with the caller's seq.
 */
import type { Db } from '../db.js';

export type SeatStateValue = 'ready' | 'break' | 'loggedOut' | 'ringing' | 'busy' | 'wrapUp';
export type QueuePriority = 'urgent' | 'normal';
export type CallbackStatus = 'requested' | 'dialing' | 'done' | 'failed' | 'cancelled';
export type CallbackReason = 'queue' | 'answer' | 'notice';
export type CallbackNoticeKind = 'interim' | 'closed';

export interface SeatRow {
  userId: number;
  username: string;
  displayName: string | null;
  endpoint: string;
  seatState: SeatStateValue;
  seatStateAt: string | null;
}

export interface QueuedCallRow {
  callId: string; seq: number; priority: QueuePriority; phone: string | null; enqueuedAt: string; ownerInstance: string | null; updatedAt: string;
}

export interface CallbackRow {
  id: number;
  phone: string;
  callId: string | null;
  feedbackId: number | null;
  reason: CallbackReason;
  /** reason 'notice': which work-order notice, and the text the call reads. */
  noticeKind: CallbackNoticeKind | null;
  noticeText: string | null;
  priority: QueuePriority;
  seq: number;
  attempts: number;
  nextAttemptAt: string;
  status: CallbackStatus;
  lastResult: string | null;
  ownerInstance: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface NewCallback {
  phone: string; callId: string | null; feedbackId: number | null; reason: CallbackReason; priority: QueuePriority; seq: number; nextAttemptAt: string;
  noticeKind?: CallbackNoticeKind | null; noticeText?: string | null;
}

/** Urgent first, then queue order (the text values do not sort that way). */
export const QUEUE_ORDER = `CASE priority WHEN 'urgent' THEN 0 ELSE 1 END, seq`;

const SEAT_SELECT = `SELECT id, username, display_name, endpoint, seat_state, seat_state_at FROM staff_users`;

export function toSeat(r: any): SeatRow {
  return { userId: Number(r.id), username: r.username, displayName: r.display_name ?? null, endpoint: r.endpoint, seatState: r.seat_state, seatStateAt: r.seat_state_at ?? null };
}
export function toQueued(r: any): QueuedCallRow {
  return { callId: r.call_id, seq: Number(r.seq), priority: r.priority, phone: r.phone ?? null, enqueuedAt: r.enqueued_at, ownerInstance: r.owner_instance ?? null, updatedAt: r.updated_at };
}
export function toCallback(r: any): CallbackRow {
  return {
    id: Number(r.id), phone: r.phone, callId: r.call_id ?? null, feedbackId: r.feedback_id === null || r.feedback_id === undefined ? null : Number(r.feedback_id),
    reason: r.reason, noticeKind: r.notice_kind ?? null, noticeText: r.notice_text ?? null, priority: r.priority, seq: Number(r.seq), attempts: r.attempts, nextAttemptAt: r.next_attempt_at, status: r.status,
    lastResult: r.last_result ?? null, ownerInstance: r.owner_instance ?? null, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

export class SqliteCallQueueRepo {
  private s;
  private readonly claimTx: (now: string, owner: string, limit: number, reasons?: CallbackReason[]) => CallbackRow[];
  constructor(db: Db) {
    this.s = {
      setEndpoint: db.prepare('UPDATE staff_users SET endpoint = ?, updated_at = ? WHERE id = ?'),
      setSeat: db.prepare('UPDATE staff_users SET seat_state = ?, seat_state_at = ? WHERE id = ?'),
      seats: db.prepare(`${SEAT_SELECT} WHERE endpoint IS NOT NULL AND role = 'operator' AND disabled = 0 ORDER BY id`),
      byEndpoint: db.prepare(`${SEAT_SELECT} WHERE endpoint = ?`),
      seat: db.prepare(`${SEAT_SELECT} WHERE id = ? AND endpoint IS NOT NULL`),
      nextSeq: db.prepare(`SELECT MAX(m) FROM (SELECT MAX(seq) AS m FROM call_queue UNION ALL SELECT MAX(seq) FROM callback_requests)`).pluck(),
      enqueue: db.prepare(`INSERT INTO call_queue (call_id, seq, priority, phone, enqueued_at, owner_instance, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`),
      dequeue: db.prepare('DELETE FROM call_queue WHERE call_id = ?'),
      queued: db.prepare(`SELECT * FROM call_queue ORDER BY ${QUEUE_ORDER}`),
      ownedBy: db.prepare(`DELETE FROM call_queue WHERE owner_instance IS ? RETURNING *`),
      request: db.prepare(`INSERT INTO callback_requests (phone, call_id, feedback_id, reason, notice_kind, notice_text, priority, seq, next_attempt_at, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`),
      byId: db.prepare('SELECT * FROM callback_requests WHERE id = ?'),
      open: db.prepare(`SELECT * FROM callback_requests WHERE status IN ('requested', 'dialing') ORDER BY ${QUEUE_ORDER}`),
      due: db.prepare(`SELECT * FROM callback_requests WHERE status = 'requested' AND next_attempt_at <= ? AND (? IS NULL OR instr(?, ',' || reason || ',') > 0)
        ORDER BY ${QUEUE_ORDER} LIMIT ?`),
      claim: db.prepare(`UPDATE callback_requests SET status = 'dialing', owner_instance = ?, updated_at = ? WHERE id = ? AND status = 'requested'`),
      attempt: db.prepare(`UPDATE callback_requests SET attempts = attempts + 1, last_result = ?, status = ?, next_attempt_at = COALESCE(?, next_attempt_at),
        owner_instance = NULL, updated_at = ? WHERE id = ? AND status IN ('requested', 'dialing') RETURNING *`),
      finish: db.prepare(`UPDATE callback_requests SET status = ?, last_result = COALESCE(?, last_result), owner_instance = NULL, updated_at = ?
        WHERE id = ? AND status IN ('requested', 'dialing')`),
      dialing: db.prepare(`UPDATE callback_requests SET status = 'dialing', owner_instance = ?, updated_at = ? WHERE id = ? AND status IN ('requested', 'dialing')`),
      release: db.prepare(`UPDATE callback_requests SET status = 'requested', owner_instance = NULL, updated_at = ? WHERE status = 'dialing' AND owner_instance IS ?`),
    };
    this.claimTx = db.transaction((now: string, owner: string, limit: number, reasons?: CallbackReason[]) => {
      const only = reasons ? `,${reasons.join(',')},` : null;
      const due = (this.s.due.all(now, only, only, limit) as any[]).map(toCallback);
      for (const c of due) { this.s.claim.run(owner, now, c.id); c.status = 'dialing'; c.ownerInstance = owner; c.updatedAt = now; }
      return due;
    });
  }

  // ── seats ──
  /** Set (or clear) an operator's SIP endpoint; another user's endpoint → a UNIQUE constraint error. */
  setEndpoint(userId: number, endpoint: string | null, now: string): boolean { return this.s.setEndpoint.run(endpoint, now, userId).changes > 0; }
  setSeatState(userId: number, state: SeatStateValue, now: string): boolean { return this.s.setSeat.run(state, now, userId).changes > 0; }
  /** Enabled operators with an endpoint, in registration (id) order. */
  seats(): SeatRow[] { return (this.s.seats.all() as any[]).map(toSeat); }
  seat(userId: number): SeatRow | undefined { const r = this.s.seat.get(userId); return r ? toSeat(r) : undefined; }
  seatByEndpoint(endpoint: string): SeatRow | undefined { const r = this.s.byEndpoint.get(endpoint); return r ? toSeat(r) : undefined; }

  // ── callers waiting ──
  /** The next queue position number (after every caller and call-back stored). */
  nextSeq(): number { return Number(this.s.nextSeq.get() ?? 0) + 1; }
  enqueue(e: { callId: string; seq: number; priority: QueuePriority; phone: string | null; ownerInstance: string | null }, now: string): void {
    this.s.enqueue.run(e.callId, e.seq, e.priority, e.phone, now, e.ownerInstance, now);
  }
  dequeue(callId: string): boolean { return this.s.dequeue.run(callId).changes > 0; }
  /** Callers waiting, in queue order. */
  queued(): QueuedCallRow[] { return (this.s.queued.all() as any[]).map(toQueued); }
  /** Take the callers an instance left in the queue (it crashed or restarts): removed and returned, in queue order. */
  takeOwnedBy(owner: string | null): QueuedCallRow[] {
    return (this.s.ownedBy.all(owner) as any[]).map(toQueued).sort((a, b) => (a.priority === b.priority ? a.seq - b.seq : a.priority === 'urgent' ? -1 : 1));
  }

  // ── call-back requests ──
  request(c: NewCallback, now: string): CallbackRow {
    return toCallback(this.s.request.get(c.phone, c.callId, c.feedbackId, c.reason, c.noticeKind ?? null, c.noticeText ?? null, c.priority, c.seq, c.nextAttemptAt, now, now));
  }
  callback(id: number): CallbackRow | undefined { const r = this.s.byId.get(id); return r ? toCallback(r) : undefined; }
  /** Requested or dialing, in queue order (what the queue restores at start). */
  openCallbacks(): CallbackRow[] { return (this.s.open.all() as any[]).map(toCallback); }
  /**
   * Claim due requests (requested, next attempt reached; of these reasons only, when given) for this
   * instance: → dialing, in queue order; one transaction.
   */
  claimDue(now: string, owner: string, limit: number, reasons?: CallbackReason[]): CallbackRow[] { return this.claimTx(now, owner, limit, reasons); }
  /**
   * One attempt to reach the citizen failed (noAnswer, busy): attempts + 1 and, with nextAttemptAt,
   * back to requested for then; without, failed finally.
   */
  recordAttempt(id: number, result: string, nextAttemptAt: string | null, now: string): CallbackRow | undefined {
    const r = this.s.attempt.get(result, nextAttemptAt === null ? 'failed' : 'requested', nextAttemptAt, now, id);
    return r ? toCallback(r) : undefined;
  }
  /** The queue dials the citizen now (this instance): → dialing; false when the request is closed. */
  markDialing(id: number, owner: string | null, now: string): boolean { return this.s.dialing.run(owner, now, id).changes > 0; }
  /** done (the citizen answered), failed or cancelled; attempts unchanged; false when already closed. */
  finish(id: number, status: 'done' | 'failed' | 'cancelled', result: string | null, now: string): boolean {
    return this.s.finish.run(status, result, now, id).changes > 0;
  }
  /** Requests an instance was dialing when it stopped: back to requested (the attempt did not happen). */
  releaseDialing(owner: string | null, now: string): number { return this.s.release.run(now, owner).changes; }
}
