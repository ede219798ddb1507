/**
 * The SMS channel (wiring): the SMPP link, the outbox dispatcher, the inbound pipeline (persist → ack →
 * reassemble → command: src/sms/inbound/pipeline.ts) and the pushes that follow declaration changes and
 * complaint answers; link events go to the pipeline (MO) and the dispatcher (receipts); health, metrics
 * and the live panel's events are reported from here.
 * With no SMSC configured it binds to the built-in SMSC simulator the wiring started (src/demo).
 */
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
import { InboundPipeline, type InboundPipelineDeps } from './inbound/pipeline.js';
import { parseReceipt, decodeShortMessage, type PlannedMessage } from './codec/index.js';
import { SURVEYED_KINDS, type Feedback } from '../domain/types.js';
import { pushNotices, pushVars } from '../domain/push-rules.js';
import { formatDateZh } from '../domain/time.js';
import { isMobileNumber } from '../domain/masking.js';
import { ownNumbers, type DestAddrFormat } from '../domain/phone.js';
import type { SimulatedSmsc } from './sim-port.js';

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
  inboundStep?: InboundPipelineDeps['step'];
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
  let expiryTimer: NodeJS.Timeout | null = null;
  const unsubscribers: Array<() => void> = [];
  /** Outbox counts for the health report and the metrics gauge (both synchronous): refreshed by the tick and each scrape. */
  let lastQueued = 0;
  let lastCounts: Record<string, number> = {};

  const mo = ctx.metrics.counter('hotline_sms_mo_total', 'Inbound SMS by outcome');
  const mt = ctx.metrics.counter('hotline_sms_mt_status_total', 'Outbound SMS status changes');

  const inbound = new InboundPipeline({
    store: ctx.store, storage: ctx.storage, handler, log,
    settings: { dc0, moDedupeMs, reassemblyTimeoutMs: cfg.sms.reassembly_timeout_sec * 1000, defaultDest: cfg.smpp.source_addr },
    linkSession: () => link.stats().connects,
    // PostgreSQL: a command is a dozen round trips, so citizens are handled side by side (each in
    // their own order; leaves pool connections for the inbound chain, the outbox and the API).
    // SQLite: transactions run one at a time anyway, in one event-loop turn each.
    processConcurrency: ctx.store.engine === 'postgres' ? Math.max(1, Math.min(8, cfg.data.pool_size - 4)) : 1,
    processed: (r, row) => {
      mo.inc({ command: r.command });
      ctx.bus.emit('sms.inbound', { id: row.id, phone: row.phone, command: r.command, outcome: r.outcome });
    },
    duplicate: () => mo.inc({ command: 'duplicate' }),
    step: opts.inboundStep,
  });

  async function emitOutbox(): Promise<void> {
    lastQueued = await repo.queuedCount();
    ctx.bus.emit('sms.outbox', { queued: lastQueued, perSecond: Math.round(dispatcher.rate()), inFlight: dispatcher.segmentsInFlight });
  }

  /** Receipts go to the dispatcher's batch; MO parts to the inbound pipeline (one at a time, in arrival order). */
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
    void inbound.deliver(ev);
  }

  const drainInbound = () => inbound.drain();

  // Pushes: a declaration changed. Inside the emitter's transaction: the notices commit with the step.
  unsubscribers.push(ctx.bus.onTx('declaration.changed', async (c) => {
    const subs = (await ctx.store.subscriptions.activeFor(c.declaration.id)).map((s) => s.phone);
    const candidates = pushNotices(c, subs, () => false, {
      notifyApplicant: cfg.sms.notify_applicant, notifyProgressSteps: cfg.sms.notify_progress_steps,
    });
    // One query for the opted-out among all of them (10,000 subscribers: not 10,000 look-ups).
    const optedOut = new Set(candidates.length ? await ctx.store.subscriptions.optedOutAmong(candidates.map((n) => n.phone)) : []);
    const notices = candidates.filter((n) => !optedOut.has(n.phone));
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
    if (f.notifyPhone === false) return; // the web form's choice: the answer only on the web page
    const stamp = f.answeredAt ?? ctx.now().toISOString();
    const phone = f.phone;
    const queue: QueueRequest[] = [{ phone, text: answerText(f, f.answer), reason: 'answer', template: 'push.answer', feedbackId: f.id, dedupeKey: `answer:${f.id}:${stamp}` }];
    if (SURVEYED_KINDS.includes(f.kind)) {
      queue.push({ phone, text: templates.render('survey.ask', { ref: f.ref }), reason: 'survey', template: 'survey.ask', feedbackId: f.id, dedupeKey: `survey:${f.id}:${stamp}` });
    }
    await outbox.queueAll(queue);
  }));

  // Work-order notices (src/workorders/service.ts), inside the step's transaction: the citizen's interim
  // answer and closing notice (mobiles only; a landline hears it on the call-back), the department
  // contact's dispatch / 催办 / 重办 / extension notices. The final answer takes the answer path above.
  unsubscribers.push(ctx.bus.onTx('workorder.notice', async ({ order: o, notice: n, phone, at }) => {
    if (!phone || !isMobileNumber(phone)) return;
    const citizen = n.to === 'citizen';
    const text = citizen && n.kind === 'interim' ? answerText(o, `（阶段性答复）${n.text}`) : `【96365】${n.text}`;
    await outbox.queue({
      phone, text, reason: citizen ? 'answer' : 'reminder', template: citizen && n.kind === 'interim' ? 'push.answer' : null,
      feedbackId: o.id, dedupeKey: `wo:${o.id}:${n.to === 'department' ? `dept${n.departmentId}` : n.to}:${n.kind}:${at}`, // two assisting departments: two notices
    });
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
        await inbound.rebuild();
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
        await inbound.tick();
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
      await inbound.idle();
      await dispatcher?.flush(); // submits the link settled as it stopped
    },
  };
  return channel;
}
