/**
 * SMS persistence on PostgreSQL (see ../../repos/sms.ts): outbox + segments, receipts, inbound
 * messages and raw MO parts. Several instances may share it: the outbox claim locks the rows it takes
 * (FOR UPDATE SKIP LOCKED: a row is claimed by one instance only, the others pass over it), enqueue
 * dedupes on the unique dedupe_key (ON CONFLICT DO NOTHING), and the unmatched-receipt check reads the
 * table (another instance may have kept one) instead of SQLite's in-process set.
 *
 * Fair order (round robin by recipient, migration 8): SQLite keeps the current round per priority in
 * memory (the round of its latest claim); here the round is read from the table, so every instance
 * enqueueing sees the same one: the highest round in flight ('submitting'), else the lowest round due,
 * else the highest round waiting (only retries not yet due), else 0. The same as SQLite's while a claim
 * is in flight; once the current round is exhausted and nothing is in flight, a newcomer joins the next
 * round rather than the finished one (at most one message per other recipient ahead of it).
 * Concat references come from the persisted per-recipient counter, its row locked for the increment, so
 * two instances never hand out one reference twice.
 */
import type { AsyncOf } from '../../async.js';
import {
  ORDERED_BELOW_PRIORITY, type ClaimedMessage, type ClaimedSegment, type InboundRow, type MoPartRow, type NewMoPart, type NewOutbox, type SingleMo, type StoredSingleMo,
  type OutboxRow, type SegmentRow, type SqliteSmsRepo, type UnmatchedReceipt, toInbound, toOutbox, toPart, toSegment,
} from '../../repos/sms.js';
import { deriveFromSegments, FINAL_STATUSES, segmentStatusFromReceipt, type MessageStatus, type SegmentStatus } from '../../../sms/outbox/state.js';
import { canonicalPhone } from '../../../domain/phone.js';
import { withTransaction, type Queryable } from '../pool.js';
import { changes, row, rows } from './util.js';

type Claimed = Array<{ msg: ClaimedMessage; segments: ClaimedSegment[] }>;

/** Statuses of a message still waiting to go out (its recipient's later messages queue behind it in fair order), as in ../../repos/sms.ts. */
const OPEN_STATUSES = new Set(['queued', 'held', 'submitting']);

/** settleFromSegments' rule: the status to write (null: keep), and what the call returns. */
function settleRule(current: MessageStatus | undefined, segs: string | null): { write: MessageStatus | null; result: MessageStatus } {
  if (!current || current === 'cancelled' || current === 'failed') return { write: null, result: current ?? 'failed' };
  const next = deriveFromSegments(segs ? segs.split(',') as SegmentStatus[] : []);
  return { write: next !== current && next !== 'submitting' ? next : null, result: next === 'submitting' ? current : next };
}

export class PgSmsRepo implements AsyncOf<SqliteSmsRepo> {
  constructor(private readonly q: Queryable) {}
  withClient(q: Queryable): PgSmsRepo { const r = new PgSmsRepo(q); r.onRefWrap = this.onRefWrap; return r; }

  /** Called when a recipient's references wrap within a day (more long messages than the width allows). */
  onRefWrap: ((phone: string, bits: 8 | 16) => void) | null = null;

  /**
   * The recipient's next concatenation reference (8 or 16 bits wide) from the persisted per-recipient
   * counter (see SqliteSmsRepo.nextConcatRef). The counter row is locked for the increment: concurrent
   * enqueues (several instances) get different references.
   */
  async nextConcatRef(phone: string, bits: 8 | 16, now: string): Promise<number> {
    return withTransaction(this.q, (c) => this.concatRef(c, phone, bits, now));
  }

  private async concatRef(c: Queryable, phone: string, bits: 8 | 16, now: string): Promise<number> {
    // A recipient's first long message: counter 0. When another transaction inserts the row first, this
    // waits for it and does nothing; the locked increment below then runs on its row.
    if (await changes(c, `INSERT INTO sms_concat_refs (phone, next_ref, cycle_started_at, updated_at) VALUES ($1, 1, $2, $2) ON CONFLICT (phone) DO NOTHING`, [phone, now])) return 0;
    const cur = (await row<{ next: number; cycleStartedAt: string }>(c,
      `SELECT next_ref AS next, cycle_started_at AS "cycleStartedAt" FROM sms_concat_refs WHERE phone = $1 FOR UPDATE`, [phone]))!;
    const size = bits === 16 ? 0x10000 : 0x100;
    const ref = cur.next % size;
    let cycle = cur.cycleStartedAt;
    if (ref === 0) {
      if (Date.parse(now) - Date.parse(cycle) < 86400_000) this.onRefWrap?.(phone, bits);
      cycle = now;
    }
    await c.query('UPDATE sms_concat_refs SET next_ref = $2, cycle_started_at = $3, updated_at = $4 WHERE phone = $1', [phone, cur.next + 1, cycle, now]);
    return ref;
  }

  /** The round a recipient's first waiting message of this priority joins (see the top of the file). */
  private async headRound(c: Queryable, priority: number, now: string): Promise<number> {
    return (await row<{ head: number }>(c, `SELECT COALESCE(
        (SELECT MAX(fair_round) FROM sms_outbox WHERE status = 'submitting' AND priority = $1),
        (SELECT MIN(fair_round) FROM sms_outbox WHERE status = 'queued' AND priority = $1 AND next_attempt_at <= $2),
        (SELECT MAX(fair_round) FROM sms_outbox WHERE status = 'queued' AND priority = $1), 0) AS head`, [priority, now]))!.head;
  }

  /**
   * One message into the outbox in ONE statement (one round trip, no savepoint): the concatenation
   * reference (long messages: the recipient's counter row locked and incremented, as concatRef does),
   * the fair round (the head round and the recipient's latest row, read in the statement's snapshot,
   * i.e. before this row), the row and its segments. A used dedupe key answers the existing id.
   * `old` is a plain read of the statement's snapshot: a FOR UPDATE there would find the row already
   * updated by `ref` in the same statement and return nothing. The snapshot's cycle start is the one
   * that matters: only the statement whose increment wraps the counter sees reference 0.
   */
  async enqueue(m: NewOutbox, now: string): Promise<{ id: number; created: boolean }> {
    const refBits = m.refBits ?? 8;
    const r = (await row<{ id: string | number | null; refNum: string | number | null; prevCycle: string | null; hadRef: boolean }>(this.q, `WITH
      old AS (SELECT next_ref, cycle_started_at FROM sms_concat_refs WHERE phone = $1 AND $11::int > 1),
      ref AS (INSERT INTO sms_concat_refs (phone, next_ref, cycle_started_at, updated_at) SELECT $1, 1, $17, $17 WHERE $11::int > 1
        ON CONFLICT (phone) DO UPDATE SET next_ref = sms_concat_refs.next_ref + 1,
          cycle_started_at = CASE WHEN sms_concat_refs.next_ref % $18::int = 0 THEN excluded.cycle_started_at ELSE sms_concat_refs.cycle_started_at END,
          updated_at = excluded.updated_at
        RETURNING (next_ref - 1) % $18::int AS num),
      head AS (SELECT COALESCE(
        (SELECT MAX(fair_round) FROM sms_outbox WHERE status = 'submitting' AND priority = $4),
        (SELECT MIN(fair_round) FROM sms_outbox WHERE status = 'queued' AND priority = $4 AND next_attempt_at <= $17),
        (SELECT MAX(fair_round) FROM sms_outbox WHERE status = 'queued' AND priority = $4), 0) AS r),
      last AS (SELECT priority, status, fair_round FROM sms_outbox WHERE phone = $1 ORDER BY created_at DESC, id DESC LIMIT 1),
      ins AS (INSERT INTO sms_outbox (phone, text, reason, priority, status, template, dedupe_key, encoding, data_coding, ref_num, ref_bits, fair_round, segments, next_attempt_at, expires_at, feedback_id, inbound_id, created_by, created_at, updated_at)
        SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, COALESCE((SELECT num FROM ref), 0), $10,
          CASE WHEN l.priority = $4 AND l.status IN ('queued', 'held', 'submitting') THEN GREATEST(h.r, l.fair_round + 1) ELSE h.r END,
          $11, $12, $13, $14, $15, $16, $17, $17
        FROM head h LEFT JOIN last l ON true
        ON CONFLICT (dedupe_key) DO NOTHING RETURNING id),
      segs AS (INSERT INTO sms_segments (outbox_id, seq, status) SELECT ins.id, g, 'pending' FROM ins, generate_series(1, $11::int) AS g)
      SELECT (SELECT id FROM ins) AS id, (SELECT num FROM ref) AS "refNum", (SELECT cycle_started_at FROM old) AS "prevCycle", EXISTS (SELECT 1 FROM old) AS "hadRef"`,
    [m.phone, m.text, m.reason, m.priority, m.status, m.template, m.dedupeKey, m.encoding, m.dataCoding, refBits, m.segments, m.nextAttemptAt, m.expiresAt,
      m.feedbackId ?? null, m.inboundId ?? null, m.createdBy ?? null, now, refBits === 16 ? 0x10000 : 0x100]))!;
    // The reference wrapped within a day of its cycle's start (see concatRef).
    if (r.refNum != null && Number(r.refNum) === 0 && r.hadRef && r.prevCycle && Date.parse(now) - Date.parse(r.prevCycle) < 86400_000) this.onRefWrap?.(m.phone, refBits);
    if (r.id == null) return { id: (await row<{ id: number }>(this.q, 'SELECT id FROM sms_outbox WHERE dedupe_key = $1', [m.dedupeKey]))!.id, created: false };
    return { id: Number(r.id), created: true };
  }

  /**
   * Queue many messages in one transaction with multi-row statements (unnest): one round trip for the
   * ids, one per priority for the round head, one for the recipients' latest rows, one INSERT per 5,000
   * rows and one for their segments — instead of five per message. Same rows as enqueue() one by one
   * (fair rounds, dedupe keys: a used key answers the existing id, created false); long messages take
   * their concatenation reference per row.
   */
  async enqueueMany(ms: readonly NewOutbox[], now: string): Promise<Array<{ id: number; created: boolean }>> {
    if (ms.length === 0) return [];
    return withTransaction(this.q, async (c) => {
      const heads = new Map<number, number>();
      for (const p of new Set(ms.map((m) => m.priority))) heads.set(p, await this.headRound(c, p, now));
      const last = new Map((await rows<{ phone: string; priority: number; status: string; round: number }>(c,
        `SELECT DISTINCT ON (phone) phone, priority, status, fair_round AS round FROM sms_outbox WHERE phone = ANY($1::text[]) ORDER BY phone, created_at DESC, id DESC`,
        [[...new Set(ms.map((m) => m.phone))]])).map((r) => [r.phone, r]));
      const ids = (await rows<{ id: string | number }>(c, `SELECT nextval(pg_get_serial_sequence('sms_outbox', 'id')) AS id FROM generate_series(1, $1::int)`, [ms.length])).map((r) => Number(r.id));
      const cols: unknown[][] = Array.from({ length: 20 }, () => []);
      for (let i = 0; i < ms.length; i++) {
        const m = ms[i];
        const refBits = m.refBits ?? 8;
        const refNum = m.segments > 1 ? await this.concatRef(c, m.phone, refBits, now) : 0;
        const head = heads.get(m.priority)!;
        const l = last.get(m.phone);
        const fairRound = l && l.priority === m.priority && OPEN_STATUSES.has(l.status) ? Math.max(head, l.round + 1) : head;
        last.set(m.phone, { phone: m.phone, priority: m.priority, status: m.status, round: fairRound });
        const v = [ids[i], m.phone, m.text, m.reason, m.priority, m.status, m.template, m.dedupeKey, m.encoding, m.dataCoding, refNum, refBits, fairRound, m.segments,
          m.nextAttemptAt, m.expiresAt, m.feedbackId ?? null, m.inboundId ?? null, m.createdBy ?? null, i];
        for (let k = 0; k < v.length; k++) cols[k].push(v[k]);
      }
      const created = new Set<number>();
      const CHUNK = 5000;
      for (let from = 0; from < ms.length; from += CHUNK) {
        const part = cols.map((col) => col.slice(from, from + CHUNK));
        const got = await rows<{ id: string | number }>(c, `INSERT INTO sms_outbox (id, phone, text, reason, priority, status, template, dedupe_key, encoding, data_coding, ref_num, ref_bits, fair_round, segments, next_attempt_at, expires_at, feedback_id, inbound_id, created_by, created_at, updated_at)
          OVERRIDING SYSTEM VALUE
          SELECT id, phone, text, reason, priority, status, template, dedupe_key, encoding, data_coding, ref_num, ref_bits, fair_round, segments, next_attempt_at, expires_at, feedback_id, inbound_id, created_by, $21, $21
          FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::text[], $9::text[], $10::int[], $11::int[], $12::int[], $13::int[], $14::int[],
            $15::text[], $16::text[], $17::bigint[], $18::bigint[], $19::text[], $20::int[])
            AS t(id, phone, text, reason, priority, status, template, dedupe_key, encoding, data_coding, ref_num, ref_bits, fair_round, segments, next_attempt_at, expires_at, feedback_id, inbound_id, created_by, ord)
          ORDER BY ord
          ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`, [...part, now]);
        for (const r of got) created.add(Number(r.id));
      }
      const segIds: number[] = [], segCounts: number[] = [];
      ms.forEach((m, i) => { if (created.has(ids[i])) { segIds.push(ids[i]); segCounts.push(m.segments); } });
      if (segIds.length) {
        await c.query(`INSERT INTO sms_segments (outbox_id, seq, status) SELECT t.id, g, 'pending' FROM unnest($1::bigint[], $2::int[]) AS t(id, n), generate_series(1, t.n) AS g ORDER BY t.id, g`, [segIds, segCounts]);
      }
      // Used dedupe keys (an earlier request, or twice in this batch): the existing row's id.
      const missing = ms.filter((m, i) => !created.has(ids[i]) && m.dedupeKey).map((m) => m.dedupeKey as string);
      const existing = missing.length
        ? new Map((await rows<{ id: string | number; key: string }>(c, 'SELECT id, dedupe_key AS key FROM sms_outbox WHERE dedupe_key = ANY($1::text[])', [missing])).map((r) => [r.key, Number(r.id)]))
        : new Map<string, number>();
      return ms.map((m, i) => (created.has(ids[i]) ? { id: ids[i], created: true } : { id: existing.get(m.dedupeKey as string)!, created: false }));
    });
  }

  async byId(id: number): Promise<OutboxRow | undefined> { const r = await row(this.q, 'SELECT * FROM sms_outbox WHERE id = $1', [id]); return r ? toOutbox(r) : undefined; }
  async segments(id: number): Promise<SegmentRow[]> { return (await rows(this.q, 'SELECT * FROM sms_segments WHERE outbox_id = $1 ORDER BY seq', [id])).map(toSegment); }

  /**
   * Claim due messages (queued → submitting, their pending segments → submitting), with SQLite's rule:
   * fair queue order (priority, round, next attempt, id); with `busy`, one message per recipient and none to a busy
   * one; below ORDERED_BELOW_PRIORITY, none while an older one of the same or higher priority to the
   * same phone is unsent. Rows are locked FOR UPDATE SKIP LOCKED: what another instance is claiming
   * right now is passed over, never claimed twice.
   */
  async claimDue(now: string, limit: number, busy: ReadonlySet<string> | null = null, owner: string | null = null): Promise<Claimed> {
    return withTransaction(this.q, async (c) => {
      const due = await rows<ClaimedMessage & { fairRound: number; blocked: boolean }>(c, `SELECT id, phone, text, encoding, ref_num AS "refNum", ref_bits AS "refBits", segments, attempts,
          expires_at AS "expiresAt", priority, fair_round AS "fairRound",
          (priority < $3 AND EXISTS (SELECT 1 FROM sms_outbox p WHERE p.phone = o.phone AND p.id < o.id AND p.priority <= o.priority AND p.status IN ('queued', 'submitting'))) AS blocked
        FROM sms_outbox o WHERE status = 'queued' AND next_attempt_at <= $1 ORDER BY priority, fair_round, next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [now, busy ? limit * 2 : limit, ORDERED_BELOW_PRIORITY]);
      const picked: ClaimedMessage[] = [];
      const taken = new Set<string>();
      for (const d of due) {
        if (picked.length >= limit) break;
        if (busy && (busy.has(d.phone) || taken.has(d.phone))) continue;
        if (d.blocked) continue;
        taken.add(d.phone);
        const { blocked: _b, ...msg } = d;
        void _b;
        picked.push(msg);
      }
      if (!picked.length) return [];
      const ids = picked.map((m) => m.id);
      await c.query(`UPDATE sms_outbox SET status = 'submitting', attempts = attempts + 1, updated_at = $1, claimed_by = $3 WHERE id = ANY($2::bigint[]) AND status = 'queued'`, [now, ids, owner]);
      const segs = await rows<{ id: number; seq: number; outbox_id: number }>(c, `UPDATE sms_segments SET status = 'submitting', submits = submits + 1
        WHERE outbox_id = ANY($1::bigint[]) AND status = 'pending' RETURNING id, seq, outbox_id`, [ids]);
      const byMsg = new Map<number, ClaimedSegment[]>();
      for (const s of segs) { let l = byMsg.get(s.outbox_id); if (!l) byMsg.set(s.outbox_id, l = []); l.push({ id: s.id, seq: s.seq }); }
      return picked.map((msg) => {
        msg.refBits = msg.refBits === 16 ? 16 : 8;
        msg.status = 'submitting';
        msg.attempts += 1;
        const list = byMsg.get(msg.id) ?? [];
        if (list.length > 1) list.sort((a, b) => a.seq - b.seq);
        return { msg, segments: list };
      });
    });
  }

  async unclaim(id: number, now: string): Promise<void> {
    await withTransaction(this.q, async (c) => {
      if (await changes(c, `UPDATE sms_outbox SET status = 'queued', attempts = GREATEST(0, attempts - 1), updated_at = $1 WHERE id = $2 AND status = 'submitting'`, [now, id])) {
        await c.query(`UPDATE sms_segments SET status = 'pending', submits = GREATEST(0, submits - 1) WHERE outbox_id = $1 AND status = 'submitting'`, [id]);
      }
    });
  }

  async segmentSubmitted(segId: number, messageIdKey: string, messageIdRaw: string, now: string): Promise<void> {
    await this.q.query(`UPDATE sms_segments SET status = 'submitted', message_id = $1, message_id_raw = $2, submitted_at = $3 WHERE id = $4 AND status = 'submitting'`, [messageIdKey, messageIdRaw, now, segId]);
  }
  async segmentBackToPending(segId: number): Promise<void> { await this.q.query(`UPDATE sms_segments SET status = 'pending' WHERE id = $1 AND status = 'submitting'`, [segId]); }
  async segmentFailed(segId: number, errorCode: number | null, now: string): Promise<void> {
    await this.q.query(`UPDATE sms_segments SET status = 'failed', error_code = $1, done_at = $2 WHERE id = $3`, [errorCode, now, segId]);
  }

  async setStatus(id: number, status: MessageStatus, now: string, opts: { error?: string | null; nextAttemptAt?: string | null; unknown?: number } = {}): Promise<void> {
    await this.q.query(`UPDATE sms_outbox SET status = $2::text, updated_at = $3::text, last_error = COALESCE($4::text, last_error),
        next_attempt_at = COALESCE($5::text, next_attempt_at), unknown_outcomes = unknown_outcomes + $6::int,
        submitted_at = CASE WHEN $2::text = 'submitted' AND submitted_at IS NULL THEN $3::text ELSE submitted_at END,
        done_at = CASE WHEN $7::int = 1 THEN $3::text ELSE done_at END WHERE id = $1`,
    [id, status, now, opts.error ?? null, opts.nextAttemptAt ?? null, opts.unknown ?? 0, FINAL_STATUSES.has(status) ? 1 : 0]);
  }

  async requeue(id: number, now: string, nextAttemptAt: string, error: string, unknown = 0): Promise<void> {
    await withTransaction(this.q, async (c) => {
      await c.query(`UPDATE sms_segments SET status = 'pending' WHERE outbox_id = $1 AND status = 'submitting'`, [id]);
      await this.withClient(c).setStatus(id, 'queued', now, { error, nextAttemptAt, unknown });
    });
  }

  async settleFromSegments(id: number, now: string): Promise<MessageStatus> {
    const r = (await row<{ cur: MessageStatus | null; segs: string | null }>(this.q,
      `SELECT (SELECT status FROM sms_outbox WHERE id = $1) AS cur, string_agg(status, ',' ORDER BY seq) AS segs FROM sms_segments WHERE outbox_id = $1`, [id]))!;
    const { write, result } = settleRule(r.cur ?? undefined, r.segs);
    if (write) await this.writeSettled(this.q, [id], write, now);
    return result;
  }

  private async writeSettled(c: Queryable, ids: number[], next: MessageStatus, now: string): Promise<void> {
    await c.query(`UPDATE sms_outbox SET status = $1, updated_at = $2,
      submitted_at = CASE WHEN submitted_at IS NULL AND $3::int = 1 THEN $2 ELSE submitted_at END,
      done_at = CASE WHEN $4::int = 1 THEN $2 ELSE done_at END WHERE id = ANY($5::bigint[])`, [next, now, next === 'submitted' ? 1 : 0, FINAL_STATUSES.has(next) ? 1 : 0, ids]);
  }

  /**
   * Receipt timeout (see SqliteSmsRepo.closeWithoutReceipt): messages submitted before `before` still
   * waiting for receipts end 'no_receipt', their segments without a receipt too; up to `limit` per call,
   * oldest first; returns the ids closed. Rows another instance is closing right now are passed over.
   */
  async closeWithoutReceipt(before: string, now: string, limit = 1000): Promise<number[]> {
    return withTransaction(this.q, async (c) => {
      const ids = (await rows<{ id: number }>(c, `SELECT id FROM sms_outbox WHERE status = 'submitted' AND submitted_at < $1
        ORDER BY submitted_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`, [before, limit])).map((r) => r.id);
      if (!ids.length) return [];
      await c.query(`UPDATE sms_segments SET status = 'no_receipt', done_at = $1 WHERE outbox_id = ANY($2::bigint[]) AND status = 'submitted'`, [now, ids]);
      // settleFromSegments for each, in one read and one update per resulting status
      const byStatus = new Map<MessageStatus, number[]>();
      for (const r of await rows<{ id: number; cur: MessageStatus; segs: string | null }>(c, `SELECT o.id, o.status AS cur,
          (SELECT string_agg(s.status, ',' ORDER BY s.seq) FROM sms_segments s WHERE s.outbox_id = o.id) AS segs FROM sms_outbox o WHERE o.id = ANY($1::bigint[])`, [ids])) {
        const { write } = settleRule(r.cur, r.segs);
        if (write) { let l = byStatus.get(write); if (!l) byStatus.set(write, l = []); l.push(r.id); }
      }
      for (const [status, list] of byStatus) await this.writeSettled(c, list, status, now);
      return ids;
    });
  }

  async segmentByMessageId(key: string): Promise<SegmentRow | undefined> { const r = await row(this.q, 'SELECT * FROM sms_segments WHERE message_id = $1', [key]); return r ? toSegment(r) : undefined; }
  async segmentRefByMessageId(key: string): Promise<{ id: number; outboxId: number } | undefined> {
    return row(this.q, 'SELECT id, outbox_id AS "outboxId" FROM sms_segments WHERE message_id = $1', [key]);
  }
  async segmentReceipt(segId: number, status: SegmentStatus, errorCode: number | null, now: string): Promise<void> {
    await this.q.query('UPDATE sms_segments SET status = $1, error_code = COALESCE($2, error_code), done_at = $3 WHERE id = $4', [status, errorCode, now, segId]);
  }

  /**
   * See SqliteSmsRepo.segmentAnswered. One statement (one round trip per answer): the segment's update
   * and the delete … returning of receipts kept for any of its keys; the receipts found are applied after it.
   */
  async segmentAnswered(segId: number, messageIdKey: string, messageIdRaw: string, keys: readonly string[], now: string): Promise<void> {
    const kept = await rows<{ state: string; errorCode: number | null }>(this.q, `WITH s AS (
        UPDATE sms_segments SET status = 'submitted', message_id = $1, message_id_raw = $2, submitted_at = $3 WHERE id = $4 AND status = 'submitting'
      ), d AS (DELETE FROM sms_receipts_unmatched WHERE message_id = ANY($5::text[]) RETURNING id, message_id, state, error_code)
      SELECT state, error_code AS "errorCode" FROM d ORDER BY array_position($5::text[], message_id), id`, [messageIdKey, messageIdRaw, now, segId, [...keys]]);
    for (const r of kept) {
      const st = segmentStatusFromReceipt(r.state as never);
      if (st) await this.segmentReceipt(segId, st, r.errorCode, now);
    }
  }

  /** See SqliteSmsRepo.receiptForKeys: one look-up for all the keys. */
  async receiptForKeys(keys: readonly string[], status: SegmentStatus | null, errorCode: number | null, now: string): Promise<{ outboxId: number; status: MessageStatus | null } | undefined> {
    if (keys.length === 0) return undefined;
    const pick = `SELECT id FROM sms_segments WHERE message_id = ANY($1::text[]) ORDER BY array_position($1::text[], message_id) LIMIT 1`;
    if (!status) {
      const found = await row<{ outboxId: number }>(this.q, `SELECT outbox_id AS "outboxId" FROM sms_segments WHERE id = (${pick})`, [[...keys]]);
      return found ? { outboxId: found.outboxId, status: null } : undefined;
    }
    // The look-up and the receipt's update in one statement (as segmentReceipt writes it).
    const seg = await row<{ outboxId: number }>(this.q, `UPDATE sms_segments SET status = $2, error_code = COALESCE($3, error_code), done_at = $4
      WHERE id = (${pick}) RETURNING outbox_id AS "outboxId"`, [[...keys], status, errorCode, now]);
    if (!seg) return undefined;
    return { outboxId: seg.outboxId, status: await this.settleFromSegments(seg.outboxId, now) };
  }

  async keepUnmatchedReceipt(key: string, state: string, errorCode: number | null, raw: string | null, now: string): Promise<void> {
    await this.q.query('INSERT INTO sms_receipts_unmatched (message_id, state, error_code, raw, received_at) VALUES ($1, $2, $3, $4, $5)', [key, state, errorCode, raw, now]);
  }
  /** Read from the table: with several instances, another one may have kept the receipt. */
  async mayHaveUnmatchedReceipt(key: string): Promise<boolean> { return !!(await row(this.q, 'SELECT 1 FROM sms_receipts_unmatched WHERE message_id = $1 LIMIT 1', [key])); }
  async takeUnmatchedReceipts(key: string): Promise<Array<{ state: string; errorCode: number | null }>> {
    return rows(this.q, `WITH d AS (DELETE FROM sms_receipts_unmatched WHERE message_id = $1 RETURNING id, state, error_code)
      SELECT state, error_code AS "errorCode" FROM d ORDER BY id`, [key]);
  }
  /** See SqliteSmsRepo.recentUnmatchedReceipts; locked rows (another instance re-matching them) are passed over. */
  async recentUnmatchedReceipts(since: string, limit: number): Promise<UnmatchedReceipt[]> {
    return rows(this.q, `SELECT id::int AS id, message_id AS "messageId", state, error_code AS "errorCode" FROM sms_receipts_unmatched
      WHERE received_at >= $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`, [since, limit]);
  }
  async dropUnmatchedReceipt(id: number): Promise<void> { await this.q.query('DELETE FROM sms_receipts_unmatched WHERE id = $1', [id]); }
  async purgeUnmatchedReceipts(before: string): Promise<number> { return changes(this.q, 'DELETE FROM sms_receipts_unmatched WHERE received_at < $1', [before]); }

  /** See SqliteSmsRepo.recoverAfterRestart: only rows of instances not in `live` (locked: a claim in progress elsewhere is passed over). */
  async recoverAfterRestart(now: string, live: readonly string[] = []): Promise<{ messages: number; unknownSegments: number }> {
    return withTransaction(this.q, async (c) => {
      const gone = await rows<{ id: number }>(c, `SELECT id FROM sms_outbox WHERE status = 'submitting'
        AND (claimed_by IS NULL OR claimed_by <> ALL($1::text[])) FOR UPDATE SKIP LOCKED`, [[...live]]);
      if (!gone.length) return { messages: 0, unknownSegments: 0 };
      const ids = gone.map((g) => g.id);
      let unknown = 0;
      for (const r of await rows<{ outbox_id: number; n: number }>(c, `SELECT outbox_id, COUNT(*)::int AS n FROM sms_segments WHERE status = 'submitting' AND outbox_id = ANY($1::bigint[]) GROUP BY outbox_id`, [ids])) {
        await c.query('UPDATE sms_outbox SET unknown_outcomes = unknown_outcomes + $1 WHERE id = $2', [r.n, r.outbox_id]);
        unknown += r.n;
      }
      await c.query(`UPDATE sms_segments SET status = 'pending' WHERE status = 'submitting' AND outbox_id = ANY($1::bigint[])`, [ids]);
      const messages = await changes(c, `UPDATE sms_outbox SET status = 'queued', updated_at = $1 WHERE status = 'submitting' AND id = ANY($2::bigint[])`, [now, ids]);
      return { messages, unknownSegments: unknown };
    });
  }

  async releaseHeld(now: string): Promise<number> { return changes(this.q, `UPDATE sms_outbox SET status = 'queued', next_attempt_at = $1, updated_at = $1 WHERE status = 'held'`, [now]); }
  async supersedeHeld(phone: string, prefix: string, keep: number, now: string): Promise<number> {
    return changes(this.q, `UPDATE sms_outbox SET status = 'superseded', done_at = $4, updated_at = $4, last_error = $5
      WHERE phone = $1 AND status = 'held' AND id < $3 AND left(dedupe_key, length($2::text)) = $2::text`, [phone, prefix, keep, now, `superseded by a newer notice (#${keep})`]);
  }
  async expireDue(now: string): Promise<number> {
    return changes(this.q, `UPDATE sms_outbox SET status = 'expired', done_at = $1, updated_at = $1, last_error = 'validity period passed before sending'
      WHERE status IN ('queued', 'held') AND expires_at IS NOT NULL AND expires_at < $1`, [now]);
  }
  async countsByStatus(): Promise<Record<string, number>> {
    const o: Record<string, number> = {};
    for (const r of await rows<{ status: string; n: number }>(this.q, 'SELECT status, COUNT(*) AS n FROM sms_outbox GROUP BY status')) o[r.status] = r.n;
    return o;
  }
  async queuedCount(): Promise<number> { return (await row<{ n: number }>(this.q, `SELECT COUNT(*) AS n FROM sms_outbox WHERE status IN ('queued', 'submitting')`))!.n; }
  async replyCounts(phone: string, template: string, since: string): Promise<{ replies: number; template: number }> {
    const r = (await row<{ replies: number; template: number }>(this.q, `SELECT COUNT(*) FILTER (WHERE reason = 'reply') AS replies, COUNT(*) FILTER (WHERE template = $2) AS template
      FROM sms_outbox WHERE phone = $1 AND created_at >= $3`, [phone, template, since]))!;
    return { replies: Number(r.replies), template: Number(r.template) };
  }
  async list(f: { status?: string; phone?: string; limit?: number; offset?: number }): Promise<OutboxRow[]> {
    return (await rows(this.q, `SELECT * FROM sms_outbox WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR phone = $2) ORDER BY id DESC LIMIT $3 OFFSET $4`,
      [f.status ?? null, f.phone ? canonicalPhone(f.phone) : null, f.limit ?? 50, f.offset ?? 0])).map(toOutbox);
  }
  async cancel(id: number, now: string): Promise<boolean> {
    return (await changes(this.q, `UPDATE sms_outbox SET status = 'cancelled', done_at = $2, updated_at = $2 WHERE id = $1 AND status IN ('queued', 'held')`, [id, now])) > 0;
  }
  async retry(id: number, now: string): Promise<boolean> {
    return withTransaction(this.q, async (c) => {
      if (!await changes(c, `UPDATE sms_outbox SET status = 'queued', next_attempt_at = $2, updated_at = $2, attempts = 0 WHERE id = $1 AND status IN ('failed', 'expired', 'undeliverable')`, [id, now])) return false;
      await c.query('UPDATE sms_segments SET status = \'pending\', message_id = NULL, error_code = NULL WHERE outbox_id = $1', [id]);
      return true;
    });
  }
  async purgeOutbox(before: string): Promise<number> {
    return withTransaction(this.q, async (c) => {
      await c.query('DELETE FROM sms_segments WHERE outbox_id IN (SELECT id FROM sms_outbox WHERE done_at IS NOT NULL AND done_at < $1)', [before]);
      return changes(c, 'DELETE FROM sms_outbox WHERE done_at IS NOT NULL AND done_at < $1', [before]);
    });
  }

  // inbound
  async insertInbound(phone: string, dest: string, text: string, parts: number, complete: boolean, warnings: string[] | null, receivedAt: string, partsExpected = parts): Promise<number> {
    return (await row<{ id: number }>(this.q, `INSERT INTO sms_inbound (phone, dest, text, parts, complete, warnings, status, received_at, parts_expected) VALUES ($1, $2, $3, $4, $5, $6, 'received', $7, $8) RETURNING id`,
      [phone, dest, text, parts, complete ? 1 : 0, warnings && warnings.length ? warnings.join('; ') : null, receivedAt, partsExpected]))!.id;
  }
  async inbound(id: number): Promise<InboundRow | undefined> { const r = await row(this.q, 'SELECT * FROM sms_inbound WHERE id = $1', [id]); return r ? toInbound(r) : undefined; }
  /** See SqliteSmsRepo.claimInbound: FOR UPDATE SKIP LOCKED, so two instances never process one MO twice. */
  async claimInbound(id: number): Promise<InboundRow | undefined> {
    const r = await row(this.q, `SELECT * FROM sms_inbound WHERE id = $1 AND status = 'received' FOR UPDATE SKIP LOCKED`, [id]);
    return r ? toInbound(r) : undefined;
  }
  async pendingInbound(limit = 100): Promise<InboundRow[]> { return (await rows(this.q, `SELECT * FROM sms_inbound WHERE status = 'received' ORDER BY id LIMIT $1`, [limit])).map(toInbound); }
  async inboundDone(id: number, status: 'processed' | 'ignored', command: string | null, outcome: string | null, feedbackId: number | null, now: string): Promise<void> {
    await this.q.query('UPDATE sms_inbound SET status = $2, command = $3, outcome = $4, feedback_id = $5, processed_at = $6 WHERE id = $1', [id, status, command, outcome, feedbackId, now]);
  }
  async listInbound(f: { phone?: string; limit?: number; offset?: number }): Promise<InboundRow[]> {
    return (await rows(this.q, `SELECT * FROM sms_inbound WHERE ($1::text IS NULL OR phone = $1) ORDER BY id DESC LIMIT $2 OFFSET $3`, [f.phone ? canonicalPhone(f.phone) : null, f.limit ?? 50, f.offset ?? 0])).map(toInbound);
  }
  async insertPart(p: NewMoPart): Promise<number> {
    return (await row<{ id: number }>(this.q, `INSERT INTO sms_mo_parts (source, dest, data_coding, esm_class, udh, body, concat_ref, concat_total, concat_seq, ref_bits, fingerprint, link_session, link_id, state, dup_of, inbound_id, received_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id`,
    [p.source, p.dest, p.dataCoding, p.esmClass, p.udh, p.body, p.concatRef, p.concatTotal, p.concatSeq, p.refBits, p.fingerprint, p.linkSession, p.linkId, p.state, p.dupOf, p.inboundId, p.receivedAt]))!.id;
  }
  /** See SqliteSmsRepo.storeSingleMo: here one statement (atomic without a transaction around it). */
  async storeSingleMo(m: SingleMo): Promise<StoredSingleMo> {
    const p = m.part;
    const r = await row<{ id: number; dup_of: number | null; inbound_id: number | null }>(this.q, `WITH dup AS (
        SELECT id FROM sms_mo_parts WHERE fingerprint = $11 AND received_at >= $15 AND ack_confirmed_at IS NULL
        AND (link_id IS NULL OR link_id <> $13) ORDER BY id DESC LIMIT 1
      ), msg AS (
        INSERT INTO sms_inbound (phone, dest, text, parts, complete, warnings, status, received_at, parts_expected)
        SELECT $16, $17, $18, 1, 1, $19, 'received', $14, 1 WHERE NOT EXISTS (SELECT 1 FROM dup) RETURNING id
      )
      INSERT INTO sms_mo_parts (source, dest, data_coding, esm_class, udh, body, concat_ref, concat_total, concat_seq, ref_bits, fingerprint, link_session, link_id, state, dup_of, inbound_id, received_at)
      SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
        CASE WHEN EXISTS (SELECT 1 FROM dup) THEN 'duplicate' ELSE 'consumed' END, (SELECT id FROM dup), (SELECT id FROM msg), $14
      RETURNING id, dup_of, inbound_id`,
    [p.source, p.dest, p.dataCoding, p.esmClass, p.udh, p.body, p.concatRef, p.concatTotal, p.concatSeq, p.refBits, p.fingerprint, p.linkSession, p.linkId, p.receivedAt, m.since,
      m.message.phone, m.message.dest, m.message.text, m.message.warnings && m.message.warnings.length ? m.message.warnings.join('; ') : null]);
    return { partId: Number(r!.id), inboundId: r!.inbound_id == null ? null : Number(r!.inbound_id), redeliveryOf: r!.dup_of == null ? null : Number(r!.dup_of) };
  }
  async redeliveryOf(fingerprint: string, since: string, linkId: string): Promise<number | undefined> {
    return (await row<{ id: number }>(this.q, `SELECT id FROM sms_mo_parts WHERE fingerprint = $1 AND received_at >= $2 AND ack_confirmed_at IS NULL
      AND (link_id IS NULL OR link_id <> $3) ORDER BY id DESC LIMIT 1`, [fingerprint, since, linkId]))?.id;
  }
  async sameSlotPart(p: { source: string; concatRef: number; concatTotal: number; concatSeq: number; dataCoding: number; body: Buffer }, since: string): Promise<number | undefined> {
    return (await row<{ id: number }>(this.q, `SELECT id FROM sms_mo_parts WHERE source = $1 AND concat_ref = $2 AND concat_total = $3 AND concat_seq = $4 AND received_at >= $5
      AND state IN ('open', 'consumed') AND data_coding = $6 AND body = $7 ORDER BY id DESC LIMIT 1`, [p.source, p.concatRef, p.concatTotal, p.concatSeq, since, p.dataCoding, p.body]))?.id;
  }
  async confirmAcks(partIds: Iterable<number>, at: string): Promise<void> {
    const ids = [...partIds];
    if (ids.length) await this.q.query('UPDATE sms_mo_parts SET ack_confirmed_at = $1 WHERE id = ANY($2::bigint[]) AND ack_confirmed_at IS NULL', [at, ids]);
  }
  async openParts(): Promise<MoPartRow[]> { return (await rows(this.q, `SELECT * FROM sms_mo_parts WHERE state = 'open' ORDER BY id`)).map(toPart); }
  async closePart(id: number, dupOf: number | null): Promise<void> { await this.q.query(`UPDATE sms_mo_parts SET state = 'duplicate', dup_of = $1 WHERE id = $2 AND state = 'open'`, [dupOf, id]); }
  async assignParts(inboundId: number, partIds: number[]): Promise<void> {
    if (partIds.length) await this.q.query(`UPDATE sms_mo_parts SET inbound_id = $1, state = 'consumed' WHERE id = ANY($2::bigint[]) AND state = 'open'`, [inboundId, partIds]);
  }
}
