import type { AsyncOf } from '../../async.js';
import type { FeedbackFilter, SqliteFeedbackRepo } from '../../repos/feedback.js';
import type { FeedbackRepo, NewFeedback } from '../../../domain/ports.js';
import type { Feedback } from '../../../domain/types.js';
import { toFeedback } from '../../rows.js';
import type { Queryable } from '../pool.js';
import { partialUpdate, row, rows } from './util.js';
import { canonicalPhone } from '../../../domain/phone.js';

const SELECT = `SELECT f.*, p.name AS dept_name FROM feedback f LEFT JOIN departments p ON p.id = f.department_id`;

const COLS: Record<string, string> = {
  kind: 'kind', channel: 'channel', phone: 'phone', text: 'text', recordingPath: 'recording_path', recordingDuration: 'recording_duration',
  transcript: 'transcript', transcribedBy: 'transcribed_by', transcribedAt: 'transcribed_at', status: 'status', departmentId: 'department_id',
  declarationId: 'declaration_id', answer: 'answer', answeredBy: 'answered_by', answeredAt: 'answered_at', satisfaction: 'satisfaction',
  satisfactionAt: 'satisfaction_at', reopenCount: 'reopen_count', callId: 'call_id', flowPath: 'flow_path',
};

// ILIKE: SQLite's LIKE ignores (ASCII) case.
const FILTER = `($1::text IS NULL OR f.status = $1) AND ($2::text IS NULL OR f.channel = $2) AND ($3::text IS NULL OR f.kind = $3)
  AND ($4::bigint IS NULL OR f.department_id = $4) AND ($5::text IS NULL OR f.created_at >= $5) AND ($6::text IS NULL OR f.created_at < $6)
  AND ($7::text IS NULL OR f.ref = $7 OR f.phone = $8 OR f.text ILIKE '%' || $7 || '%' OR f.transcript ILIKE '%' || $7 || '%')`;

export class PgFeedbackRepo implements AsyncOf<SqliteFeedbackRepo> {
  constructor(private readonly q: Queryable) {}
  withClient(q: Queryable): PgFeedbackRepo { return new PgFeedbackRepo(q); }
  async byId(id: number): Promise<Feedback | undefined> { const r = await row(this.q, `${SELECT} WHERE f.id = $1`, [id]); return r ? toFeedback(r) : undefined; }
  async byRef(ref: string): Promise<Feedback | undefined> { const r = await row(this.q, `${SELECT} WHERE f.ref = $1`, [ref]); return r ? toFeedback(r) : undefined; }
  async insert(f: NewFeedback, ref: string, now: string): Promise<Feedback> {
    const r = await row<{ id: number }>(this.q, `INSERT INTO feedback (ref, kind, channel, phone, text, recording_path, recording_duration, status, department_id, declaration_id, call_id, flow_path, created_at, updated_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id`,
    [ref, f.kind, f.channel, f.phone, f.text, f.recordingPath ?? null, f.recordingDuration ?? null, f.status ?? 'new', f.departmentId ?? null,
      f.declarationId ?? null, f.callId ?? null, f.flowPath ?? null, now]);
    return (await this.byId(r!.id))!;
  }
  async update(id: number, fields: Parameters<FeedbackRepo['update']>[1], now: string): Promise<Feedback> {
    await partialUpdate(this.q, 'feedback', COLS, id, fields, now);
    return (await this.byId(id))!;
  }
  /** Atomic across instances: the upsert takes the row lock. */
  async nextRefSeq(day: string): Promise<number> {
    return (await row<{ last: number }>(this.q, `INSERT INTO ref_counters (day, last) VALUES ($1, 1) ON CONFLICT (day) DO UPDATE SET last = ref_counters.last + 1 RETURNING last`, [day]))!.last;
  }
  async addTimeline(feedbackId: number, action: string, actor: string, detail: string | null, at: string): Promise<void> {
    await this.q.query('INSERT INTO feedback_events (feedback_id, action, actor, detail, at) VALUES ($1, $2, $3, $4, $5)', [feedbackId, action, actor, detail, at]);
  }
  async timeline(feedbackId: number): Promise<Array<{ action: string; actor: string; detail: string | null; at: string }>> {
    return rows(this.q, 'SELECT action, actor, detail, at FROM feedback_events WHERE feedback_id = $1 ORDER BY id', [feedbackId]);
  }
  async smsParts(feedbackId: number): Promise<{ received: number; expected: number } | null> {
    const r = await row<{ received: number; expected: number | null }>(this.q, `SELECT parts AS received, parts_expected AS expected FROM sms_inbound WHERE feedback_id = $1 ORDER BY id LIMIT 1`, [feedbackId]);
    return r && r.expected !== null ? { received: r.received, expected: r.expected } : null;
  }
  async smsPartsIncomplete(feedbackIds: number[]): Promise<Map<number, { received: number; expected: number }>> {
    const out = new Map<number, { received: number; expected: number }>();
    if (!feedbackIds.length) return out;
    const rs = await rows<{ id: number; received: number; expected: number }>(this.q, `SELECT i.feedback_id AS id, i.parts AS received, i.parts_expected AS expected FROM sms_inbound i
      WHERE i.feedback_id = ANY($1::bigint[]) AND i.complete = 0 AND i.parts_expected IS NOT NULL ORDER BY i.id DESC`, [feedbackIds]);
    for (const r of rs) out.set(r.id, { received: r.received, expected: r.expected });
    return out;
  }
  async awaitingSurvey(phone: string, since: string): Promise<Feedback | undefined> {
    const r = await row(this.q, `${SELECT} WHERE f.phone = $1 AND f.status = 'answered' AND f.satisfaction IS NULL AND f.kind IN ('complaint', 'report', 'request') AND f.answered_at >= $2 ORDER BY f.answered_at DESC LIMIT 1`, [phone, since]);
    return r ? toFeedback(r) : undefined;
  }
  private filterParams(f: FeedbackFilter): unknown[] {
    // $8: the phone in canonical form (a phone in any form finds it), as SQLite's @qPhone.
    return [f.status ?? null, f.channel ?? null, f.kind ?? null, f.departmentId ?? null, f.since ?? null, f.until ?? null, f.q ? f.q : null, f.q ? canonicalPhone(f.q) : null];
  }
  async list(f: FeedbackFilter): Promise<Feedback[]> {
    return (await rows(this.q, `${SELECT} WHERE ${FILTER} ORDER BY f.created_at DESC, f.id DESC LIMIT $9 OFFSET $10`, [...this.filterParams(f), f.limit ?? 50, f.offset ?? 0])).map(toFeedback);
  }
  async count(f: FeedbackFilter): Promise<number> {
    return (await row<{ n: number }>(this.q, `SELECT COUNT(*) AS n FROM feedback f WHERE ${FILTER}`, this.filterParams(f)))!.n;
  }
}
