import type { Db } from '../db.js';
import type { FeedbackRepo, NewFeedback } from '../../domain/ports.js';
import type { Feedback } from '../../domain/types.js';
import { toFeedback } from '../rows.js';
import { PartialUpdate } from '../partial-update.js';
import { canonicalPhone } from '../../domain/phone.js';

const SELECT = `SELECT f.*, p.name AS dept_name FROM feedback f LEFT JOIN departments p ON p.id = f.department_id`;

const COLS: Record<string, string> = {
  kind: 'kind', channel: 'channel', phone: 'phone', text: 'text', recordingPath: 'recording_path', recordingDuration: 'recording_duration',
  transcript: 'transcript', transcribedBy: 'transcribed_by', transcribedAt: 'transcribed_at', status: 'status', departmentId: 'department_id',
  declarationId: 'declaration_id', answer: 'answer', answeredBy: 'answered_by', answeredAt: 'answered_at', satisfaction: 'satisfaction',
  satisfactionAt: 'satisfaction_at', reopenCount: 'reopen_count', callId: 'call_id', flowPath: 'flow_path',
};

export interface FeedbackFilter {
  status?: string; channel?: string; kind?: string; departmentId?: number | null; since?: string; until?: string; q?: string;
  limit?: number; offset?: number;
}

export class SqliteFeedbackRepo {
  private s;
  private readonly updates: PartialUpdate;
  constructor(private db: Db) {
    this.updates = new PartialUpdate(db, 'feedback', COLS);
    this.s = {
      byId: db.prepare(`${SELECT} WHERE f.id = ?`),
      byRef: db.prepare(`${SELECT} WHERE f.ref = ?`),
      insert: db.prepare(`INSERT INTO feedback (ref, kind, channel, phone, text, recording_path, recording_duration, status, department_id, declaration_id, call_id, flow_path, created_at, updated_at)
        VALUES (@ref, @kind, @channel, @phone, @text, @recordingPath, @recordingDuration, @status, @departmentId, @declarationId, @callId, @flowPath, @now, @now)`),
      seqUpsert: db.prepare(`INSERT INTO ref_counters (day, last) VALUES (?, 1) ON CONFLICT(day) DO UPDATE SET last = last + 1 RETURNING last`).pluck(),
      addTimeline: db.prepare('INSERT INTO feedback_events (feedback_id, action, actor, detail, at) VALUES (?, ?, ?, ?, ?)'),
      timeline: db.prepare('SELECT action, actor, detail, at FROM feedback_events WHERE feedback_id = ? ORDER BY id'),
      // The SMS a feedback item was created from is the first inbound row pointing to it (survey answers come later).
      smsParts: db.prepare(`SELECT parts AS received, parts_expected AS expected FROM sms_inbound WHERE feedback_id = ? ORDER BY id LIMIT 1`),
      smsPartsMany: db.prepare(`SELECT i.feedback_id AS id, i.parts AS received, i.parts_expected AS expected FROM sms_inbound i
        WHERE i.feedback_id IN (SELECT value FROM json_each(?)) AND i.complete = 0 AND i.parts_expected IS NOT NULL ORDER BY i.id DESC`),
      awaitingSurvey: db.prepare(`${SELECT} WHERE f.phone = ? AND f.status = 'answered' AND f.satisfaction IS NULL AND f.kind IN ('complaint', 'report', 'request') AND f.answered_at >= ? ORDER BY f.answered_at DESC LIMIT 1`),
      list: db.prepare(`${SELECT} WHERE (@status IS NULL OR f.status = @status) AND (@channel IS NULL OR f.channel = @channel) AND (@kind IS NULL OR f.kind = @kind)
        AND (@dept IS NULL OR f.department_id = @dept) AND (@since IS NULL OR f.created_at >= @since) AND (@until IS NULL OR f.created_at < @until)
        AND (@q IS NULL OR f.ref = @q OR f.phone = @qPhone OR f.text LIKE '%' || @q || '%' OR f.transcript LIKE '%' || @q || '%')
        ORDER BY f.created_at DESC, f.id DESC LIMIT @limit OFFSET @offset`),
      count: db.prepare(`SELECT COUNT(*) FROM feedback f WHERE (@status IS NULL OR f.status = @status) AND (@channel IS NULL OR f.channel = @channel) AND (@kind IS NULL OR f.kind = @kind)
        AND (@dept IS NULL OR f.department_id = @dept) AND (@since IS NULL OR f.created_at >= @since) AND (@until IS NULL OR f.created_at < @until)
        AND (@q IS NULL OR f.ref = @q OR f.phone = @qPhone OR f.text LIKE '%' || @q || '%' OR f.transcript LIKE '%' || @q || '%')`).pluck(),
    };
  }
  byId(id: number): Feedback | undefined { const r = this.s.byId.get(id); return r ? toFeedback(r) : undefined; }
  byRef(ref: string): Feedback | undefined { const r = this.s.byRef.get(ref); return r ? toFeedback(r) : undefined; }
  insert(f: NewFeedback, ref: string, now: string): Feedback {
    const info = this.s.insert.run({
      ref, kind: f.kind, channel: f.channel, phone: f.phone, text: f.text, recordingPath: f.recordingPath ?? null,
      recordingDuration: f.recordingDuration ?? null, status: f.status ?? 'new', departmentId: f.departmentId ?? null,
      declarationId: f.declarationId ?? null, callId: f.callId ?? null, flowPath: f.flowPath ?? null, now,
    });
    return this.byId(Number(info.lastInsertRowid))!;
  }
  update(id: number, fields: Parameters<FeedbackRepo['update']>[1], now: string): Feedback {
    this.updates.run(id, fields, now);
    return this.byId(id)!;
  }
  nextRefSeq(day: string): number { return this.s.seqUpsert.get(day) as number; }
  addTimeline(feedbackId: number, action: string, actor: string, detail: string | null, at: string): void {
    this.s.addTimeline.run(feedbackId, action, actor, detail, at);
  }
  timeline(feedbackId: number) { return this.s.timeline.all(feedbackId) as Array<{ action: string; actor: string; detail: string | null; at: string }>; }
  /** Parts received / expected of the SMS a feedback item was created from; null for other channels or when not recorded. */
  smsParts(feedbackId: number): { received: number; expected: number } | null {
    const r = this.s.smsParts.get(feedbackId) as { received: number; expected: number | null } | undefined;
    return r && r.expected !== null ? { received: r.received, expected: r.expected } : null;
  }
  /** The same for several items at once (a page of the inbox): only the SMS that arrived incomplete. */
  smsPartsIncomplete(feedbackIds: number[]): Map<number, { received: number; expected: number }> {
    const out = new Map<number, { received: number; expected: number }>();
    if (!feedbackIds.length) return out;
    const rows = this.s.smsPartsMany.all(JSON.stringify(feedbackIds)) as Array<{ id: number; received: number; expected: number }>;
    for (const r of rows) out.set(r.id, { received: r.received, expected: r.expected });
    return out;
  }
  awaitingSurvey(phone: string, since: string): Feedback | undefined {
    const r = this.s.awaitingSurvey.get(phone, since); return r ? toFeedback(r) : undefined;
  }
  private filterParams(f: FeedbackFilter) {
    return {
      status: f.status ?? null, channel: f.channel ?? null, kind: f.kind ?? null, dept: f.departmentId ?? null,
      since: f.since ?? null, until: f.until ?? null, q: f.q ? f.q : null, qPhone: f.q ? canonicalPhone(f.q) : null, // a phone in any form
    };
  }
  list(f: FeedbackFilter): Feedback[] {
    return this.s.list.all({ ...this.filterParams(f), limit: f.limit ?? 50, offset: f.offset ?? 0 }).map(toFeedback);
  }
  count(f: FeedbackFilter): number { return this.s.count.get(this.filterParams(f)) as number; }
}
