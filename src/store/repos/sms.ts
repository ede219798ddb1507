/** SMS persistence: outbox + segments, receipts, inbound messages and raw MO parts. */
import type { Db } from '../db.js';
import { canonicalPhone } from '../../domain/phone.js';
import { deriveFromSegments, FINAL_STATUSES, segmentStatusFromReceipt, type MessageStatus, type Reason, type SegmentStatus } from '../../sms/outbox/state.js';

export interface OutboxRow {
  id: number; phone: string; text: string; reason: Reason; priority: number; status: MessageStatus; template: string | null;
  dedupeKey: string | null; encoding: string; dataCoding: number; refNum: number; refBits: 8 | 16; fairRound: number; segments: number; attempts: number;
  unknownOutcomes: number; nextAttemptAt: string; expiresAt: string | null; lastError: string | null; feedbackId: number | null;
  inboundId: number | null; createdBy: string | null; createdAt: string; updatedAt: string; submittedAt: string | null; doneAt: string | null;
}

/** A receipt kept because no segment had its message id yet. */
export interface UnmatchedReceipt { id: number; messageId: string; state: string; errorCode: number | null }

export interface SegmentRow { id: number; outboxId: number; seq: number; status: SegmentStatus; messageId: string | null; messageIdRaw: string | null; errorCode: number | null; submits: number }

/** What the dispatcher needs of a claimed message (fewer columns: building row objects is a real cost at 5,000/s). */
export type ClaimedMessage = Pick<OutboxRow, 'id' | 'phone' | 'text' | 'status' | 'encoding' | 'refNum' | 'refBits' | 'segments' | 'attempts' | 'expiresAt' | 'priority'>;

/**
 * Messages below this priority (replies, surveys, answers, manual texts) keep their queue order per
 * recipient even across retries: one waits while an older one of the same or higher priority to the
 * same phone is still unsent (a throttled part (1/2) is not overtaken by (2/2) or by the survey).
 * Bulk pushes and reminders are not checked (no query on the fan-out path).
 */
export const ORDERED_BELOW_PRIORITY = 3;
export type ClaimedSegment = Pick<SegmentRow, 'id' | 'seq'>;

export interface NewOutbox {
  phone: string; text: string; reason: Reason; priority: number; status: 'queued' | 'held'; template: string | null; dedupeKey: string | null;
  encoding: string; dataCoding: number; segments: number; nextAttemptAt: string; expiresAt: string | null;
  /** Concatenation reference width (default 8). A multi-segment message gets the recipient's next reference. */
  refBits?: 8 | 16;
  feedbackId?: number | null; inboundId?: number | null; createdBy?: string | null;
}

/** Statuses of a message still waiting to go out (its recipient's later messages queue behind it in fair order). */
const OPEN_STATUSES = new Set(['queued', 'held', 'submitting']);

export interface InboundRow {
  id: number; phone: string; dest: string; text: string;
  /** Parts that arrived, and parts the message had (null: not recorded, rows before migration 5). */
  parts: number; partsExpected: number | null; complete: boolean; warnings: string | null; status: string;
  command: string | null; outcome: string | null; feedbackId: number | null; receivedAt: string; processedAt: string | null;
}

/** open: waiting for the rest of its long message · consumed: part of an inbound message · duplicate: a re-delivery or repeated part, closed for good. */
export type MoPartState = 'open' | 'consumed' | 'duplicate';

export interface MoPartRow {
  id: number; source: string; dest: string; dataCoding: number; esmClass: number; udh: Buffer | null; body: Buffer;
  concatRef: number | null; concatTotal: number | null; concatSeq: number | null; refBits: number | null;
  /** SHA-256 (hex) of the PDU without its header: what a re-delivery repeats. */
  fingerprint: string;
  /** Informational: the link's connect count in the process that stored it. */
  linkSession: number;
  /** The connection it arrived on (unique across restarts). */
  linkId: string | null;
  state: MoPartState; dupOf: number | null; ackConfirmedAt: string | null;
  inboundId: number | null; receivedAt: string;
}

export type NewMoPart = Omit<MoPartRow, 'id' | 'ackConfirmedAt'>;

/** A single-part MO to store in one step (storeSingleMo): the part, and the message it is unless it is a re-delivery. */
export interface SingleMo {
  part: Omit<NewMoPart, 'state' | 'dupOf' | 'inboundId'>;
  message: { phone: string; dest: string; text: string; warnings: string[] | null };
  /** Re-deliveries are looked for since then. */
  since: string;
}
export interface StoredSingleMo { partId: number; inboundId: number | null; redeliveryOf: number | null }

/** Row → object mappers, shared with the PostgreSQL twin (both engines store the same values). */
export const toOutbox = (r: any): OutboxRow => ({
  id: r.id, phone: r.phone, text: r.text, reason: r.reason, priority: r.priority, status: r.status, template: r.template, dedupeKey: r.dedupe_key,
  encoding: r.encoding, dataCoding: r.data_coding, refNum: r.ref_num, refBits: r.ref_bits === 16 ? 16 : 8, fairRound: r.fair_round, segments: r.segments, attempts: r.attempts, unknownOutcomes: r.unknown_outcomes,
  nextAttemptAt: r.next_attempt_at, expiresAt: r.expires_at, lastError: r.last_error, feedbackId: r.feedback_id, inboundId: r.inbound_id,
  createdBy: r.created_by, createdAt: r.created_at, updatedAt: r.updated_at, submittedAt: r.submitted_at, doneAt: r.done_at,
});
export const toSegment = (r: any): SegmentRow => ({ id: r.id, outboxId: r.outbox_id, seq: r.seq, status: r.status, messageId: r.message_id, messageIdRaw: r.message_id_raw, errorCode: r.error_code, submits: r.submits });
export const toInbound = (r: any): InboundRow => ({
  id: r.id, phone: r.phone, dest: r.dest, text: r.text, parts: r.parts, partsExpected: r.parts_expected ?? null, complete: !!r.complete, warnings: r.warnings, status: r.status,
  command: r.command, outcome: r.outcome, feedbackId: r.feedback_id, receivedAt: r.received_at, processedAt: r.processed_at,
});
export const toPart = (r: any): MoPartRow => ({
  id: r.id, source: r.source, dest: r.dest, dataCoding: r.data_coding, esmClass: r.esm_class, udh: r.udh, body: r.body, concatRef: r.concat_ref,
  concatTotal: r.concat_total, concatSeq: r.concat_seq, refBits: r.ref_bits, fingerprint: r.fingerprint, linkSession: r.link_session,
  linkId: r.link_id ?? null, state: r.state, dupOf: r.dup_of ?? null, ackConfirmedAt: r.ack_confirmed_at ?? null,
  inboundId: r.inbound_id, receivedAt: r.received_at,
});

export class SqliteSmsRepo {
  private s;
  private readonly enqueueTx: (m: NewOutbox, now: string) => { id: number; created: boolean };
  private readonly enqueueManyTx: (ms: readonly NewOutbox[], now: string) => Array<{ id: number; created: boolean }>;
  private readonly claimTx: (now: string, limit: number, busy: ReadonlySet<string> | null, owner: string | null) => Array<{ msg: ClaimedMessage; segments: ClaimedSegment[] }>;
  constructor(readonly db: Db) {
    this.s = {
      insert: db.prepare(`INSERT INTO sms_outbox (phone, text, reason, priority, status, template, dedupe_key, encoding, data_coding, ref_num, ref_bits, fair_round, segments, next_attempt_at, expires_at, feedback_id, inbound_id, created_by, created_at, updated_at)
        VALUES (@phone, @text, @reason, @priority, @status, @template, @dedupeKey, @encoding, @dataCoding, @refNum, @refBits, @fairRound, @segments, @nextAttemptAt, @expiresAt, @feedbackId, @inboundId, @createdBy, @now, @now)
        ON CONFLICT(dedupe_key) DO NOTHING`),
      // The recipient's latest message (index sms_outbox_phone): is one still waiting, and in which round?
      lastForPhone: db.prepare(`SELECT priority, status, fair_round AS round FROM sms_outbox WHERE phone = ? ORDER BY created_at DESC, id DESC LIMIT 1`),
      headRound: db.prepare(`SELECT MIN(fair_round) FROM sms_outbox INDEXED BY sms_outbox_due WHERE status = 'queued' AND priority = ?`).pluck(),
      refGet: db.prepare(`SELECT next_ref AS next, cycle_started_at AS cycleStartedAt FROM sms_concat_refs WHERE phone = ?`),
      refSet: db.prepare(`INSERT INTO sms_concat_refs (phone, next_ref, cycle_started_at, updated_at) VALUES (@phone, @next, @cycle, @now)
        ON CONFLICT(phone) DO UPDATE SET next_ref = excluded.next_ref, cycle_started_at = excluded.cycle_started_at, updated_at = excluded.updated_at`),
      awaitingReceipt: db.prepare(`SELECT id FROM sms_outbox INDEXED BY sms_outbox_awaiting_receipt WHERE status = 'submitted' AND submitted_at < ? ORDER BY submitted_at LIMIT ?`).pluck(),
      segsNoReceipt: db.prepare(`UPDATE sms_segments SET status = 'no_receipt', done_at = ? WHERE outbox_id = ? AND status = 'submitted'`),
      insertSeg: db.prepare(`INSERT INTO sms_segments (outbox_id, seq, status) VALUES (?, ?, 'pending')`),
      byId: db.prepare('SELECT * FROM sms_outbox WHERE id = ?'),
      byDedupe: db.prepare('SELECT id FROM sms_outbox WHERE dedupe_key = ?').pluck(),
      segments: db.prepare('SELECT * FROM sms_segments WHERE outbox_id = ? ORDER BY seq'),
      // INDEXED BY: without statistics the planner prefers sms_outbox_status (status = ?) and sorts every
      // queued row for each claim (a temp B-tree over 400k rows); the partial index is already in claim order.
      // Fair order: priority, then round (a recipient's k-th waiting message is in round head+k), then age.
      due: db.prepare(`SELECT id, phone, text, encoding, ref_num AS refNum, ref_bits AS refBits, segments, attempts, expires_at AS expiresAt, priority, fair_round AS fairRound
        FROM sms_outbox INDEXED BY sms_outbox_due WHERE status = 'queued' AND next_attempt_at <= ? ORDER BY priority, fair_round, next_attempt_at, id LIMIT ?`),
      claim: db.prepare(`UPDATE sms_outbox SET status = 'submitting', attempts = attempts + 1, updated_at = ?, claimed_by = ? WHERE id = ? AND status = 'queued'`),
      olderUnsent: db.prepare(`SELECT 1 FROM sms_outbox WHERE phone = ? AND id < ? AND priority <= ? AND status IN ('queued', 'submitting') LIMIT 1`).pluck(),
      claimSegs: db.prepare(`UPDATE sms_segments SET status = 'submitting', submits = submits + 1 WHERE outbox_id = ? AND status = 'pending' RETURNING id, seq`),
      unclaim: db.prepare(`UPDATE sms_outbox SET status = 'queued', attempts = MAX(0, attempts - 1), updated_at = ? WHERE id = ? AND status = 'submitting'`),
      unclaimSegs: db.prepare(`UPDATE sms_segments SET status = 'pending', submits = MAX(0, submits - 1) WHERE outbox_id = ? AND status = 'submitting'`),
      segSubmitted: db.prepare(`UPDATE sms_segments SET status = 'submitted', message_id = ?, message_id_raw = ?, submitted_at = ? WHERE id = ? AND status = 'submitting'`),
      segBack: db.prepare(`UPDATE sms_segments SET status = 'pending' WHERE id = ? AND status = 'submitting'`),
      segFailed: db.prepare(`UPDATE sms_segments SET status = 'failed', error_code = ?, done_at = ? WHERE id = ?`),
      segsBackForMsg: db.prepare(`UPDATE sms_segments SET status = 'pending' WHERE outbox_id = ? AND status = 'submitting'`),
      setStatus: db.prepare(`UPDATE sms_outbox SET status = @status, updated_at = @now, last_error = COALESCE(@error, last_error),
        next_attempt_at = COALESCE(@next, next_attempt_at), unknown_outcomes = unknown_outcomes + @unknown,
        submitted_at = CASE WHEN @status = 'submitted' AND submitted_at IS NULL THEN @now ELSE submitted_at END,
        done_at = CASE WHEN @final = 1 THEN @now ELSE done_at END WHERE id = @id`),
      // The message status and its segments' statuses in one statement (settle runs once per submit and per receipt).
      settleRead: db.prepare(`SELECT (SELECT status FROM sms_outbox WHERE id = @id) AS cur, group_concat(status) AS segs FROM sms_segments WHERE outbox_id = @id`),
      segByMsgId: db.prepare(`SELECT * FROM sms_segments WHERE message_id = ?`),
      segRefByMsgId: db.prepare(`SELECT id, outbox_id AS outboxId FROM sms_segments WHERE message_id = ?`),
      // settleFromSegments' update (no error / next attempt / unknown count to change): positional, no CASE on @params.
      settleSet: db.prepare(`UPDATE sms_outbox SET status = ?, updated_at = ?,
        submitted_at = CASE WHEN submitted_at IS NULL AND ? = 1 THEN ? ELSE submitted_at END,
        done_at = CASE WHEN ? = 1 THEN ? ELSE done_at END WHERE id = ?`),
      segReceipt: db.prepare(`UPDATE sms_segments SET status = ?, error_code = COALESCE(?, error_code), done_at = ? WHERE id = ?`),
      unmatchedInsert: db.prepare(`INSERT INTO sms_receipts_unmatched (message_id, state, error_code, raw, received_at) VALUES (?, ?, ?, ?, ?)`),
      unmatchedFind: db.prepare(`SELECT * FROM sms_receipts_unmatched WHERE message_id = ? ORDER BY id`),
      unmatchedKeys: db.prepare(`SELECT DISTINCT message_id FROM sms_receipts_unmatched`).pluck(),
      unmatchedDelete: db.prepare(`DELETE FROM sms_receipts_unmatched WHERE id = ?`),
      unmatchedPurge: db.prepare(`DELETE FROM sms_receipts_unmatched WHERE received_at < ?`),
      unmatchedRecent: db.prepare(`SELECT id, message_id AS messageId, state, error_code AS errorCode FROM sms_receipts_unmatched WHERE received_at >= ? ORDER BY id LIMIT ?`),
      // Rows claimed by an instance not in the JSON list of live ones (or by nobody recorded).
      recoverMsgs: db.prepare(`UPDATE sms_outbox SET status = 'queued', updated_at = ? WHERE status = 'submitting'
        AND (claimed_by IS NULL OR claimed_by NOT IN (SELECT value FROM json_each(?)))`),
      recoverSegs: db.prepare(`SELECT s.outbox_id, COUNT(*) AS n FROM sms_segments s JOIN sms_outbox o ON o.id = s.outbox_id
        WHERE s.status = 'submitting' AND o.status = 'submitting' AND (o.claimed_by IS NULL OR o.claimed_by NOT IN (SELECT value FROM json_each(?))) GROUP BY s.outbox_id`),
      recoverSegsReset: db.prepare(`UPDATE sms_segments SET status = 'pending' WHERE status = 'submitting' AND outbox_id = ?`),
      addUnknown: db.prepare(`UPDATE sms_outbox SET unknown_outcomes = unknown_outcomes + ? WHERE id = ?`),
      // Quiet hours are decided by the caller from the current settings; rows keep their order (id) in the queue.
      releaseHeld: db.prepare(`UPDATE sms_outbox SET status = 'queued', next_attempt_at = @now, updated_at = @now WHERE status = 'held'`),
      // Older held notices of one phone with the same dedupe-key prefix (same declaration): the newest wins.
      supersedeHeld: db.prepare(`UPDATE sms_outbox SET status = 'superseded', done_at = @now, updated_at = @now, last_error = @why
        WHERE phone = @phone AND status = 'held' AND id < @keep AND substr(dedupe_key, 1, length(@prefix)) = @prefix`),
      expireDue: db.prepare(`UPDATE sms_outbox SET status = 'expired', done_at = @now, updated_at = @now, last_error = 'validity period passed before sending'
        WHERE status IN ('queued', 'held') AND expires_at IS NOT NULL AND expires_at < @now`),
      countByStatus: db.prepare('SELECT status, COUNT(*) AS n FROM sms_outbox GROUP BY status'),
      queuedCount: db.prepare(`SELECT COUNT(*) FROM sms_outbox WHERE status IN ('queued', 'submitting')`).pluck(),
      replyCounts: db.prepare(`SELECT COUNT(*) FILTER (WHERE reason = 'reply') AS replies, COUNT(*) FILTER (WHERE template = ?) AS template FROM sms_outbox WHERE phone = ? AND created_at >= ?`),
      list: db.prepare(`SELECT * FROM sms_outbox WHERE (@status IS NULL OR status = @status) AND (@phone IS NULL OR phone = @phone) ORDER BY id DESC LIMIT @limit OFFSET @offset`),
      cancel: db.prepare(`UPDATE sms_outbox SET status = 'cancelled', done_at = @now, updated_at = @now WHERE id = @id AND status IN ('queued', 'held')`),
      retry: db.prepare(`UPDATE sms_outbox SET status = 'queued', next_attempt_at = @now, updated_at = @now, attempts = 0 WHERE id = @id AND status IN ('failed', 'expired', 'undeliverable')`),
      retrySegs: db.prepare(`UPDATE sms_segments SET status = 'pending', message_id = NULL, error_code = NULL WHERE outbox_id = ?`),
      // inbound
      inInsert: db.prepare(`INSERT INTO sms_inbound (phone, dest, text, parts, complete, warnings, status, received_at, parts_expected) VALUES (?, ?, ?, ?, ?, ?, 'received', ?, ?)`),
      inById: db.prepare('SELECT * FROM sms_inbound WHERE id = ?'),
      inPending: db.prepare(`SELECT * FROM sms_inbound WHERE status = 'received' ORDER BY id LIMIT ?`),
      inDone: db.prepare(`UPDATE sms_inbound SET status = @status, command = @command, outcome = @outcome, feedback_id = @feedbackId, processed_at = @now WHERE id = @id`),
      inList: db.prepare(`SELECT * FROM sms_inbound WHERE (@phone IS NULL OR phone = @phone) ORDER BY id DESC LIMIT @limit OFFSET @offset`),
      partInsert: db.prepare(`INSERT INTO sms_mo_parts (source, dest, data_coding, esm_class, udh, body, concat_ref, concat_total, concat_seq, ref_bits, fingerprint, link_session, link_id, state, dup_of, inbound_id, received_at)
        VALUES (@source, @dest, @dataCoding, @esmClass, @udh, @body, @concatRef, @concatTotal, @concatSeq, @refBits, @fingerprint, @linkSession, @linkId, @state, @dupOf, @inboundId, @receivedAt)`),
      partRedelivered: db.prepare(`SELECT id FROM sms_mo_parts WHERE fingerprint = ? AND received_at >= ? AND ack_confirmed_at IS NULL
        AND (link_id IS NULL OR link_id <> ?) ORDER BY id DESC LIMIT 1`).pluck(),
      partSlot: db.prepare(`SELECT id FROM sms_mo_parts WHERE source = ? AND concat_ref = ? AND concat_total = ? AND concat_seq = ? AND received_at >= ?
        AND state IN ('open', 'consumed') AND data_coding = ? AND body = ? ORDER BY id DESC LIMIT 1`).pluck(),
      partConfirm: db.prepare(`UPDATE sms_mo_parts SET ack_confirmed_at = ? WHERE id = ? AND ack_confirmed_at IS NULL`),
      partsOpen: db.prepare(`SELECT * FROM sms_mo_parts WHERE state = 'open' ORDER BY id`),
      partAssign: db.prepare(`UPDATE sms_mo_parts SET inbound_id = ?, state = 'consumed' WHERE id = ? AND state = 'open'`),
      partClose: db.prepare(`UPDATE sms_mo_parts SET state = 'duplicate', dup_of = ? WHERE id = ? AND state = 'open'`),
      purgeSegments: db.prepare(`DELETE FROM sms_segments WHERE outbox_id IN (SELECT id FROM sms_outbox WHERE done_at IS NOT NULL AND done_at < ?)`),
      purgeOutbox: db.prepare(`DELETE FROM sms_outbox WHERE done_at IS NOT NULL AND done_at < ?`),
    };
    // Transaction functions are built once: db.transaction() per call is a measurable cost in a fan-out.
    this.enqueueTx = db.transaction((m: NewOutbox, now: string): { id: number; created: boolean } => this.enqueueOne(m, now));
    this.enqueueManyTx = db.transaction((ms: readonly NewOutbox[], now: string) => ms.map((m) => this.enqueueOne(m, now)));
    this.claimTx = this.buildClaim(db);
  }

  private enqueueOne(m: NewOutbox, now: string): { id: number; created: boolean } {
    const refBits = m.refBits ?? 8;
    const refNum = m.segments > 1 ? this.nextConcatRef(m.phone, refBits, now) : 0;
    // Round robin by recipient: the first waiting message of a recipient joins the current round; each
    // further one goes one round later, so other recipients' messages are claimed in between.
    const head = this.headRound(m.priority);
    const last = this.s.lastForPhone.get(m.phone) as { priority: number; status: string; round: number } | undefined;
    const fairRound = last && last.priority === m.priority && OPEN_STATUSES.has(last.status) ? Math.max(head, last.round + 1) : head;
    const info = this.s.insert.run({ feedbackId: null, inboundId: null, createdBy: null, ...m, refBits, refNum, fairRound, now });
    if (info.changes === 0) return { id: this.s.byDedupe.get(m.dedupeKey) as number, created: false };
    const id = Number(info.lastInsertRowid);
    for (let i = 1; i <= m.segments; i++) this.s.insertSeg.run(id, i);
    return { id, created: true };
  }

  /** The claim transaction (built once). */
  private buildClaim(db: Db) {
    return db.transaction((now: string, limit: number, busy: ReadonlySet<string> | null, owner: string | null): Array<{ msg: ClaimedMessage; segments: ClaimedSegment[] }> => {
      const out: Array<{ msg: ClaimedMessage; segments: ClaimedSegment[] }> = [];
      // One message per recipient at a time, in queue order: an answer's survey never overtakes the answer.
      const taken = new Set<string>();
      for (const msg of this.s.due.all(now, busy ? limit * 2 : limit) as Array<ClaimedMessage & { priority: number; fairRound: number }>) {
        if (out.length >= limit) break;
        if (busy && (busy.has(msg.phone) || taken.has(msg.phone))) continue;
        if (msg.priority < ORDERED_BELOW_PRIORITY && this.s.olderUnsent.get(msg.phone, msg.id, msg.priority)) continue;
        if (this.s.claim.run(now, owner, msg.id).changes === 0) continue;
        taken.add(msg.phone);
        if (msg.fairRound > (this.heads.get(msg.priority) ?? -1)) this.heads.set(msg.priority, msg.fairRound);
        msg.refBits = msg.refBits === 16 ? 16 : 8;
        msg.status = 'submitting';
        msg.attempts += 1;
        // RETURNING: the claimed segments without reading them again (every way back to 'queued' resets
        // 'submitting' segments to 'pending', so these are exactly the segments still to send).
        const segs = this.s.claimSegs.all(msg.id) as ClaimedSegment[];
        if (segs.length > 1) segs.sort((a, b) => a.seq - b.seq);
        out.push({ msg, segments: segs });
      }
      return out;
    });
  }

  /** The current round per priority (the round of the latest claim; from the queue head at first use). */
  private heads = new Map<number, number>();
  private headRound(priority: number): number {
    let h = this.heads.get(priority);
    if (h === undefined) {
      h = (this.s.headRound.get(priority) as number | null) ?? 0;
      this.heads.set(priority, h);
    }
    return h;
  }

  /**
   * The recipient's next concatenation reference (8 or 16 bits wide), from a persisted per-recipient
   * counter: consecutive long messages to one phone never share a reference, and a restart does not
   * start again at a random or zero value. The counter wraps after 256 (8-bit) / 65,536 (16-bit) long
   * messages to that phone; a wrap within 24 h is logged by the caller's warning hook.
   */
  nextConcatRef(phone: string, bits: 8 | 16, now: string): number {
    const size = bits === 16 ? 0x10000 : 0x100;
    const cur = this.s.refGet.get(phone) as { next: number; cycleStartedAt: string } | undefined;
    const counter = cur?.next ?? 0;
    const ref = counter % size;
    let cycle = cur?.cycleStartedAt ?? now;
    if (cur && ref === 0) {
      if (Date.parse(now) - Date.parse(cycle) < 86400_000) this.onRefWrap?.(phone, bits);
      cycle = now;
    }
    this.s.refSet.run({ phone, next: counter + 1, cycle, now });
    return ref;
  }
  /** Called when a recipient's references wrap within a day (more long messages than the width allows). */
  onRefWrap: ((phone: string, bits: 8 | 16) => void) | null = null;

  /** Queue a message with its segments. Returns the id, or the existing id when the dedupe key was used before. */
  enqueue(m: NewOutbox, now: string): { id: number; created: boolean } {
    return this.enqueueTx(m, now);
  }

  /**
   * Queue many messages in one transaction (the same rows as enqueue() one by one). On SQLite each
   * statement is an in-process call on a prepared statement, so one transaction around them is what a
   * multi-row INSERT buys on PostgreSQL (see PgSmsRepo.enqueueMany): no savepoint or commit per row.
   */
  enqueueMany(ms: readonly NewOutbox[], now: string): Array<{ id: number; created: boolean }> {
    return this.enqueueManyTx(ms, now);
  }

  byId(id: number): OutboxRow | undefined { const r = this.s.byId.get(id); return r ? toOutbox(r) : undefined; }
  segments(id: number): SegmentRow[] { return this.s.segments.all(id).map(toSegment); }

  /** Claim up to `limit` due messages: queued → submitting, their pending segments → submitting (persisted before any byte is sent). */
  /**
   * Claim due messages (queued → submitting, their pending segments → submitting). With `busy` (phones
   * with a message in flight), recipients are served one message at a time, in queue order.
   */
  claimDue(now: string, limit: number, busy: ReadonlySet<string> | null = null, owner: string | null = null): Array<{ msg: ClaimedMessage; segments: ClaimedSegment[] }> {
    return this.claimTx(now, limit, busy, owner);
  }

  /** Undo a claim whose message was never sent (dispatcher stopped or link lost first): queued again, attempt not counted. */
  unclaim(id: number, now: string): void {
    if (this.s.unclaim.run(now, id).changes) this.s.unclaimSegs.run(id);
  }

  segmentSubmitted(segId: number, messageIdKey: string, messageIdRaw: string, now: string): void { this.s.segSubmitted.run(messageIdKey, messageIdRaw, now, segId); }
  segmentBackToPending(segId: number): void { this.s.segBack.run(segId); }
  segmentFailed(segId: number, errorCode: number | null, now: string): void { this.s.segFailed.run(errorCode, now, segId); }

  setStatus(id: number, status: MessageStatus, now: string, opts: { error?: string | null; nextAttemptAt?: string | null; unknown?: number } = {}): void {
    this.s.setStatus.run({ id, status, now, error: opts.error ?? null, next: opts.nextAttemptAt ?? null, unknown: opts.unknown ?? 0, final: FINAL_STATUSES.has(status) ? 1 : 0 });
  }

  /** Back to queued for a later attempt; segments still 'submitting' become pending again. */
  requeue(id: number, now: string, nextAttemptAt: string, error: string, unknown = 0): void {
    this.s.segsBackForMsg.run(id);
    this.setStatus(id, 'queued', now, { error, nextAttemptAt, unknown });
  }

  /** Recompute a message's status from its segments (after all were submitted, or after a receipt). */
  settleFromSegments(id: number, now: string): MessageStatus {
    const r = this.s.settleRead.get({ id }) as { cur: MessageStatus | null; segs: string | null };
    const current = r.cur ?? undefined;
    if (!current || current === 'cancelled' || current === 'failed') return current ?? 'failed';
    const next = deriveFromSegments(r.segs ? r.segs.split(',') as SegmentStatus[] : []);
    if (next !== current && next !== 'submitting') {
      const fin = FINAL_STATUSES.has(next) ? 1 : 0;
      this.s.settleSet.run(next, now, next === 'submitted' ? 1 : 0, now, fin, now, id);
    }
    return next === 'submitting' ? current : next;
  }

  segmentByMessageId(key: string): SegmentRow | undefined { const r = this.s.segByMsgId.get(key); return r ? toSegment(r) : undefined; }
  /** The segment and message ids for an SMSC message id key (receipt matching). */
  segmentRefByMessageId(key: string): { id: number; outboxId: number } | undefined {
    return this.s.segRefByMsgId.get(key) as { id: number; outboxId: number } | undefined;
  }
  segmentReceipt(segId: number, status: SegmentStatus, errorCode: number | null, now: string): void { this.s.segReceipt.run(status, errorCode, now, segId); }

  /**
   * A positive submit_sm_resp: the segment is 'submitted' with its message id, and receipts kept for
   * any form of that id (`keys`, in order; they came before the answer was stored) are applied to it.
   * One call for what the dispatcher does per answer (segmentSubmitted + take/apply unmatched receipts).
   */
  segmentAnswered(segId: number, messageIdKey: string, messageIdRaw: string, keys: readonly string[], now: string): void {
    this.segmentSubmitted(segId, messageIdKey, messageIdRaw, now);
    for (const key of keys) {
      if (!this.mayHaveUnmatchedReceipt(key)) continue;
      for (const r of this.takeUnmatchedReceipts(key)) {
        const st = segmentStatusFromReceipt(r.state as never);
        if (st) this.segmentReceipt(segId, st, r.errorCode, now);
      }
    }
  }

  /**
   * A delivery receipt for the first of `keys` (forms of its message ids, in order) that names a
   * segment: with a final `status` the segment records it and its message is settled. Returns the
   * message and its status (null for an intermediate receipt: nothing recorded), or undefined when no
   * segment has any of the ids.
   */
  receiptForKeys(keys: readonly string[], status: SegmentStatus | null, errorCode: number | null, now: string): { outboxId: number; status: MessageStatus | null } | undefined {
    for (const key of keys) {
      const seg = this.segmentRefByMessageId(key);
      if (!seg) continue;
      if (!status) return { outboxId: seg.outboxId, status: null };
      this.segmentReceipt(seg.id, status, errorCode, now);
      return { outboxId: seg.outboxId, status: this.settleFromSegments(seg.outboxId, now) };
    }
    return undefined;
  }

  keepUnmatchedReceipt(key: string, state: string, errorCode: number | null, raw: string | null, now: string): void {
    this.s.unmatchedInsert.run(key, state, errorCode, raw, now);
    this.unmatchedKeys().add(key);
  }
  /**
   * Whether a receipt may be waiting for this message id: an in-memory set of the kept ids (loaded on first
   * use, kept in step by this repo), so storing a submit_sm_resp costs no query when none is waiting.
   * This repo instance must be the only writer of sms_receipts_unmatched (the SMS channel's).
   */
  mayHaveUnmatchedReceipt(key: string): boolean { return this.unmatchedKeys().has(key); }
  takeUnmatchedReceipts(key: string): Array<{ state: string; errorCode: number | null }> {
    const rows = this.s.unmatchedFind.all(key) as Array<{ id: number; state: string; error_code: number | null }>;
    for (const r of rows) this.s.unmatchedDelete.run(r.id);
    // Dropped from the set only after the rows are gone; if the enclosing transaction rolls back the set
    // merely misses them until the next purge reloads it (they are still kept, and purged in time).
    this.unmatched?.delete(key);
    return rows.map((r) => ({ state: r.state, errorCode: r.error_code }));
  }
  /**
   * Kept receipts received since `since` (oldest first, at most `limit`), for the periodic re-match: with
   * several instances a receipt kept by one can cross the other's commit of its submit_sm_resp.
   */
  recentUnmatchedReceipts(since: string, limit: number): UnmatchedReceipt[] {
    return this.s.unmatchedRecent.all(since, limit) as UnmatchedReceipt[];
  }
  /** A kept receipt that has been applied to its segment (re-match). */
  dropUnmatchedReceipt(id: number): void { this.s.unmatchedDelete.run(id); }
  purgeUnmatchedReceipts(before: string): number {
    const n = this.s.unmatchedPurge.run(before).changes;
    this.unmatched = null; // reloaded on next use
    return n;
  }
  private unmatched: Set<string> | null = null;
  private unmatchedKeys(): Set<string> {
    if (!this.unmatched) this.unmatched = new Set(this.s.unmatchedKeys.all() as string[]);
    return this.unmatched;
  }

  /**
   * After a crash: messages caught in 'submitting' go back to the queue. Segments that were written
   * without a stored response are unknown outcomes (they may have reached the SMSC): resent, and counted.
   */
  /**
   * Rows left 'submitting' by an instance that is gone go back to the queue; their segments without a
   * stored answer are counted as unknown outcomes (they will be resent). `live`: the instances whose
   * claims stand (this one, and on a shared database the others within their lease); rows claimed by
   * anyone else, or by nobody recorded (older versions), are recovered.
   */
  recoverAfterRestart(now: string, live: readonly string[] = []): { messages: number; unknownSegments: number } {
    return this.db.transaction(() => {
      const keep = JSON.stringify(live);
      let unknown = 0;
      for (const r of this.s.recoverSegs.all(keep) as Array<{ outbox_id: number; n: number }>) {
        this.s.addUnknown.run(r.n, r.outbox_id);
        this.s.recoverSegsReset.run(r.outbox_id);
        unknown += r.n;
      }
      const messages = this.s.recoverMsgs.run(now, keep).changes;
      return { messages, unknownSegments: unknown };
    })();
  }

  /** Every held row joins the queue (the caller checked that quiet hours are over). */
  releaseHeld(now: string): number { return this.s.releaseHeld.run({ now }).changes; }
  /** Held rows of `phone` older than `keep` whose dedupe key starts with `prefix` end 'superseded'. */
  supersedeHeld(phone: string, prefix: string, keep: number, now: string): number {
    return this.s.supersedeHeld.run({ phone, prefix, keep, now, why: `superseded by a newer notice (#${keep})` }).changes;
  }

  /**
   * Receipt timeout: messages submitted before `before` still waiting for receipts end 'no_receipt' (their
   * segments without a receipt too). Up to `limit` per call; returns the ids closed. A receipt that still
   * comes later is applied (and settles the message from it).
   */
  closeWithoutReceipt(before: string, now: string, limit = 1000): number[] {
    return this.db.transaction(() => {
      const ids = this.s.awaitingReceipt.all(before, limit) as number[];
      for (const id of ids) {
        this.s.segsNoReceipt.run(now, id);
        this.settleFromSegments(id, now);
      }
      return ids;
    })();
  }
  expireDue(now: string): number { return this.s.expireDue.run({ now }).changes; }
  countsByStatus(): Record<string, number> {
    const o: Record<string, number> = {};
    for (const r of this.s.countByStatus.all() as Array<{ status: string; n: number }>) o[r.status] = r.n;
    return o;
  }
  queuedCount(): number { return this.s.queuedCount.get() as number; }
  /** Replies queued to `phone` since then, and messages from `template` (the abuse guard's one notice per window): the reply guard of every MO, one look. */
  replyCounts(phone: string, template: string, since: string): { replies: number; template: number } {
    const r = this.s.replyCounts.get(template, phone, since) as { replies: number; template: number };
    return { replies: Number(r.replies), template: Number(r.template) };
  }
  list(f: { status?: string; phone?: string; limit?: number; offset?: number }): OutboxRow[] {
    return this.s.list.all({ status: f.status ?? null, phone: f.phone ? canonicalPhone(f.phone) : null, limit: f.limit ?? 50, offset: f.offset ?? 0 }).map(toOutbox);
  }
  cancel(id: number, now: string): boolean { return this.s.cancel.run({ id, now }).changes > 0; }
  retry(id: number, now: string): boolean {
    return this.db.transaction(() => {
      if (this.s.retry.run({ id, now }).changes === 0) return false;
      this.s.retrySegs.run(id);
      return true;
    })();
  }
  /** Delete finished messages older than `before` with their segments (children first: foreign keys are on). */
  purgeOutbox(before: string): number {
    return this.db.transaction(() => {
      this.s.purgeSegments.run(before);
      return this.s.purgeOutbox.run(before).changes;
    })();
  }

  // inbound
  /** `parts`: parts that arrived; `partsExpected`: parts the message had (default: all arrived). */
  insertInbound(phone: string, dest: string, text: string, parts: number, complete: boolean, warnings: string[] | null, receivedAt: string, partsExpected = parts): number {
    return Number(this.s.inInsert.run(phone, dest, text, parts, complete ? 1 : 0, warnings && warnings.length ? warnings.join('; ') : null, receivedAt, partsExpected).lastInsertRowid);
  }
  inbound(id: number): InboundRow | undefined { const r = this.s.inById.get(id); return r ? toInbound(r) : undefined; }
  /**
   * Inside the processing transaction: the row if it still waits to be processed and no one else is
   * processing it (SQLite: the write transaction is exclusive already; PostgreSQL: a row lock, skipped when
   * another instance holds it — that one processes it).
   */
  claimInbound(id: number): InboundRow | undefined { const r = this.inbound(id); return r && r.status === 'received' ? r : undefined; }
  pendingInbound(limit = 100): InboundRow[] { return this.s.inPending.all(limit).map(toInbound); }
  inboundDone(id: number, status: 'processed' | 'ignored', command: string | null, outcome: string | null, feedbackId: number | null, now: string): void {
    this.s.inDone.run({ id, status, command, outcome, feedbackId, now });
  }
  listInbound(f: { phone?: string; limit?: number; offset?: number }): InboundRow[] {
    return this.s.inList.all({ phone: f.phone ? canonicalPhone(f.phone) : null, limit: f.limit ?? 50, offset: f.offset ?? 0 }).map(toInbound);
  }
  insertPart(p: NewMoPart): number { return Number(this.s.partInsert.run(p).lastInsertRowid); }
  /**
   * A single-part MO in one atomic step: a re-delivery (redeliveryOf) is stored closed as its copy;
   * otherwise the message and its consumed part. The PostgreSQL twin is one statement (one round trip).
   */
  storeSingleMo(m: SingleMo): StoredSingleMo {
    return this.db.transaction(() => {
      const dup = this.redeliveryOf(m.part.fingerprint, m.since, m.part.linkId ?? '') ?? null;
      const inboundId = dup === null ? this.insertInbound(m.message.phone, m.message.dest, m.message.text, 1, true, m.message.warnings, m.part.receivedAt) : null;
      const partId = this.insertPart({ ...m.part, state: dup === null ? 'consumed' : 'duplicate', dupOf: dup, inboundId });
      return { partId, inboundId, redeliveryOf: dup };
    })();
  }
  /**
   * The stored part this PDU would be a re-delivery of: same PDU octets (`fingerprint`) since `since`,
   * received on another connection, and the SMSC never seen to have read our deliver_sm_resp for it.
   */
  redeliveryOf(fingerprint: string, since: string, linkId: string): number | undefined {
    return this.s.partRedelivered.get(fingerprint, since, linkId) as number | undefined;
  }
  /** An open or consumed part of the same slot (sender, reference, total, seq) with the same octets since `since`. */
  sameSlotPart(p: { source: string; concatRef: number; concatTotal: number; concatSeq: number; dataCoding: number; body: Buffer }, since: string): number | undefined {
    return this.s.partSlot.get(p.source, p.concatRef, p.concatTotal, p.concatSeq, since, p.dataCoding, p.body) as number | undefined;
  }
  /** The SMSC has read our deliver_sm_resp for these parts. */
  confirmAcks(partIds: Iterable<number>, at: string): void { for (const id of partIds) this.s.partConfirm.run(at, id); }
  openParts(): MoPartRow[] { return this.s.partsOpen.all().map(toPart); }
  /** An open part found to repeat another: closed for good. */
  closePart(id: number, dupOf: number | null): void { this.s.partClose.run(dupOf, id); }
  /** Open parts become consumed by this inbound message (a part already closed stays as it is). */
  assignParts(inboundId: number, partIds: number[]): void { for (const id of partIds) this.s.partAssign.run(inboundId, id); }
}
