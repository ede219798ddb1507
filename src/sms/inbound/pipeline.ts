/**
 * The inbound SMS pipeline (MO; receipts go to the dispatcher): persist → ack → reassemble → command.
 *
 *  - Persist first. Each MO part is decided (re-delivery, repeated part or new: codec/mo-dedupe.ts) and
 *    stored in one transaction together with the message it completes; only after that commit is the
 *    deliver_sm_resp sent (status 0). On SQLite that transaction completes in the turn the PDU was read.
 *  - A PDU that cannot be stored for lack of space is answered 0x64 (ESME_RX_T_APPN, temporary): the
 *    SMSC keeps it and delivers it again later. Any other failure is not answered at all (the SMSC
 *    delivers it again after the response timeout or the next bind).
 *  - Parts of a long message wait in the store ('open') and in memory (the reassembly state) until the
 *    set is complete, or the reassembly timeout passes (the tick stores the message as received, with
 *    the gap marked); after a restart the open parts make the open sets again (`rebuild`).
 *  - A stored message is handed to the command handler on a second chain, in the order the messages
 *    were stored, so a slow command does not hold up the acks. The handler is idempotent: a row that
 *    was processed is skipped (a restart, or another instance on the same database).
 *  - When the SMSC is seen to read our resp, that is recorded for the part (one transaction per turn):
 *    it tells a later identical PDU (a citizen texting the same again) from a re-delivery.
 *
 * Parts of long messages (and the reassembly timer, the rebuild) are handled one after the other, in
 * arrival order (one promise chain): the in-memory reassembly state is read and written by one PDU at a
 * time, also on PostgreSQL where a store call takes a round trip. A plain single-part MO (no UDH, no
 * SAR: nearly all of them) touches no reassembly state and skips the chain: its store call (one
 * statement) joins a group commit with the others read meanwhile — one transaction, one WAL flush on
 * PostgreSQL, for the batch (a re-delivery in the same batch still sees its original: same transaction).
 * Commands run per citizen in storage order; different citizens side by side on PostgreSQL.
 */
import { citizenText } from '../../domain/text-safety.js';
import { canonicalPhone } from '../../domain/phone.js';
import type { DeliverEvent } from '../link/index.js';
import type { SmsStore } from '../../store/ports.js';
import type { InboundRow, SingleMo, StoredSingleMo } from '../../store/repos/sms.js';
import { GroupCommit } from './group-commit.js';
import type { Logger } from '../../log.js';
import type { HandleResult } from './handler.js';
import { KeyedChain } from './keyed-chain.js';
import {
  addPart, decideMo, emptyReassembly, expire, parseMoPart, pduFingerprint, reassemblyKey, decodeShortMessage, GAP_MARKER,
  type AddResult, type MoDecision, type MoFacts, type MoPart, type Reassembled, type ReassemblyState,
} from '../codec/index.js';

/** deliver_sm_resp for a PDU that could not be stored (full disk): temporary, the SMSC delivers it again later. */
export const ESME_RX_T_APPN = 0x64;

/** The PDU as the link gives it (DeliverEvent), as far as the pipeline reads it. */
export type MoPdu = Pick<DeliverEvent,
  'command' | 'sourceAddr' | 'sourceTon' | 'destAddr' | 'esmClass' | 'dataCoding' | 'udh' | 'payload' | 'tlvs' | 'receivedAt' | 'linkId' | 'pduBody' | 'ack'>;

export interface InboundStore {
  readonly sms: SmsStore;
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  readonly isOpen: boolean;
}

/** Storage health (full disk): told of failed and committed writes. */
export interface InboundStorage {
  failure(e: unknown, where: string): boolean;
  success(): void;
  readonly full: boolean;
}

export interface InboundSettings {
  /** What data_coding 0 means (smpp.dc0). */
  dc0: 'gsm7' | 'latin1';
  /** Window for recognising re-delivered MO and repeated parts (sms.mo_dedupe_hours). */
  moDedupeMs: number;
  /** A long MO still incomplete this long after its first part is processed as received (sms.reassembly_timeout_sec). */
  reassemblyTimeoutMs: number;
  /** Destination of a timed-out set whose first part's row is not known (our short code). */
  defaultDest: string;
}

export interface InboundPipelineDeps {
  store: InboundStore;
  storage: InboundStorage;
  /** Runs the command of a stored row if it still waits (claims it: idempotent); the row as claimed. */
  handler: { process(id: number): Promise<{ result: HandleResult; row: InboundRow } | null> };
  settings: InboundSettings;
  log: Logger;
  /** Epoch ms (the reassembly timeout, the ack confirmations). Default Date.now. */
  now?: () => number;
  /**
   * Commands of different citizens run side by side, at most this many (default 1: one chain, the
   * order the messages were stored). One citizen's messages always run in their order.
   */
  processConcurrency?: number;
  /** The link session a part arrived in (stored with it: the link's connect count). */
  linkSession: () => number;
  /** A message went through the command handler. */
  processed?: (r: HandleResult, row: InboundRow) => void;
  /** A re-delivered PDU or a repeated part was stored closed and acknowledged. */
  duplicate?: () => void;
  /**
   * Test hook, called after an inbound part is committed ('persisted', before its deliver_sm_resp) and
   * after the resp ('acked', before processing). Throwing stops the handling of that PDU there, as a
   * crash at that moment would.
   */
  step?: (step: 'persisted' | 'acked', info: { partId: number; inboundId: number | null }) => void;
}

/** How long read acknowledgements gather before they are recorded in one transaction. */
const CONFIRM_BATCH_MS = 20;

/** A promise chain: each fn starts when the one before it settled (in order, one at a time). */
function serial(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>) => {
    const run = tail.then(fn);
    tail = run.catch(() => undefined);
    return run;
  };
}

/** The phone a long message is stored under (and its commands are keyed by). */
function assembledPhone(done: Reassembled): string { return canonicalPhone(citizenText(done.source)); }

interface Expired { set: Reassembled; dest: string; rows: number[] }

export class InboundPipeline {
  private reassembly: ReassemblyState = emptyReassembly();
  /** The rows of the sets open in `reassembly`: set key → destination and seq → part row id. */
  private readonly openSets = new Map<string, { dest: string; rows: Map<number, number> }>();
  /**
   * Parts whose deliver_sm_resp the SMSC was seen to read, recorded in one transaction per
   * CONFIRM_BATCH_MS (not one per MO: at 200 MO/s that was a commit per message for a hint that only
   * narrows re-delivery detection).
   */
  private confirmed: number[] = [];
  private confirmTimer: NodeJS.Timeout | null = null;
  private confirming: Promise<void> = Promise.resolve();
  /** Timed-out long MO whose message could not be written for a full disk: written by a later tick. */
  private readonly expiredRetry: Expired[] = [];
  /** Inbound PDUs (and the reassembly timer, the rebuild): one at a time, in arrival order. */
  private readonly inboundChain = serial();
  /** Inbound messages' commands: per citizen in the order their messages were stored; citizens side by side up to processConcurrency. */
  private readonly processChain: KeyedChain;
  /** Single-part MOs being handled off the chain. */
  private readonly direct = new Set<Promise<void>>();
  /** Single-part MOs' store calls: grouped into one transaction per batch. */
  private readonly singles: GroupCommit<SingleMo, StoredSingleMo>;
  /** Rows on the processing chain (queued or running), by id. */
  private readonly scheduled = new Map<number, Promise<void>>();
  private readonly repo: SmsStore;
  private readonly now: () => number;
  private readonly reassemblyOpts: { dc0: 'gsm7' | 'latin1'; gapMarker: string };

  constructor(private readonly d: InboundPipelineDeps) {
    this.repo = d.store.sms;
    this.now = d.now ?? Date.now;
    this.reassemblyOpts = { dc0: d.settings.dc0, gapMarker: GAP_MARKER };
    this.processChain = new KeyedChain(d.processConcurrency ?? 1);
    this.singles = new GroupCommit<SingleMo, StoredSingleMo>(
      (all) => all.length === 1 ? this.repo.storeSingleMo(all[0]).then((r) => [r]) : this.d.store.transaction(async () => {
        const out: StoredSingleMo[] = [];
        for (const m of all) out.push(await this.repo.storeSingleMo(m));
        return out;
      }),
      (m) => this.repo.storeSingleMo(m),
    );
  }

  /** One MO part: queued on the inbound chain (never rejects). */
  deliver(ev: MoPdu): Promise<void> {
    // A plain single-part MO (no UDH, no SAR) touches no reassembly state: it does not wait on the chain,
    // and its store call joins the group commit of the others read meanwhile (one transaction for them).
    if (!ev.udh && ev.tlvs.sar_total_segments == null && ev.tlvs.sar_msg_ref_num == null) {
      const run = this.onMo(ev, false).finally(() => this.direct.delete(run));
      this.direct.add(run);
      return run;
    }
    return this.inboundChain(() => this.onMo(ev, true));
  }

  /** After a restart: the open parts make the open sets again (on the inbound chain). */
  rebuild(): Promise<void> {
    return this.inboundChain(() => this.rebuildNow());
  }

  /** Once a second: timed-out long MO stored (and any the full disk held back), on the inbound chain. */
  tick(): Promise<void> {
    return this.inboundChain(async () => { await this.retryExpired(); await this.expireReassembly(); });
  }

  /** Everything read so far handled, and its commands run (the chains never reject). */
  async idle(): Promise<void> {
    await this.inboundChain(async () => undefined);
    while (this.direct.size) await Promise.all([...this.direct]);
    await this.singles.idle();
    await this.processChain.idle();
    await this.confirming;
    await this.flushConfirmed();
  }

  /** Run the command for a stored inbound row (on the processing chain, behind that citizen's earlier ones; never rejects). */
  process(id: number, phone: string): Promise<void> {
    // Already queued (the once-a-second drain sees rows still waiting on the chain): the same run, not a second one.
    const queued = this.scheduled.get(id);
    if (queued) return queued;
    const run = this.processChain.run(phone, () => this.processNow(id)).finally(() => this.scheduled.delete(id));
    this.scheduled.set(id, run);
    return run;
  }

  /** Process any inbound rows waiting (after a restart, or a failed command); the number handed to the handler. */
  async drain(): Promise<number> {
    let n = 0;
    for (;;) {
      const rows = await this.repo.pendingInbound(100);
      if (rows.length === 0) break;
      await Promise.all(rows.map((row) => this.process(row.id, row.phone)));
      n += rows.length;
      let moved = false;
      for (const r of rows) if ((await this.repo.inbound(r.id))?.status !== 'received') { moved = true; break; }
      if (!moved) break; // stuck: retry later
    }
    return n;
  }

  private async processNow(id: number): Promise<void> {
    try {
      const done = await this.d.handler.process(id);
      if (done) {
        const { result: r, row } = done;
        this.d.processed?.(r, row);
        this.d.log.info('sms in', { phone: row.phone, command: r.command, outcome: r.outcome });
      }
    } catch (e) {
      if (!this.d.storage.failure(e, 'sms inbound processing')) this.d.log.error('processing an inbound SMS failed; it stays queued for a retry', { id, error: (e as Error).message });
    }
  }

  /** Insert the inbound message a set of parts makes (inside a transaction); its open parts become consumed. */
  private async insertAssembled(done: Reassembled, dest: string, ids: Iterable<number>): Promise<number> {
    const expected = done.parts.length + done.missing.length;
    const id = await this.repo.insertInbound(assembledPhone(done), dest, citizenText(done.text), done.parts.length, done.complete, done.warnings.length ? done.warnings : null, new Date(done.firstAt).toISOString(), expected);
    await this.repo.assignParts(id, [...ids]);
    return id;
  }

  private confirmLater(ids: number[]): void {
    this.confirmed.push(...ids);
    if (this.confirmTimer) return;
    this.confirmTimer = setTimeout(() => { this.confirming = this.flushConfirmed(); }, CONFIRM_BATCH_MS);
    this.confirmTimer.unref();
  }
  private flushConfirmed(): Promise<void> {
    if (this.confirmTimer) clearTimeout(this.confirmTimer);
    this.confirmTimer = null;
    const ids = this.confirmed;
    this.confirmed = [];
    if (!ids.length || !this.d.store.isOpen) return Promise.resolve();
    return this.d.store.transaction(() => this.repo.confirmAcks(ids, new Date(this.now()).toISOString())).catch((e: unknown) => {
      if (!this.d.storage.failure(e, 'sms inbound ack record')) this.d.log.warn('could not record that the SMSC read our deliver_sm_resp', { parts: ids.length, error: (e as Error).message });
    });
  }

  /**
   * One MO part: decide (re-delivery, repeated part or new — codec/mo-dedupe.ts) and persist it in one
   * transaction together with the message it completes; then acknowledge; then process. A PDU that
   * cannot be stored is not acknowledged (the SMSC delivers it again); on a full disk it is refused
   * with a temporary error.
   */
  private async onMo(ev: MoPdu, onChain: boolean): Promise<void> {
    const { log } = this.d;
    const { dc0, moDedupeMs } = this.d.settings;
    try {
      const receivedAt = ev.receivedAt.getTime();
      const raw = ev.udh ? Buffer.concat([ev.udh, ev.payload]) : ev.payload;
      const { part, warnings } = parseMoPart({
        sourceAddr: ev.sourceAddr, esmClass: ev.udh ? ev.esmClass | 0x40 : ev.esmClass & ~0x40, dataCoding: ev.dataCoding, shortMessage: raw,
        sar_msg_ref_num: ev.tlvs.sar_msg_ref_num, sar_total_segments: ev.tlvs.sar_total_segments, sar_segment_seqnum: ev.tlvs.sar_segment_seqnum,
      }, receivedAt, { dc0 });
      if (warnings.length) log.warn('odd inbound PDU', { from: ev.sourceAddr, warnings });
      const fingerprint = pduFingerprint(ev.command, ev.pduBody);
      const nowIso = new Date(receivedAt).toISOString();
      const since = new Date(receivedAt - moDedupeMs).toISOString();
      const c = part.concat;
      // A part of a long message found off the chain (concatenation signalled some other way): onto the chain.
      if (c && !onChain) return void await this.inboundChain(() => this.onMo(ev, true));
      const key = c ? reassemblyKey(part.source, c.ref, c.total) : null;
      const repo = this.repo;
      // Persist first: the part (closed at once when it is a copy), and the message it completes.
      const phone = canonicalPhone(citizenText(ev.sourceAddr), ev.sourceTon);
      const row = {
        source: ev.sourceAddr, dest: ev.destAddr, dataCoding: part.dataCoding, esmClass: ev.esmClass, udh: ev.udh, body: part.body,
        concatRef: c?.ref ?? null, concatTotal: c?.total ?? null, concatSeq: c?.seq ?? null, refBits: c?.refBits ?? null,
        fingerprint, linkSession: this.d.linkSession(), linkId: ev.linkId, receivedAt: nowIso,
      };
      // Persist first. A single-part MO is one atomic store call (on PostgreSQL one statement, one round
      // trip: the inbound chain is the MO path's only serial step); a part of a long one a transaction.
      const stored = !c ? await this.storeSingle(row, phone, ev, part, warnings, since) : await this.d.store.transaction(async (): Promise<{ partId: number; decision: MoDecision; add: AddResult | null; inboundId: number | null }> => {
        const facts: MoFacts = { redeliveryOf: await repo.redeliveryOf(fingerprint, since, ev.linkId) };
        let add: AddResult | null = null;
        if (c && facts.redeliveryOf == null) {
          facts.sameSlotOf = await repo.sameSlotPart({ source: part.source, concatRef: c.ref, concatTotal: c.total, concatSeq: c.seq, dataCoding: part.dataCoding, body: part.body }, since);
          if (facts.sameSlotOf == null) {
            add = addPart(this.reassembly, part, this.reassemblyOpts);
            if (add.duplicate) facts.openSlot = { of: this.openSets.get(key!)?.rows.get(c.seq) ?? null, conflict: add.warnings.length > 0 };
          }
        }
        const decision = decideMo(facts);
        if (decision.kind !== 'new') {
          return { partId: await repo.insertPart({ ...row, state: 'duplicate', dupOf: decision.of, inboundId: null }), decision, add: null, inboundId: null };
        }
        const partId = await repo.insertPart({ ...row, state: 'open', dupOf: null, inboundId: null });
        const inboundId = add!.complete ? await this.insertAssembled(add!.complete, ev.destAddr, [...(this.openSets.get(key!)?.rows.values() ?? []), partId]) : null;
        return { partId, decision, add, inboundId };
      });
      const { partId, decision, add, inboundId } = stored;
      if (decision.kind !== 'new') {
        this.d.step?.('persisted', { partId, inboundId: null });
        // A re-delivery's resp, once read, also settles the original at the SMSC.
        ev.ack(0, () => this.confirmLater(decision.kind === 'redelivery' ? [partId, decision.of] : [partId]));
        this.d.duplicate?.();
        if (decision.kind === 'redelivery') log.info('re-delivered MO ignored (the SMSC had not read our deliver_sm_resp)', { from: ev.sourceAddr, of: decision.of });
        else if (decision.conflict) log.warn('part of a long MO arrived twice with different content; the first is kept', { from: ev.sourceAddr, key, seq: c?.seq });
        else log.info('repeated part of a long MO ignored', { from: ev.sourceAddr, key, seq: c?.seq, of: decision.of });
        return;
      }
      if (c && add) {
        this.reassembly = add.state;
        if (add.complete) this.openSets.delete(key!);
        else {
          const set = this.openSets.get(key!) ?? { dest: ev.destAddr, rows: new Map<number, number>() };
          set.rows.set(c.seq, partId);
          this.openSets.set(key!, set);
        }
      }
      this.d.step?.('persisted', { partId, inboundId });
      ev.ack(0, () => this.confirmLater([partId]));
      this.d.step?.('acked', { partId, inboundId });
      this.d.storage.success();
      if (inboundId !== null) void this.process(inboundId, add?.complete ? assembledPhone(add.complete) : phone);
    } catch (e) {
      if (this.d.storage.failure(e, 'sms inbound')) {
        // Full disk: answered with a temporary error, so the SMSC keeps it and delivers it again later.
        ev.ack(ESME_RX_T_APPN);
        return;
      }
      // Not stored: not acknowledged, and the SMSC will deliver it again.
      log.error('inbound PDU handling stopped', { from: ev.sourceAddr, error: (e as Error).message });
    }
  }

  private async storeSingle(row: SingleMo['part'], phone: string, ev: MoPdu, part: MoPart, warnings: string[], since: string): Promise<{ partId: number; decision: MoDecision; add: null; inboundId: number | null }> {
    const text = decodeShortMessage(part.body, part.dataCoding, { dc0: this.d.settings.dc0 });
    const r = await this.singles.submit({ part: row, since, message: { phone, dest: ev.destAddr, text: citizenText(text.text), warnings: [...warnings, ...text.warnings] } });
    return { partId: r.partId, decision: decideMo({ redeliveryOf: r.redeliveryOf ?? undefined }), add: null, inboundId: r.inboundId };
  }

  /** Timed-out long MO: processed as received (on the inbound chain). */
  private async expireReassembly(): Promise<void> {
    const r = expire(this.reassembly, this.now(), this.d.settings.reassemblyTimeoutMs, this.reassemblyOpts);
    this.reassembly = r.state;
    for (const set of r.expired) {
      const open = this.openSets.get(set.key);
      this.openSets.delete(set.key);
      this.d.log.warn('long SMS incomplete after timeout; processed as received', { from: set.source, missing: set.missing });
      await this.storeExpired({ set, dest: open?.dest ?? this.d.settings.defaultDest, rows: [...(open?.rows.values() ?? [])] });
    }
  }

  private async storeExpired(x: Expired): Promise<boolean> {
    try {
      const id = await this.d.store.transaction(() => this.insertAssembled(x.set, x.dest, x.rows));
      void this.process(id, assembledPhone(x.set));
    } catch (e) {
      if (this.d.storage.failure(e, 'sms inbound reassembly')) { this.expiredRetry.push(x); return false; }
      // Its parts stay open in the store: the next start assembles them again.
      this.d.log.error('an incomplete long SMS could not be stored', { from: x.set.source, error: (e as Error).message });
    }
    return true;
  }

  private async retryExpired(): Promise<void> {
    while (this.expiredRetry.length && !this.d.storage.full) {
      if (!(await this.storeExpired(this.expiredRetry.shift()!))) return;
    }
  }

  /** After a restart: the open parts, as they arrived, make the open sets again (a part that repeats one is closed). */
  private async rebuildNow(): Promise<void> {
    for (const p of await this.repo.openParts()) {
      const part: MoPart = {
        source: p.source, dataCoding: p.dataCoding, body: p.body, receivedAt: Date.parse(p.receivedAt),
        concat: p.concatTotal ? { ref: p.concatRef!, total: p.concatTotal, seq: p.concatSeq!, refBits: (p.refBits ?? 8) as 8 | 16 } : null,
      };
      const key = reassemblyKey(p.source, p.concatRef ?? -1, p.concatTotal ?? 1);
      const r = addPart(this.reassembly, part, this.reassemblyOpts);
      const set = this.openSets.get(key) ?? { dest: p.dest, rows: new Map<number, number>() };
      if (r.duplicate) {
        await this.repo.closePart(p.id, set.rows.get(p.concatSeq ?? 1) ?? null);
        continue;
      }
      this.reassembly = r.state;
      set.rows.set(p.concatSeq ?? 1, p.id);
      if (!r.complete) { this.openSets.set(key, set); continue; }
      this.openSets.delete(key);
      // Stored by an earlier version between a part and its message: finish it now.
      const done = r.complete;
      void this.process(await this.d.store.transaction(() => this.insertAssembled(done, set.dest, set.rows.values())), assembledPhone(done));
    }
  }
}
