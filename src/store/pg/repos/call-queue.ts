import type { AsyncOf } from '../../async.js';
import {
  QUEUE_ORDER, toCallback, toQueued, toSeat, type CallbackReason, type CallbackRow, type NewCallback, type QueuedCallRow, type QueuePriority, type SeatRow, type SeatStateValue,
  type SqliteCallQueueRepo,
} from '../../repos/call-queue.js';
import { withTransaction, type Queryable } from '../pool.js';
import { changes, row, rows } from './util.js';

const SEAT_SELECT = `SELECT id, username, display_name, endpoint, seat_state, seat_state_at FROM staff_users`;

/** The call queue on PostgreSQL (see ../../repos/call-queue.ts); due call-backs are claimed FOR UPDATE SKIP LOCKED. */
export class PgCallQueueRepo implements AsyncOf<SqliteCallQueueRepo> {
  constructor(private readonly q: Queryable) {}

  async setEndpoint(userId: number, endpoint: string | null, now: string): Promise<boolean> {
    return (await changes(this.q, 'UPDATE staff_users SET endpoint = $1, updated_at = $2 WHERE id = $3', [endpoint, now, userId])) > 0;
  }
  async setSeatState(userId: number, state: SeatStateValue, now: string): Promise<boolean> {
    return (await changes(this.q, 'UPDATE staff_users SET seat_state = $1, seat_state_at = $2 WHERE id = $3', [state, now, userId])) > 0;
  }
  async seats(): Promise<SeatRow[]> {
    return (await rows(this.q, `${SEAT_SELECT} WHERE endpoint IS NOT NULL AND role = 'operator' AND disabled = 0 ORDER BY id`)).map(toSeat);
  }
  async seat(userId: number): Promise<SeatRow | undefined> { const r = await row(this.q, `${SEAT_SELECT} WHERE id = $1 AND endpoint IS NOT NULL`, [userId]); return r ? toSeat(r) : undefined; }
  async seatByEndpoint(endpoint: string): Promise<SeatRow | undefined> { const r = await row(this.q, `${SEAT_SELECT} WHERE endpoint = $1`, [endpoint]); return r ? toSeat(r) : undefined; }

  async nextSeq(): Promise<number> {
    const r = await row<{ m: string | null }>(this.q, 'SELECT GREATEST((SELECT MAX(seq) FROM call_queue), (SELECT MAX(seq) FROM callback_requests)) AS m');
    return Number(r?.m ?? 0) + 1;
  }
  async enqueue(e: { callId: string; seq: number; priority: QueuePriority; phone: string | null; ownerInstance: string | null }, now: string): Promise<void> {
    await this.q.query(`INSERT INTO call_queue (call_id, seq, priority, phone, enqueued_at, owner_instance, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $5)`,
      [e.callId, e.seq, e.priority, e.phone, now, e.ownerInstance]);
  }
  async dequeue(callId: string): Promise<boolean> { return (await changes(this.q, 'DELETE FROM call_queue WHERE call_id = $1', [callId])) > 0; }
  async queued(): Promise<QueuedCallRow[]> { return (await rows(this.q, `SELECT * FROM call_queue ORDER BY ${QUEUE_ORDER}`)).map(toQueued); }
  async takeOwnedBy(owner: string | null): Promise<QueuedCallRow[]> {
    return (await rows(this.q, 'DELETE FROM call_queue WHERE owner_instance IS NOT DISTINCT FROM $1 RETURNING *', [owner])).map(toQueued)
      .sort((a, b) => (a.priority === b.priority ? a.seq - b.seq : a.priority === 'urgent' ? -1 : 1));
  }

  async request(c: NewCallback, now: string): Promise<CallbackRow> {
    return toCallback(await row(this.q, `INSERT INTO callback_requests (phone, call_id, feedback_id, reason, notice_kind, notice_text, priority, seq, next_attempt_at, created_at, updated_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING *`,
    [c.phone, c.callId, c.feedbackId, c.reason, c.noticeKind ?? null, c.noticeText ?? null, c.priority, c.seq, c.nextAttemptAt, now]));
  }
  async callback(id: number): Promise<CallbackRow | undefined> { const r = await row(this.q, 'SELECT * FROM callback_requests WHERE id = $1', [id]); return r ? toCallback(r) : undefined; }
  async openCallbacks(): Promise<CallbackRow[]> {
    return (await rows(this.q, `SELECT * FROM callback_requests WHERE status IN ('requested', 'dialing') ORDER BY ${QUEUE_ORDER}`)).map(toCallback);
  }
  async claimDue(now: string, owner: string, limit: number, reasons?: CallbackReason[]): Promise<CallbackRow[]> {
    return withTransaction(this.q, async (c) => {
      const due = (await rows(c, `SELECT id FROM callback_requests WHERE status = 'requested' AND next_attempt_at <= $1
        AND ($3::text[] IS NULL OR reason = ANY($3::text[])) ORDER BY ${QUEUE_ORDER} LIMIT $2 FOR UPDATE SKIP LOCKED`, [now, limit, reasons ?? null])).map((r) => Number(r.id));
      if (!due.length) return [];
      const claimed = (await rows(c, `UPDATE callback_requests SET status = 'dialing', owner_instance = $1, updated_at = $2
        WHERE id = ANY($3::bigint[]) RETURNING *`, [owner, now, due])).map(toCallback);
      return claimed.sort((a, b) => due.indexOf(a.id) - due.indexOf(b.id));
    });
  }
  async recordAttempt(id: number, result: string, nextAttemptAt: string | null, now: string): Promise<CallbackRow | undefined> {
    const r = await row(this.q, `UPDATE callback_requests SET attempts = attempts + 1, last_result = $1, status = $2, next_attempt_at = COALESCE($3, next_attempt_at),
      owner_instance = NULL, updated_at = $4 WHERE id = $5 AND status IN ('requested', 'dialing') RETURNING *`,
    [result, nextAttemptAt === null ? 'failed' : 'requested', nextAttemptAt, now, id]);
    return r ? toCallback(r) : undefined;
  }
  async markDialing(id: number, owner: string | null, now: string): Promise<boolean> {
    return (await changes(this.q, `UPDATE callback_requests SET status = 'dialing', owner_instance = $1, updated_at = $2 WHERE id = $3 AND status IN ('requested', 'dialing')`, [owner, now, id])) > 0;
  }
  async finish(id: number, status: 'done' | 'failed' | 'cancelled', result: string | null, now: string): Promise<boolean> {
    return (await changes(this.q, `UPDATE callback_requests SET status = $1, last_result = COALESCE($2, last_result), owner_instance = NULL, updated_at = $3
      WHERE id = $4 AND status IN ('requested', 'dialing')`, [status, result, now, id])) > 0;
  }
  async releaseDialing(owner: string | null, now: string): Promise<number> {
    return changes(this.q, `UPDATE callback_requests SET status = 'requested', owner_instance = NULL, updated_at = $1 WHERE status = 'dialing' AND owner_instance IS NOT DISTINCT FROM $2`, [now, owner]);
  }
}
