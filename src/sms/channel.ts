/**
 * The SMS channel: the SMPP link, the outbox dispatcher, inbound processing (persist → ack →
 * reassemble → command → reply) and the pushes that follow declaration changes and complaint answers.
 * With no SMSC configured it starts the built-in SMSC simulator and binds to it.
 */
import { createHash } from 'node:crypto';
import { citizenText } from '../domain/text-safety.js';
import { resolve } from 'node:path';
import type { AppContext } from '../context.js';
import type { Component } from '../app.js';
import { SmppLink, type DeliverEvent } from './link/index.js';
import { SqliteSmsRepo } from '../store/repos/sms.js';
import { Dispatcher } from './outbox/dispatcher.js';
import { Outbox } from './outbox/outbox.js';
import { SmsCommandHandler } from './inbound/handler.js';
import { loadTemplates, type Templates } from './templates/index.js';
import {
  addPart, emptyReassembly, expire, parseMoPart, parseReceipt, rebuildReassembly, decodeShortMessage,
  type MoPart, type Reassembled, type ReassemblyState,
} from './codec/index.js';
import { pushNotices, pushVars } from '../domain/push-rules.js';
import { formatDateZh } from '../domain/time.js';
import { isMobileNumber } from '../domain/masking.js';
import { SmscSimulator, DEFAULT_SMSC_CREDENTIALS } from '../sim/smsc/index.js';

export interface SmsChannelOptions {
  /** Use this simulator instead of starting one (tests, demo). */
  simulator?: SmscSimulator | null;
  /** Dedupe window for re-delivered MO (same sender, same octets, on a new link session). */
  moDedupeMs?: number;
}

export interface SmsChannel extends Component {
  link: SmppLink;
  outbox: Outbox;
  dispatcher: Dispatcher;
  repo: SqliteSmsRepo;
  templates: Templates;
  handler: SmsCommandHandler;
  /** The simulator the channel runs on (when no SMSC is configured). */
  simulator: SmscSimulator | null;
  /** Process any inbound rows waiting (after a restart) and any complete reassemblies. */
  drainInbound(): number;
}

export function createSmsChannel(ctx: AppContext, opts: SmsChannelOptions = {}): SmsChannel {
  const cfg = ctx.config;
  const log = ctx.log.child('sms');
  const repo = new SqliteSmsRepo(ctx.store.db);
  const templates = loadTemplates(resolve(cfg.sms.templates_dir), { maxSegments: cfg.sms.max_segments });
  const outbox = new Outbox(repo, {
    maxSegments: cfg.sms.max_segments, quietStart: cfg.sms.quiet_start, quietEnd: cfg.sms.quiet_end, timeZone: cfg.time.zone,
    pushValidityHours: cfg.sms.push_validity_hours,
  }, ctx.now);
  const useSim = !cfg.smpp.host;
  let simulator: SmscSimulator | null = opts.simulator ?? null;
  const linkConfig = () => ({
    host: useSim ? '127.0.0.1' : cfg.smpp.host,
    port: useSim ? simulator!.port : cfg.smpp.port,
    systemId: useSim ? DEFAULT_SMSC_CREDENTIALS.systemId : cfg.smpp.system_id,
    password: useSim ? DEFAULT_SMSC_CREDENTIALS.password : cfg.smpp.password,
    systemType: cfg.smpp.system_type, addressRange: cfg.smpp.address_range, bindMode: cfg.smpp.bind_mode as 'transceiver' | 'pair',
    enquireLinkMs: cfg.smpp.enquire_link_sec * 1000, responseTimeoutMs: cfg.smpp.response_timeout_sec * 1000,
    logger: log.child('link'),
  });
  let link: SmppLink = null as unknown as SmppLink;
  let dispatcher: Dispatcher = null as unknown as Dispatcher;
  const handler = new SmsCommandHandler(ctx, repo, templates, outbox, { shortCode: cfg.smpp.source_addr, repliesPerHour: cfg.sms.replies_per_hour });
  const dc0 = cfg.smpp.dc0 as 'gsm7' | 'latin1';
  const moDedupeMs = opts.moDedupeMs ?? 10 * 60_000;
  let reassembly: ReassemblyState = emptyReassembly();
  const partIds = new Map<string, number[]>();
  let expiryTimer: NodeJS.Timeout | null = null;
  const unsubscribers: Array<() => void> = [];

  const mo = ctx.metrics.counter('hotline_sms_mo_total', 'Inbound SMS by outcome');
  const mt = ctx.metrics.counter('hotline_sms_mt_status_total', 'Outbound SMS status changes');

  function emitOutbox(): void {
    ctx.bus.emit('sms.outbox', { queued: repo.queuedCount(), perSecond: Math.round(dispatcher.rate()), inFlight: dispatcher.segmentsInFlight });
  }

  /** Run the command for a stored inbound row. */
  function processInbound(id: number): void {
    const row = repo.inbound(id);
    if (!row) return;
    try {
      const r = handler.process(row);
      if (r) {
        mo.inc({ command: r.command });
        ctx.bus.emit('sms.inbound', { id, phone: row.phone, command: r.command, outcome: r.outcome });
        log.info('sms in', { phone: row.phone, command: r.command, outcome: r.outcome });
      }
    } catch (e) {
      log.error('processing an inbound SMS failed; it stays queued for a retry', { id, error: (e as Error).message });
    }
  }

  function storeAssembled(done: Reassembled, dest: string): number {
    const ids = partIds.get(done.key) ?? [];
    partIds.delete(done.key);
    return ctx.store.transaction(() => {
      const id = repo.insertInbound(citizenText(done.source), dest, citizenText(done.text), done.parts.length, done.complete, done.warnings.length ? done.warnings : null, new Date(done.firstAt).toISOString());
      repo.assignParts(id, ids);
      return id;
    });
  }

  function onDeliver(ev: DeliverEvent): void {
    try {
      if (ev.isReceipt) {
        const text = decodeShortMessage(ev.payload, 1, { dc0 }).text;
        const r = parseReceipt({ shortMessage: text, tlvs: ev.tlvs as never });
        // The receipt joins the dispatcher's next batched commit; the SMSC gets its ack only after that commit.
        if (r) { dispatcher.onReceipt(r, text.slice(0, 300), () => ev.ack(0)); return; }
        log.warn('unreadable delivery receipt acknowledged', { from: ev.sourceAddr });
        ev.ack(0);
        return;
      }
      const receivedAt = ev.receivedAt.getTime();
      const raw = ev.udh ? Buffer.concat([ev.udh, ev.payload]) : ev.payload;
      const { part, warnings } = parseMoPart({
        sourceAddr: ev.sourceAddr, esmClass: ev.udh ? ev.esmClass | 0x40 : ev.esmClass & ~0x40, dataCoding: ev.dataCoding, shortMessage: raw,
        sar_msg_ref_num: ev.tlvs.sar_msg_ref_num, sar_total_segments: ev.tlvs.sar_total_segments, sar_segment_seqnum: ev.tlvs.sar_segment_seqnum,
      }, receivedAt, { dc0 });
      if (warnings.length) log.warn('odd inbound PDU', { from: ev.sourceAddr, warnings });
      const fingerprint = createHash('sha256').update(`${ev.sourceAddr}|${ev.destAddr}|${ev.dataCoding}|${part.concat ? `${part.concat.ref}/${part.concat.total}/${part.concat.seq}` : ''}|`).update(part.body).digest('hex');
      const session = link.stats().connects;
      const nowIso = new Date(receivedAt).toISOString();
      // A deliver_sm the SMSC re-delivers after a reconnect (our ack was lost): same octets, new session.
      const prev = repo.recentPartByFingerprint(fingerprint, new Date(receivedAt - moDedupeMs).toISOString());
      if (prev && prev.linkSession !== session) {
        ev.ack(0);
        mo.inc({ command: 'duplicate' });
        log.info('re-delivered MO ignored', { from: ev.sourceAddr });
        return;
      }
      // Persist first, then acknowledge.
      let inboundId: number | null = null;
      const partId = ctx.store.transaction(() => {
        const pid = repo.insertPart({
          source: ev.sourceAddr, dest: ev.destAddr, dataCoding: part.dataCoding, esmClass: ev.esmClass, udh: ev.udh, body: part.body,
          concatRef: part.concat?.ref ?? null, concatTotal: part.concat?.total ?? null, concatSeq: part.concat?.seq ?? null,
          refBits: part.concat?.refBits ?? null, fingerprint, linkSession: session, inboundId: null, receivedAt: nowIso,
        });
        if (!part.concat) {
          const text = decodeShortMessage(part.body, part.dataCoding, { dc0 });
          inboundId = repo.insertInbound(citizenText(ev.sourceAddr), ev.destAddr, citizenText(text.text), 1, true, [...warnings, ...text.warnings], nowIso);
          repo.assignParts(inboundId, [pid]);
        }
        return pid;
      });
      ev.ack(0);
      if (inboundId !== null) { processInbound(inboundId); return; }
      const r = addPart(reassembly, part, { dc0 });
      reassembly = r.state;
      if (r.duplicate) return;
      const key = `${part.source}|${part.concat!.ref}|${part.concat!.total}`;
      const list = partIds.get(key) ?? [];
      list.push(partId);
      partIds.set(key, list);
      if (r.complete) processInbound(storeAssembled({ ...r.complete, key }, ev.destAddr));
    } catch (e) {
      // Not acknowledged: the SMSC will deliver it again.
      log.error('inbound PDU could not be stored; not acknowledged', { from: ev.sourceAddr, error: (e as Error).message });
    }
  }

  function expireReassembly(): void {
    const r = expire(reassembly, Date.now(), cfg.sms.reassembly_timeout_sec * 1000, { dc0 });
    reassembly = r.state;
    for (const set of r.expired) {
      const dest = cfg.smpp.source_addr;
      log.warn('long SMS incomplete after timeout; processed as received', { from: set.source, missing: set.missing });
      processInbound(storeAssembled({ ...set, key: set.key }, dest));
    }
  }

  function rebuild(): void {
    const rows = repo.openParts();
    const parts: MoPart[] = rows.map((p) => ({
      source: p.source, dataCoding: p.dataCoding, body: p.body, receivedAt: Date.parse(p.receivedAt),
      concat: p.concatTotal ? { ref: p.concatRef!, total: p.concatTotal, seq: p.concatSeq!, refBits: (p.refBits ?? 8) as 8 | 16 } : null,
    }));
    const r = rebuildReassembly(parts, { dc0 });
    reassembly = r.state;
    for (const p of rows) {
      const key = `${p.source}|${p.concatRef}|${p.concatTotal}`;
      const list = partIds.get(key) ?? [];
      list.push(p.id);
      partIds.set(key, list);
    }
    for (const done of r.complete) processInbound(storeAssembled(done, ctx.config.smpp.source_addr));
  }

  function drainInbound(): number {
    let n = 0;
    for (;;) {
      const rows = repo.pendingInbound(100);
      if (rows.length === 0) break;
      for (const row of rows) { processInbound(row.id); n++; }
      if (rows.every((r) => repo.inbound(r.id)?.status === 'received')) break; // stuck: retry later
    }
    return n;
  }

  // Pushes: a declaration changed.
  unsubscribers.push(ctx.bus.on('declaration.changed', (c) => {
    const subs = ctx.store.subscriptions.activeFor(c.declaration.id).map((s) => s.phone);
    const notices = pushNotices(c, subs, (p) => ctx.store.subscriptions.isOptedOut(p), {
      notifyApplicant: cfg.sms.notify_applicant, notifyProgressSteps: cfg.sms.notify_progress_steps,
    });
    if (notices.length === 0) return;
    const vars = pushVars(c.declaration, c.event, (iso) => formatDateZh(iso, cfg.time.zone));
    const texts = new Map<string, string>(); // one rendering per template, not one per subscriber
    const textOf = (t: string) => texts.get(t) ?? texts.set(t, templates.render(t, vars)).get(t)!;
    ctx.store.transaction(() => {
      for (const n of notices) {
        outbox.queue({ phone: n.phone, text: textOf(n.template), reason: 'push', template: n.template, dedupeKey: n.dedupeKey });
      }
    });
  }));

  // A complaint was answered: the answer goes back by SMS (same window in, same window out), then the survey.
  unsubscribers.push(ctx.bus.on('feedback.answered', ({ feedback: f }) => {
    if (!f.phone || !isMobileNumber(f.phone) || !f.answer) return; // landlines get a voice callback (voice channel)
    const stamp = f.answeredAt ?? ctx.now().toISOString();
    ctx.store.transaction(() => {
      outbox.queue({ phone: f.phone!, text: templates.render('push.answer', { ref: f.ref, answer: f.answer, dept: f.departmentName ?? '' }), reason: 'answer', template: 'push.answer', feedbackId: f.id, dedupeKey: `answer:${f.id}:${stamp}` });
      if (f.kind === 'complaint') {
        outbox.queue({ phone: f.phone!, text: templates.render('survey.ask', { ref: f.ref }), reason: 'survey', template: 'survey.ask', feedbackId: f.id, dedupeKey: `survey:${f.id}:${stamp}` });
      }
    });
  }));

  const channel: SmsChannel = {
    name: 'sms',
    get link() { return link; },
    outbox, get dispatcher() { return dispatcher; }, repo, templates, handler,
    get simulator() { return simulator; },
    drainInbound,
    async start() {
      if (useSim && !simulator) {
        simulator = new SmscSimulator({ ...DEFAULT_SMSC_CREDENTIALS, dlrDelayMs: 300 });
        await simulator.start({ host: '127.0.0.1', port: 0 });
        log.info(`no SMSC configured (HOTLINE_SMPP_HOST): running on the built-in SMSC simulator on port ${simulator.port}`);
      }
      link = new SmppLink(linkConfig());
      dispatcher = new Dispatcher(repo, link, {
        sourceAddr: cfg.smpp.source_addr, window: cfg.smpp.window, tps: cfg.smpp.tps, maxSegments: cfg.sms.max_segments,
        maxAttempts: cfg.sms.max_attempts, log, now: ctx.now,
        onStatus: (_id, status) => { mt.inc({ status }); },
      });
      let kickScheduled = false;
      outbox.onQueued = () => {
        if (kickScheduled) return;
        kickScheduled = true;
        setImmediate(() => { kickScheduled = false; dispatcher.kick(); });
      };
      link.on('deliver', onDeliver);
      link.on('state', (state: string) => { ctx.bus.emit('sms.link', { state }); });
      ctx.health.register('smpp', () => ({ ok: link.state === 'bound' || link.state === 'throttled', state: link.state, detail: { ...link.stats(), simulator: useSim, queued: repo.queuedCount() } }));
      ctx.metrics.gauge('hotline_sms_outbox', 'Outbox rows by status', () => Object.entries(repo.countsByStatus()).map(([status, value]) => ({ labels: { status }, value })));
      ctx.metrics.gauge('hotline_smpp_link_up', 'SMPP link bound (1) or not (0)', () => (link.state === 'bound' || link.state === 'throttled' ? 1 : 0));
      ctx.metrics.gauge('hotline_sms_segments_per_second', 'Segments submitted per second (5 s average)', () => dispatcher.rate());
      rebuild();
      drainInbound();
      outbox.expireStale();
      outbox.releaseHeld();
      dispatcher.start();
      link.start();
      expiryTimer = setInterval(() => {
        expireReassembly();
        drainInbound();
        emitOutbox();
      }, 1000);
      expiryTimer.unref();
    },
    async stop() {
      if (expiryTimer) clearInterval(expiryTimer);
      unsubscribers.forEach((u) => u());
      await dispatcher?.stop();
      await link?.stop();
      if (useSim && !opts.simulator && simulator) await simulator.stop();
    },
  };
  return channel;
}
