/**
 * The SMS channel: the SMPP link, the outbox dispatcher, inbound processing (persist → ack →
 * reassemble → command → reply) and the pushes that follow declaration changes and complaint answers.
 * With no SMSC configured it binds to the built-in SMSC simulator the wiring started (src/demo).
 *
 * The store is async (ctx.store.sms). Inbound PDUs are handled one after the other, in arrival order
 * (one promise chain): the in-memory reassembly state is read and written by one PDU at a time, also
 * on PostgreSQL where a store call takes a round trip. Inbound messages are processed (command, reply)
 * one after the other too, on a second chain, so a slow command does not hold up the acks. On SQLite
 * both complete in the turn the PDU was read, as before.
 */
import { citizenText } from '../domain/text-safety.js';
import { resolve } from 'node:path';
import type { AppContext } from '../context.js';
import type { Component } from '../app.js';
import { SmppLink, type DeliverEvent } from './link/index.js';
import type { SmsStore } from '../store/ports.js';
import { Dispatcher } from './outbox/dispatcher.js';
import { Outbox, type QueueRequest } from './outbox/outbox.js';
import { NoticeSender, type NoticePort } from './notices.js';
import { SmsCommandHandler } from './inbound/handler.js';
import { loadTemplates, type Templates } from './templates/index.js';
import {
  addPart, decideMo, emptyReassembly, expire, parseMoPart, parseReceipt, pduFingerprint, reassemblyKey, decodeShortMessage, GAP_MARKER,
  type AddResult, type MoDecision, type MoFacts, type MoPart, type PlannedMessage, type Reassembled, type ReassemblyState,
} from './codec/index.js';
import { SURVEYED_KINDS, type Feedback } from '../domain/types.js';
import { pushNotices, pushVars } from '../domain/push-rules.js';
import { formatDateZh } from '../domain/time.js';
import { isMobileNumber } from '../domain/masking.js';
import { canonicalPhone, ownNumbers, type DestAddrFormat } from '../domain/phone.js';
import type { SimulatedSmsc } from './sim-port.js';

/** deliver_sm_resp for a PDU that could not be stored (full disk): temporary, the SMSC delivers it again later. */
const ESME_RX_T_APPN = 0x64;

/** A promise chain: each fn starts when the one before it settled (in order, one at a time). */
function serial(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>) => {
    const run = tail.then(fn);
    tail = run.catch(() => undefined);
    return run;
  };
}

export interface SmsChannelOptions {
  /** The started SMSC simulator to bind to when no SMSC is configured (demo wiring, tests). */
  simulator?: SimulatedSmsc | null;
  /** Window for recognising re-delivered MO and repeated parts (default sms.mo_dedupe_hours). See codec/mo-dedupe.ts for the rule. */
  moDedupeMs?: number;
  /**
   * Test hook, called after an inbound part is committed ('persisted', before its deliver_sm_resp) and
   * after the resp ('acked', before processing). Throwing stops the handling of that PDU there, as a
   * crash at that moment would.
   */
  inboundStep?: (step: 'persisted' | 'acked', info: { partId: number; inboundId: number | null }) => void;
}

export interface SmsChannel extends Component {
  link: SmppLink;
  outbox: Outbox;
  dispatcher: Dispatcher;
  repo: SmsStore;
  templates: Templates;
  handler: SmsCommandHandler;
  /** The simulator the channel runs on (when no SMSC is configured). */
  simulator: SimulatedSmsc | null;
  /** Process any inbound rows waiting (after a restart) and any complete reassemblies. */
  drainInbound(): Promise<number>;
  /** Exactly the SMS an answer would be sent as (the panel shows it before sending). */
  previewAnswer(f: Pick<Feedback, 'ref' | 'departmentName'>, answer: string): PlannedMessage[];
  /** Exactly the SMS a staff-written text would be sent as. */
  previewText(text: string): PlannedMessage[];
  /** Bulk notices (department API, panel bulk send): one transaction per request. */
  notices: NoticePort;
}

export function createSmsChannel(ctx: AppContext, opts: SmsChannelOptions = {}): SmsChannel {
  const cfg = ctx.config;
  const log = ctx.log.child('sms');
  const repo = ctx.store.sms;
  const templates = loadTemplates(resolve(cfg.sms.templates_dir), { maxSegments: cfg.sms.max_segments });
  const outbox = new Outbox(ctx.store, {
    maxSegments: cfg.sms.max_segments, quietStart: cfg.sms.quiet_start, quietEnd: cfg.sms.quiet_end, timeZone: cfg.time.zone,
    pushValidityHours: cfg.sms.push_validity_hours, concatRefBits: cfg.sms.concat_ref_bits === '16' ? 16 : 8,
    receiptTimeoutHours: cfg.sms.receipt_timeout_hours,
  }, ctx.now);
  repo.onRefWrap = (phone, bits) => log.warn(`concatenation references of one recipient wrap within a day (${bits}-bit); consider sms.concat_ref_bits=16`, { phone });
  const useSim = !cfg.smpp.host;
  const simulator: SimulatedSmsc | null = opts.simulator ?? null;
  const linkConfig = () => ({
    host: useSim ? '127.0.0.1' : cfg.smpp.host,
    port: useSim ? simulator!.port : cfg.smpp.port,
    systemId: useSim ? simulator!.credentials.systemId : cfg.smpp.system_id,
    password: useSim ? simulator!.credentials.password : cfg.smpp.password,
    systemType: cfg.smpp.system_type, addressRange: cfg.smpp.address_range, bindMode: cfg.smpp.bind_mode as 'transceiver' | 'pair',
    enquireLinkMs: cfg.smpp.enquire_link_sec * 1000, responseTimeoutMs: cfg.smpp.response_timeout_sec * 1000,
    sourceTon: cfg.smpp.source_addr_ton, sourceNpi: cfg.smpp.source_addr_npi,
    enquireTimeoutMs: cfg.smpp.enquire_link_timeout_sec * 1000,
    logger: log.child('link'),
  });
  let link: SmppLink = null as unknown as SmppLink;
  let dispatcher: Dispatcher = null as unknown as Dispatcher;
  const handler = new SmsCommandHandler(ctx, repo, templates, outbox, {
    shortCode: cfg.smpp.source_addr, ownNumbers: ownNumbers(cfg.sms.own_numbers, cfg.smpp.source_addr), repliesPerHour: cfg.sms.replies_per_hour,
    minRequestChars: cfg.sms.min_request_chars,
  });
  const dc0 = cfg.smpp.dc0 as 'gsm7' | 'latin1';
  const moDedupeMs = opts.moDedupeMs ?? cfg.sms.mo_dedupe_hours * 3600_000;
  const reassemblyOpts = { dc0, gapMarker: GAP_MARKER };
  let reassembly: ReassemblyState = emptyReassembly();
  /** The rows of the sets open in `reassembly`: set key → destination and seq → part row id. */
  const openSets = new Map<string, { dest: string; rows: Map<number, number> }>();
  /** Parts whose deliver_sm_resp the SMSC was seen to read, recorded in one transaction per event-loop turn. */
  let confirmed: number[] = [];
  let expiryTimer: NodeJS.Timeout | null = null;
  const unsubscribers: Array<() => void> = [];
  /** Inbound PDUs (and the reassembly timer, the rebuild): one at a time, in arrival order. */
  const inboundChain = serial();
  /** Inbound messages' commands: one at a time, in the order their messages were stored. */
  const processChain = serial();
  /** Outbox counts for the health report and the metrics gauge (both synchronous): refreshed by the tick and each scrape. */
  let lastQueued = 0;
  let lastCounts: Record<string, number> = {};

  const mo = ctx.metrics.counter('hotline_sms_mo_total', 'Inbound SMS by outcome');
  const mt = ctx.metrics.counter('hotline_sms_mt_status_total', 'Outbound SMS status changes');

  async function emitOutbox(): Promise<void> {
    lastQueued = await repo.queuedCount();
    ctx.bus.emit('sms.outbox', { queued: lastQueued, perSecond: Math.round(dispatcher.rate()), inFlight: dispatcher.segmentsInFlight });
  }

  /** Run the command for a stored inbound row (on the processing chain; never rejects). */
  function processInbound(id: number): Promise<void> {
    return processChain(() => processNow(id));
  }
  async function processNow(id: number): Promise<void> {
    try {
      const row = await repo.inbound(id);
      if (!row) return;
      const r = await handler.process(row);
      if (r) {
        mo.inc({ command: r.command });
        ctx.bus.emit('sms.inbound', { id, phone: row.phone, command: r.command, outcome: r.outcome });
        log.info('sms in', { phone: row.phone, command: r.command, outcome: r.outcome });
      }
    } catch (e) {
      if (!ctx.storage.failure(e, 'sms inbound processing')) log.error('processing an inbound SMS failed; it stays queued for a retry', { id, error: (e as Error).message });
    }
  }

  /** Insert the inbound message a set of parts makes (inside a transaction); its open parts become consumed. */
  async function insertAssembled(done: Reassembled, dest: string, ids: Iterable<number>): Promise<number> {
    const expected = done.parts.length + done.missing.length;
    const id = await repo.insertInbound(canonicalPhone(citizenText(done.source)), dest, citizenText(done.text), done.parts.length, done.complete, done.warnings.length ? done.warnings : null, new Date(done.firstAt).toISOString(), expected);
    await repo.assignParts(id, [...ids]);
    return id;
  }

  function confirmLater(ids: number[]): void {
    if (!confirmed.length) setImmediate(flushConfirmed);
    confirmed.push(...ids);
  }
  function flushConfirmed(): void {
    const ids = confirmed;
    confirmed = [];
    if (!ids.length || !ctx.store.isOpen) return;
    ctx.store.transaction(() => repo.confirmAcks(ids, new Date().toISOString())).catch((e: unknown) => {
      if (!ctx.storage.failure(e, 'sms inbound ack record')) log.warn('could not record that the SMSC read our deliver_sm_resp', { parts: ids.length, error: (e as Error).message });
    });
  }

  /**
   * One MO part: decide (re-delivery, repeated part or new — codec/mo-dedupe.ts) and persist it in one
   * transaction together with the message it completes; then acknowledge; then process. A PDU that
   * cannot be stored is not acknowledged (the SMSC delivers it again). MO parts are handled one at a
   * time, in arrival order (inboundChain); receipts go straight to the dispatcher's batch.
   */
  function onDeliver(ev: DeliverEvent): void {
    if (ev.isReceipt) {
      try {
        const text = decodeShortMessage(ev.payload, 1, { dc0 }).text;
        const r = parseReceipt({ shortMessage: text, tlvs: ev.tlvs as never });
        // The receipt joins the dispatcher's next batched commit; the SMSC gets its ack only after that commit.
        if (r) { dispatcher.onReceipt(r, text.slice(0, 300), (status = 0) => ev.ack(status)); return; }
        log.warn('unreadable delivery receipt acknowledged', { from: ev.sourceAddr });
        ev.ack(0);
      } catch (e) {
        log.error('delivery receipt handling stopped', { from: ev.sourceAddr, error: (e as Error).message });
      }
      return;
    }
    void inboundChain(() => onMo(ev));
  }

  /** One MO part (on the inbound chain; never rejects). */
  async function onMo(ev: DeliverEvent): Promise<void> {
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
      const key = c ? reassemblyKey(part.source, c.ref, c.total) : null;
      // Persist first: the part (closed at once when it is a copy), and the message it completes.
      const stored = await ctx.store.transaction(async (): Promise<{ partId: number; decision: MoDecision; add: AddResult | null; inboundId: number | null }> => {
        const facts: MoFacts = { redeliveryOf: await repo.redeliveryOf(fingerprint, since, ev.linkId) };
        let add: AddResult | null = null;
        if (c && facts.redeliveryOf == null) {
          facts.sameSlotOf = await repo.sameSlotPart({ source: part.source, concatRef: c.ref, concatTotal: c.total, concatSeq: c.seq, dataCoding: part.dataCoding, body: part.body }, since);
          if (facts.sameSlotOf == null) {
            add = addPart(reassembly, part, reassemblyOpts);
            if (add.duplicate) facts.openSlot = { of: openSets.get(key!)?.rows.get(c.seq) ?? null, conflict: add.warnings.length > 0 };
          }
        }
        const decision = decideMo(facts);
        const row = {
          source: ev.sourceAddr, dest: ev.destAddr, dataCoding: part.dataCoding, esmClass: ev.esmClass, udh: ev.udh, body: part.body,
          concatRef: c?.ref ?? null, concatTotal: c?.total ?? null, concatSeq: c?.seq ?? null, refBits: c?.refBits ?? null,
          fingerprint, linkSession: link.stats().connects, linkId: ev.linkId, receivedAt: nowIso,
        };
        if (decision.kind !== 'new') {
          return { partId: await repo.insertPart({ ...row, state: 'duplicate', dupOf: decision.of, inboundId: null }), decision, add: null, inboundId: null };
        }
        if (!c) {
          const text = decodeShortMessage(part.body, part.dataCoding, { dc0 });
          const inboundId = await repo.insertInbound(canonicalPhone(citizenText(ev.sourceAddr), ev.sourceTon), ev.destAddr, citizenText(text.text), 1, true, [...warnings, ...text.warnings], nowIso);
          return { partId: await repo.insertPart({ ...row, state: 'consumed', dupOf: null, inboundId }), decision, add: null, inboundId };
        }
        const partId = await repo.insertPart({ ...row, state: 'open', dupOf: null, inboundId: null });
        const inboundId = add!.complete ? await insertAssembled(add!.complete, ev.destAddr, [...(openSets.get(key!)?.rows.values() ?? []), partId]) : null;
        return { partId, decision, add, inboundId };
      });
      const { partId, decision, add, inboundId } = stored;
      if (decision.kind !== 'new') {
        opts.inboundStep?.('persisted', { partId, inboundId: null });
        // A re-delivery's resp, once read, also settles the original at the SMSC.
        ev.ack(0, () => confirmLater(decision.kind === 'redelivery' ? [partId, decision.of] : [partId]));
        mo.inc({ command: 'duplicate' });
        if (decision.kind === 'redelivery') log.info('re-delivered MO ignored (the SMSC had not read our deliver_sm_resp)', { from: ev.sourceAddr, of: decision.of });
        else if (decision.conflict) log.warn('part of a long MO arrived twice with different content; the first is kept', { from: ev.sourceAddr, key, seq: c?.seq });
        else log.info('repeated part of a long MO ignored', { from: ev.sourceAddr, key, seq: c?.seq, of: decision.of });
        return;
      }
      if (c && add) {
        reassembly = add.state;
        if (add.complete) openSets.delete(key!);
        else {
          const set = openSets.get(key!) ?? { dest: ev.destAddr, rows: new Map<number, number>() };
          set.rows.set(c.seq, partId);
          openSets.set(key!, set);
        }
      }
      opts.inboundStep?.('persisted', { partId, inboundId });
      ev.ack(0, () => confirmLater([partId]));
      opts.inboundStep?.('acked', { partId, inboundId });
      ctx.storage.success();
      if (inboundId !== null) void processInbound(inboundId);
    } catch (e) {
      if (ctx.storage.failure(e, 'sms inbound')) {
        // Full disk: answered with a temporary error, so the SMSC keeps it and delivers it again later.
        ev.ack(ESME_RX_T_APPN);
        return;
      }
      // Not stored: not acknowledged, and the SMSC will deliver it again.
      log.error('inbound PDU handling stopped', { from: ev.sourceAddr, error: (e as Error).message });
    }
  }

  /** Timed-out long MO: processed as received (on the inbound chain). */
  async function expireReassembly(): Promise<void> {
    const r = expire(reassembly, Date.now(), cfg.sms.reassembly_timeout_sec * 1000, reassemblyOpts);
    reassembly = r.state;
    for (const set of r.expired) {
      const open = openSets.get(set.key);
      openSets.delete(set.key);
      log.warn('long SMS incomplete after timeout; processed as received', { from: set.source, missing: set.missing });
      await storeExpired({ set, dest: open?.dest ?? cfg.smpp.source_addr, rows: [...(open?.rows.values() ?? [])] });
    }
  }

  /** Timed-out long MO whose message could not be written for a full disk: written by a later tick. */
  const expiredRetry: Array<{ set: Reassembled; dest: string; rows: number[] }> = [];
  async function storeExpired(x: { set: Reassembled; dest: string; rows: number[] }): Promise<boolean> {
    try {
      const id = await ctx.store.transaction(() => insertAssembled(x.set, x.dest, x.rows));
      void processInbound(id);
    } catch (e) {
      if (ctx.storage.failure(e, 'sms inbound reassembly')) { expiredRetry.push(x); return false; }
      // Its parts stay open in the store: the next start assembles them again.
      log.error('an incomplete long SMS could not be stored', { from: x.set.source, error: (e as Error).message });
    }
    return true;
  }
  async function retryExpired(): Promise<void> {
    while (expiredRetry.length && !ctx.storage.full) {
      if (!(await storeExpired(expiredRetry.shift()!))) return;
    }
  }

  /** After a restart: the open parts, as they arrived, make the open sets again (a part that repeats one is closed). */
  async function rebuild(): Promise<void> {
    for (const p of await repo.openParts()) {
      const part: MoPart = {
        source: p.source, dataCoding: p.dataCoding, body: p.body, receivedAt: Date.parse(p.receivedAt),
        concat: p.concatTotal ? { ref: p.concatRef!, total: p.concatTotal, seq: p.concatSeq!, refBits: (p.refBits ?? 8) as 8 | 16 } : null,
      };
      const key = reassemblyKey(p.source, p.concatRef ?? -1, p.concatTotal ?? 1);
      const r = addPart(reassembly, part, reassemblyOpts);
      const set = openSets.get(key) ?? { dest: p.dest, rows: new Map<number, number>() };
      if (r.duplicate) {
        await repo.closePart(p.id, set.rows.get(p.concatSeq ?? 1) ?? null);
        continue;
      }
      reassembly = r.state;
      set.rows.set(p.concatSeq ?? 1, p.id);
      if (!r.complete) { openSets.set(key, set); continue; }
      openSets.delete(key);
      // Stored by an earlier version between a part and its message: finish it now.
      const done = r.complete;
      void processInbound(await ctx.store.transaction(() => insertAssembled(done, set.dest, set.rows.values())));
    }
  }

  async function drainInbound(): Promise<number> {
    let n = 0;
    for (;;) {
      const rows = await repo.pendingInbound(100);
      if (rows.length === 0) break;
      for (const row of rows) { await processInbound(row.id); n++; }
      let moved = false;
      for (const r of rows) if ((await repo.inbound(r.id))?.status !== 'received') { moved = true; break; }
      if (!moved) break; // stuck: retry later
    }
    return n;
  }

  // Pushes: a declaration changed. Inside the emitter's transaction: the notices commit with the step.
  unsubscribers.push(ctx.bus.onTx('declaration.changed', async (c) => {
    const subs = (await ctx.store.subscriptions.activeFor(c.declaration.id)).map((s) => s.phone);
    const candidates = pushNotices(c, subs, () => false, {
      notifyApplicant: cfg.sms.notify_applicant, notifyProgressSteps: cfg.sms.notify_progress_steps,
    });
    const notices: typeof candidates = [];
    for (const n of candidates) if (!(await ctx.store.subscriptions.isOptedOut(n.phone))) notices.push(n);
    if (notices.length === 0) return;
    const vars = pushVars(c.declaration, c.event, (iso) => formatDateZh(iso, cfg.time.zone));
    const texts = new Map<string, string>(); // one rendering per template, not one per subscriber
    // A notice too long for max_segments has its variable parts cut (…), never its ending (回复TD退订).
    const textOf = (t: string) => texts.get(t) ?? texts.set(t, templates.renderFit(t, vars)).get(t)!;
    // A newer notice about this declaration makes the older ones held for quiet hours stale.
    const supersedes = `push:${c.declaration.id}:`;
    // Its own savepoint: a failure part way queues none of them (and is reported, or fails the step when storage failed).
    await outbox.queueAll(notices.map((n) => ({ phone: n.phone, text: textOf(n.template), reason: 'push' as const, template: n.template, dedupeKey: n.dedupeKey, supersedes })));
  }));

  // A complaint was answered: the answer goes back by SMS (same window in, same window out), then the survey.
  // The answer is staff's own words: never cut — a long one goes as numbered messages (1/n)…(n/n), in order.
  const answerText = (f: Pick<Feedback, 'ref' | 'departmentName'>, answer: string) => templates.render('push.answer', { ref: f.ref, answer, dept: f.departmentName ?? '' });
  // Inside the emitter's transaction: the answer SMS commits with the answer.
  unsubscribers.push(ctx.bus.onTx('feedback.answered', async ({ feedback: f }) => {
    if (!f.phone || !isMobileNumber(f.phone) || !f.answer) return; // landlines get a voice callback (voice channel)
    const stamp = f.answeredAt ?? ctx.now().toISOString();
    const phone = f.phone;
    const queue: QueueRequest[] = [{ phone, text: answerText(f, f.answer), reason: 'answer', template: 'push.answer', feedbackId: f.id, dedupeKey: `answer:${f.id}:${stamp}` }];
    if (SURVEYED_KINDS.includes(f.kind)) {
      queue.push({ phone, text: templates.render('survey.ask', { ref: f.ref }), reason: 'survey', template: 'survey.ask', feedbackId: f.id, dedupeKey: `survey:${f.id}:${stamp}` });
    }
    await outbox.queueAll(queue);
  }));

  const noticeSender = new NoticeSender({ outbox, subscriptions: ctx.store.subscriptions, transaction: (fn) => ctx.store.transaction(fn) });
  // The department's own words: never cut (a long notice goes as numbered messages (1/n)…(n/n)).
  const notices: NoticePort = {
    text: (v) => templates.render('push.notice', { dept: v.dept, text: v.text, code: v.code ?? '', item: v.item ?? '' }),
    plan: (text) => outbox.plan(text),
    send: (r) => noticeSender.send(r),
  };

  const channel: SmsChannel = {
    notices,
    name: 'sms',
    get link() { return link; },
    outbox, get dispatcher() { return dispatcher; }, repo, templates, handler,
    get simulator() { return simulator; },
    drainInbound,
    previewAnswer: (f, answer) => outbox.plan(answerText(f, answer)),
    previewText: (text) => outbox.plan(text),
    async start() {
      if (useSim && !simulator) throw new Error('sms: no SMSC configured (HOTLINE_SMPP_HOST) and no simulator given');
      if (useSim) log.info(`no SMSC configured (HOTLINE_SMPP_HOST): running on the built-in SMSC simulator on port ${simulator!.port}`);
      link = new SmppLink(linkConfig());
      dispatcher = new Dispatcher(ctx.store, link, {
        sourceAddr: cfg.smpp.source_addr, destAddrFormat: cfg.smpp.dest_addr_format as DestAddrFormat, window: cfg.smpp.window, tps: cfg.smpp.tps, maxSegments: cfg.sms.max_segments,
        maxAttempts: cfg.sms.max_attempts, log, now: ctx.now, storage: ctx.storage,
        onStatus: (_id, status) => { mt.inc({ status }); },
        // Several instances on one database: claims carry this instance; those of an instance whose
        // lease lapsed are taken over. One SQLite instance (the data-directory lock): only its own stand.
        owner: ctx.instance,
        liveOwners: ctx.store.engine === 'sqlite' ? undefined
          : async () => (await ctx.store.instances.live(new Date(ctx.now().getTime() - cfg.cluster.lease_sec * 1000).toISOString())).map((r) => r.id),
        sweepMs: ctx.store.engine === 'sqlite' ? 0 : cfg.cluster.heartbeat_sec * 1000,
      });
      let kickScheduled = false;
      outbox.onQueued = () => {
        if (kickScheduled) return;
        kickScheduled = true;
        setImmediate(() => { kickScheduled = false; dispatcher.kick(); });
      };
      link.on('deliver', onDeliver);
      link.on('state', (state: string) => { ctx.bus.emit('sms.link', { state }); });
      // Synchronous readers: the counts as of the last tick / scrape (at most a second or a scrape old).
      ctx.health.register('smpp', () => ({ ok: link.state === 'bound' || link.state === 'throttled', state: link.state, detail: { ...link.stats(), simulator: useSim, queued: lastQueued } }));
      ctx.metrics.gauge('hotline_sms_outbox', 'Outbox rows by status', () => {
        if (ctx.store.isOpen) repo.countsByStatus().then((c) => { lastCounts = c; }, () => undefined);
        return Object.entries(lastCounts).map(([status, value]) => ({ labels: { status }, value }));
      });
      ctx.metrics.gauge('hotline_smpp_link_up', 'SMPP link bound (1) or not (0)', () => (link.state === 'bound' || link.state === 'throttled' ? 1 : 0));
      ctx.metrics.gauge('hotline_sms_segments_per_second', 'Segments submitted per second (5 s average)', () => dispatcher.rate());
      try {
        await inboundChain(rebuild);
        await drainInbound();
        await outbox.expireStale();
        await outbox.releaseHeld();
        lastQueued = await repo.queuedCount();
        lastCounts = await repo.countsByStatus();
      } catch (e) {
        // Started on a full disk: open parts are assembled at the next start, held pushes by the jobs' sweep.
        if (!ctx.storage.failure(e, 'sms start')) throw e;
      }
      let ticking = false;
      const tick = async () => {
        await inboundChain(async () => { await retryExpired(); await expireReassembly(); });
        if (!ctx.storage.full) await drainInbound(); // rows waiting for a retry wait for space
        await emitOutbox();
      };
      expiryTimer = setInterval(() => {
        if (ticking) return; // the last one still runs (a slow store)
        ticking = true;
        tick().catch((e: unknown) => {
          if (!ctx.storage.failure(e, 'sms inbound tick')) log.error('inbound tick failed', { error: (e as Error).message });
        }).finally(() => { ticking = false; });
      }, 1000);
      expiryTimer.unref();
    },
    async ready() {
      // Only now (start-up complete): recover the outbox, bind, send. Started earlier, the first answers
      // of a new session would wait unread behind the rest of start-up, and a kill -9 then would turn
      // every one of them into a duplicate.
      await dispatcher.start();
      link.start();
    },
    async stop() {
      if (expiryTimer) clearInterval(expiryTimer);
      unsubscribers.forEach((u) => u());
      await dispatcher?.stop();
      await link?.stop();
      // Inbound work already read finishes before the store closes (the chains never reject).
      await inboundChain(async () => undefined);
      await processChain(async () => undefined);
      await dispatcher?.flush(); // submits the link settled as it stopped
    },
  };
  return channel;
}
