/**
 * SmppLink: the one adapter around the npm `smpp` package (0.5.1). Nothing else in the server
 * imports `smpp`.
 *
 * What this adds on top of the package (see shared/reference/smpp-notes.md):
 *  - binds with interface_version 0x34, transceiver or a transmitter + receiver pair;
 *  - a new Session and socket per connection (TCP_NODELAY), reconnect with exponential back-off
 *    and jitter; refused credentials (ESME_RINVPASWD 0x0E / ESME_RINVSYSID 0x0F) are logged once and
 *    retried slowly; a transient refusal (ESME_RBINDFAIL 0x0D, ESME_RSYSERR 0x08, anything else) is
 *    retried quickly with the same back-off;
 *  - every request is tracked by sequence number with its own timer. A submit ends as ok / error /
 *    unknown(link-lost): a submit_sm_resp that comes after `responseTimeoutMs` on a link that is
 *    still alive (a slow SMSC) is waited for and accepted — the segment is never written twice on one
 *    link. An overdue submit makes the link probe itself at once (enquire_link); a submit still
 *    unanswered after `lateResponseMaxMs` on a live link retires the connection (unbind, re-bind).
 *    On close every pending request is settled as link-lost, and a submit on a link that is not
 *    bound answers link-lost at once (nothing is silently dropped);
 *  - enquire_link every `enquireLinkMs` and whenever a submit is overdue, with its own short timeout
 *    (`enquireTimeoutMs`); unanswered while nothing else arrived = dead (silent) link → destroy,
 *    reconnect. A silent link is so noticed within responseTimeoutMs + enquireTimeoutMs of a submit
 *    (15 s by default). The SMSC's enquire_link, unbind and unknown commands are answered;
 *  - incoming deliver_sm / data_sm are handed over with their raw octets (the package's string
 *    decoding is bypassed) and an `ack()` the consumer calls after persisting. Never acked in time →
 *    never acked: the SMSC re-delivers after a reconnect. Each event names its connection (`linkId`,
 *    unique across restarts) and carries the PDU body without its header (`pduBody`: what a
 *    re-delivery repeats; only the sequence number changes). `ack(status, onConfirmed)` calls
 *    `onConfirmed` once the SMSC has demonstrably read the resp: it answered a request we wrote
 *    after it (TCP keeps order). An ack on a link that drops first is never confirmed — the SMSC may
 *    re-deliver that message;
 *  - a PDU the package cannot parse is answered (ESME_RX_P_APPN) if it was a request, then the
 *    connection is replaced, because the package stops reading after a parse error.
 *
 * Window and rate limits are the dispatcher's; `inFlight` and the 'throttled' state help it.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import smpp from 'smpp';
import type { PDU, Session } from 'smpp';
import {
  captureRawPdus, parseMessagePdu, PduFormatError, splitUdh, tlvCString, tlvInt, tlvValue, TLV, CMD,
  type RawTlv,
} from './raw.js';

export type LinkState = 'down' | 'binding' | 'bound' | 'throttled' | 'stopped';
export type BindMode = 'transceiver' | 'pair';

/** Structurally compatible with src/log.ts Logger. */
export interface LinkLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  debug?(msg: string, fields?: Record<string, unknown>): void;
}

export interface SmppLinkConfig {
  host: string;
  port: number;
  systemId: string;
  password: string;
  systemType?: string;
  addressRange?: string;
  addrTon?: number;
  addrNpi?: number;
  /** 'transceiver' (default): one bind_transceiver. 'pair': bind_transmitter + bind_receiver sessions. */
  bindMode?: BindMode;
  /** Interval between our enquire_link PDUs while bound. Default 30000. */
  enquireLinkMs?: number;
  /**
   * Time allowed for a bind, unbind and the TCP connect; for a submit, the time after which it is
   * overdue (the link probes itself; the response is still accepted when it comes). Default 10000.
   */
  responseTimeoutMs?: number;
  /** Time allowed for an enquire_link_resp before the link counts as dead (silent). Default 5000. */
  enquireTimeoutMs?: number;
  /** A submit unanswered this long on a live link retires the connection (unbind, re-bind). Default 12 × responseTimeoutMs. */
  lateResponseMaxMs?: number;
  /** Reconnect back-off: first delay, cap, and jitter ratio (0..1, the delay is reduced by up to this share). Defaults 1000 / 30000 / 0.3. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  reconnectJitter?: number;
  /** Delay between binds after the SMSC refused our credentials. Default 60000. */
  authRetryMs?: number;
  /** How long the link reports 'throttled' after an ESME_RTHROTTLED answer. Default 1000. */
  throttledMs?: number;
  /** How long a deliver_sm waits for the consumer's ack() before it is abandoned (not acked). Default 10000. */
  deliverAckTimeoutMs?: number;
  /** Default TON/NPI for submits. Source 0/0 (short code), destination 1/1. */
  sourceTon?: number;
  sourceNpi?: number;
  destTon?: number;
  destNpi?: number;
  logger?: LinkLogger;
}

export interface SubmitParams {
  destination: string;
  source: string;
  /** data_coding to send (the payload must already be encoded in it). */
  dataCoding: number;
  esmClass?: number;
  /** User data header including its length octet (e.g. 05 00 03 ref n i); UDHI (0x40) is set for you. */
  udh?: Buffer;
  /** Encoded user data (without UDH). */
  payload: Buffer;
  /** Default 1 (final receipt, success or failure). */
  registeredDelivery?: number;
  /** SMPP time string (absolute or relative `…R`), a Date (absolute, UTC) or a number of seconds (relative). */
  validityPeriod?: string | Date | number;
  serviceType?: string;
  protocolId?: number;
  priority?: number;
  sourceTon?: number;
  sourceNpi?: number;
  destTon?: number;
  destNpi?: number;
  /** SAR TLVs instead of / besides UDH concatenation. */
  sar?: { ref: number; total: number; seq: number };
  /** Send the user data (UDH + payload) in message_payload with an empty short_message. */
  usePayloadTlv?: boolean;
}

/**
 * Result of one submit_sm.
 *  - ok: the SMSC accepted it (never resend).
 *  - error: the SMSC answered with a status. `permanent: false` for ESME_RTHROTTLED (0x58), ESME_RMSGQFUL (0x14),
 *    ESME_RSYSERR (0x08), ESME_RINVBNDSTS (0x04), ESME_RX_T_APPN (0x64) and any generic_nack: retry later.
 *    Everything else is permanent (e.g. ESME_RINVDSTADR 0x0B). `local: true` means we refused it
 *    before sending (e.g. user data over 254 octets).
 *  - unknown: no answer. `written: false` means the PDU never left (link not bound): safe to resend,
 *    not a potential duplicate. `written: true` means it may have reached the SMSC (at-least-once).
 */
export type SubmitOutcome =
  | { kind: 'ok'; messageId: string }
  | { kind: 'error'; status: number; statusName: string; permanent: boolean; local?: boolean }
  | { kind: 'unknown'; reason: 'timeout' | 'link-lost'; written: boolean };

/** TLVs of an incoming deliver_sm / data_sm, decoded where the type is known; `raw` holds all of them as sent. */
export interface DeliverTlvs {
  receipted_message_id?: string;
  message_state?: number;
  network_error_code?: Buffer;
  sar_msg_ref_num?: number;
  sar_total_segments?: number;
  sar_segment_seqnum?: number;
  message_payload?: Buffer;
  source_port?: number;
  dest_port?: number;
  user_message_reference?: number;
  raw: RawTlv[];
}

export interface DeliverEvent {
  command: 'deliver_sm' | 'data_sm';
  sourceAddr: string;
  sourceTon: number;
  sourceNpi: number;
  destAddr: string;
  destTon: number;
  destNpi: number;
  esmClass: number;
  dataCoding: number;
  protocolId: number;
  /** esm_class message type is an SMSC delivery receipt (0x04) or intermediate notification (0x20). */
  isReceipt: boolean;
  /** short_message octets with the UDH removed. */
  shortMessage: Buffer;
  /** UDH including its length octet, from short_message (or from message_payload when short_message is empty). */
  udh: Buffer | null;
  /** The user data wherever it came from: shortMessage, or message_payload minus UDH when short_message is empty. */
  payload: Buffer;
  tlvs: DeliverTlvs;
  sequence: number;
  receivedAt: Date;
  /** The connection it arrived on: unique across connections and restarts. */
  linkId: string;
  /** The PDU's octets after the 16-octet header (command_length, id, status and sequence number removed). */
  pduBody: Buffer;
  /**
   * Send deliver_sm_resp / data_sm_resp with that status (default 0). Once; false if it could not be sent (late, or link gone).
   * `onConfirmed` runs when the SMSC has answered a request written after the resp (so it read the resp); never if the link drops first.
   */
  ack(status?: number, onConfirmed?: () => void): boolean;
}

export interface LinkStats {
  state: LinkState;
  inFlight: number;
  connects: number;
  binds: number;
  bindFailures: number;
  lastBindStatus: number | null;
  deadLinks: number;
  parseErrors: number;
  submits: number;
  submitOk: number;
  submitErrors: number;
  submitTimeouts: number;
  /** submit_sm_resp that arrived after responseTimeoutMs (accepted). */
  lateResponses: number;
  submitLinkLost: number;
  throttled: number;
  delivers: number;
  receipts: number;
  acks: number;
  ackTimeouts: number;
  malformedDelivers: number;
  enquireSent: number;
  boundSince: string | null;
}

const S = {
  ESME_RINVCMDLEN: 0x02,
  ESME_RINVCMDID: 0x03,
  ESME_RINVBNDSTS: 0x04,
  ESME_RSYSERR: 0x08,
  ESME_RINVMSGLEN: 0x01,
  ESME_RBINDFAIL: 0x0d,
  ESME_RINVPASWD: 0x0e,
  ESME_RINVSYSID: 0x0f,
  ESME_RMSGQFUL: 0x14,
  ESME_RTHROTTLED: 0x58,
  ESME_RX_T_APPN: 0x64,
  ESME_RX_P_APPN: 0x65,
} as const;

const RETRYABLE = new Set<number>([S.ESME_RTHROTTLED, S.ESME_RMSGQFUL, S.ESME_RSYSERR, S.ESME_RINVBNDSTS, S.ESME_RX_T_APPN]);
/** Bind refusals that mean our credentials are wrong: retried slowly, logged once. Everything else (0x0D, 0x08 …) is transient. */
const AUTH_ERRORS = new Set<number>([S.ESME_RINVPASWD, S.ESME_RINVSYSID]);

const STATUS_NAMES = new Map<number, string>(Object.entries(smpp.errors).map(([k, v]) => [v, k]));

/** 'ESME_RTHROTTLED' for 0x58, '0x00000400' for a code the package does not name. */
export function statusName(status: number): string {
  return STATUS_NAMES.get(status) ?? `0x${status.toString(16).padStart(8, '0')}`;
}

/** Whether a submit_sm_resp error status is worth retrying (see SubmitOutcome). */
export function isRetryableStatus(status: number): boolean {
  return RETRYABLE.has(status);
}

/** Relative SMPP time 'YYMMDDhhmmss000R' for a number of seconds (days capped at 99). */
export function relativeSmppTime(seconds: number): string {
  let s = Math.max(0, Math.floor(seconds));
  const days = Math.min(99, Math.floor(s / 86400)); s -= days * 86400;
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  const p = (n: number) => String(n).padStart(2, '0');
  return `0000${p(days)}${p(h)}${p(m)}${p(s)}000R`;
}

type Role = 'trx' | 'tx' | 'rx';
type ReqResult = { resp: PDU } | { lost: 'timeout' | 'link-lost'; written: boolean };
interface Pending { kind: 'bind' | 'submit' | 'enquire' | 'unbind'; timer: NodeJS.Timeout; resolve(r: ReqResult): void; overdue?: boolean }

/** After an ack with nothing else written on its connection for this long, an enquire_link makes the SMSC answer (and so confirm it). */
const ACK_PROBE_MS = 500;

const noop = () => { /* default logger */ };
const NULL_LOGGER: LinkLogger = { info: noop, warn: noop, error: noop };

export class SmppLink extends EventEmitter {
  readonly config: Required<Omit<SmppLinkConfig, 'logger'>>;
  private readonly log: LinkLogger;
  private conns: Connection[] = [];
  private _state: LinkState = 'down';
  private started = false;
  private stopped = false;
  private throttledUntil = 0;
  private throttleTimer: NodeJS.Timeout | null = null;
  /** The auth status already logged (logged once until a bind succeeds or the code changes). */
  authLogged: number | null = null;
  /** @internal */ readonly counters = {
    connects: 0, binds: 0, bindFailures: 0, lastBindStatus: null as number | null, deadLinks: 0, parseErrors: 0,
    submits: 0, submitOk: 0, submitErrors: 0, submitTimeouts: 0, lateResponses: 0, submitLinkLost: 0, throttled: 0,
    delivers: 0, receipts: 0, acks: 0, ackTimeouts: 0, malformedDelivers: 0, enquireSent: 0,
    boundSince: null as string | null,
  };

  constructor(config: SmppLinkConfig) {
    super();
    const responseTimeoutMs = config.responseTimeoutMs ?? 10_000;
    this.config = {
      systemType: '', addressRange: '', addrTon: 0, addrNpi: 0, bindMode: 'transceiver',
      enquireLinkMs: 30_000, responseTimeoutMs, enquireTimeoutMs: Math.min(5000, responseTimeoutMs), lateResponseMaxMs: 12 * responseTimeoutMs,
      reconnectMinMs: 1000, reconnectMaxMs: 30_000,
      reconnectJitter: 0.3, authRetryMs: 60_000, throttledMs: 1000, deliverAckTimeoutMs: 10_000,
      sourceTon: 0, sourceNpi: 0, destTon: 1, destNpi: 1,
      ...stripUndefined(config),
    } as Required<Omit<SmppLinkConfig, 'logger'>>;
    this.log = config.logger ?? NULL_LOGGER;
  }

  get state(): LinkState { return this._state; }

  /** Submits written and not yet answered (the dispatcher's window). */
  get inFlight(): number {
    let n = 0;
    for (const c of this.conns) n += c.pendingSubmits();
    return n;
  }

  /** True when a submit would be written now (transmitting session bound). */
  get canSubmit(): boolean {
    return this.txConn()?.phase === 'bound';
  }

  /** Connect and bind; reconnects on its own until stop(). Can be called again after stop(). */
  start(): void {
    if (this.started && !this.stopped) return;
    this.started = true;
    this.stopped = false;
    const roles: Role[] = this.config.bindMode === 'pair' ? ['tx', 'rx'] : ['trx'];
    this.conns = roles.map((r) => new Connection(this, r, this.log));
    for (const c of this.conns) c.open();
    this.updateState();
  }

  /** Unbind gracefully (waits for unbind_resp up to responseTimeoutMs), close, and stay down. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.throttleTimer) clearTimeout(this.throttleTimer);
    await Promise.all(this.conns.map((c) => c.shutdown()));
    this.updateState();
  }

  get isStopped(): boolean { return this.stopped; }

  stats(): LinkStats {
    return { ...this.counters, state: this._state, inFlight: this.inFlight };
  }

  async submit(p: SubmitParams): Promise<SubmitOutcome> {
    this.counters.submits++;
    const conn = this.txConn();
    if (!conn || conn.phase !== 'bound' || this.stopped) {
      this.counters.submitLinkLost++;
      return { kind: 'unknown', reason: 'link-lost', written: false };
    }
    const userData = p.udh && p.udh.length ? Buffer.concat([p.udh, p.payload]) : p.payload;
    if (!p.usePayloadTlv && userData.length > 254) {
      this.counters.submitErrors++;
      return { kind: 'error', status: S.ESME_RINVMSGLEN, statusName: 'ESME_RINVMSGLEN', permanent: true, local: true };
    }
    if (userData.length > 65535) {
      this.counters.submitErrors++;
      return { kind: 'error', status: S.ESME_RINVMSGLEN, statusName: 'ESME_RINVMSGLEN', permanent: true, local: true };
    }
    const c = this.config;
    const opts: Record<string, unknown> = {
      service_type: p.serviceType ?? '',
      source_addr_ton: p.sourceTon ?? c.sourceTon,
      source_addr_npi: p.sourceNpi ?? c.sourceNpi,
      source_addr: p.source,
      dest_addr_ton: p.destTon ?? c.destTon,
      dest_addr_npi: p.destNpi ?? c.destNpi,
      destination_addr: p.destination,
      esm_class: (p.esmClass ?? 0) | (p.udh && p.udh.length ? 0x40 : 0),
      protocol_id: p.protocolId ?? 0,
      priority_flag: p.priority ?? 0,
      registered_delivery: p.registeredDelivery ?? 1,
      data_coding: p.dataCoding,
      // A Buffer passes the package's message filter untouched (no re-encoding, no UDHI guessing).
      short_message: p.usePayloadTlv ? Buffer.alloc(0) : userData,
    };
    if (p.usePayloadTlv) opts.message_payload = userData;
    if (p.validityPeriod !== undefined) {
      opts.validity_period = typeof p.validityPeriod === 'number' ? relativeSmppTime(p.validityPeriod) : p.validityPeriod;
    }
    if (p.sar) {
      opts.sar_msg_ref_num = p.sar.ref & 0xffff;
      opts.sar_total_segments = p.sar.total & 0xff;
      opts.sar_segment_seqnum = p.sar.seq & 0xff;
    }
    let pdu: PDU;
    try {
      pdu = new smpp.PDU('submit_sm', opts);
    } catch (err) {
      this.counters.submitErrors++;
      this.log.error('submit_sm could not be built', { err: String(err) });
      return { kind: 'error', status: S.ESME_RSYSERR, statusName: 'ESME_RSYSERR', permanent: true, local: true };
    }
    // Overdue after responseTimeoutMs (the connection probes itself), settled only by a response or
    // by the connection's end: never 'timeout' while the link lives.
    const r = await conn.request(pdu, 'submit', c.responseTimeoutMs);
    if ('lost' in r) {
      if (r.lost === 'timeout') this.counters.submitTimeouts++; else this.counters.submitLinkLost++;
      return { kind: 'unknown', reason: r.lost, written: r.written };
    }
    const resp = r.resp;
    if (resp.command === 'generic_nack') {
      this.counters.submitErrors++;
      return { kind: 'error', status: resp.command_status, statusName: `generic_nack:${statusName(resp.command_status)}`, permanent: false };
    }
    if (resp.command_status === 0) {
      this.counters.submitOk++;
      return { kind: 'ok', messageId: String(resp.message_id ?? '') };
    }
    this.counters.submitErrors++;
    if (resp.command_status === S.ESME_RTHROTTLED) this.markThrottled();
    return {
      kind: 'error', status: resp.command_status, statusName: statusName(resp.command_status),
      permanent: !RETRYABLE.has(resp.command_status),
    };
  }

  // ---- internals used by Connection ----

  /** @internal */
  txConn(): Connection | undefined {
    return this.conns.find((c) => c.role !== 'rx');
  }

  /** @internal */
  markThrottled(): void {
    this.counters.throttled++;
    this.throttledUntil = Date.now() + this.config.throttledMs;
    if (this.throttleTimer) clearTimeout(this.throttleTimer);
    this.throttleTimer = setTimeout(() => { this.throttleTimer = null; this.updateState(); }, this.config.throttledMs + 1);
    this.throttleTimer.unref?.();
    this.updateState();
  }

  /** @internal */
  updateState(): void {
    let next: LinkState;
    if (this.stopped) next = 'stopped';
    else if (this.conns.length && this.conns.every((c) => c.phase === 'bound')) {
      next = Date.now() < this.throttledUntil ? 'throttled' : 'bound';
    } else if (this.conns.some((c) => c.phase === 'connecting' || c.phase === 'binding' || c.phase === 'bound')) next = 'binding';
    else next = 'down';
    if (next !== this._state) {
      const prev = this._state;
      this._state = next;
      this.emit('state', next, prev);
    }
  }

  /** @internal */
  emitDeliver(ev: DeliverEvent): boolean {
    return this.emit('deliver', ev);
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined && k !== 'logger') (out as Record<string, unknown>)[k] = v;
  return out;
}

/** One TCP connection slot (transceiver, transmitter or receiver); opens a new socket + Session each time. */
class Connection {
  phase: 'idle' | 'connecting' | 'binding' | 'bound' | 'closing' = 'idle';
  private socket: net.Socket | null = null;
  private session: Session | null = null;
  private pending = new Map<number, Pending>();
  private unacked = new Set<{ done: boolean; timer: NodeJS.Timeout }>();
  /** Acks written on this socket and not yet known read by the SMSC, each with our last request sequence number before it. */
  private ackWatch: Array<{ afterSeq: number; cb: () => void }> = [];
  /** Unique id of the current socket (DeliverEvent.linkId). */
  private linkId = '';
  private probeTimer: NodeJS.Timeout | null = null;
  private connectTimer: NodeJS.Timeout | null = null;
  private enquireTimer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private attempts = 0;
  private authRefused = false;
  private closeWaiters: Array<() => void> = [];
  /** An enquire_link probe is in flight on the current socket. */
  private probing = false;
  /** When the last PDU arrived on the current socket (performance.now()). */
  private lastRxAt = 0;
  /** Overdue / late answers already logged on this socket (a slow SMSC logs once per connection, then at debug). */
  private slowLogged = false;

  constructor(private readonly link: SmppLink, readonly role: Role, private readonly log: LinkLogger) {}

  pendingSubmits(): number {
    let n = 0;
    for (const p of this.pending.values()) if (p.kind === 'submit') n++;
    return n;
  }

  open(): void {
    if (this.link.isStopped) return;
    const c = this.link.config;
    this.phase = 'connecting';
    this.authRefused = false;
    this.probing = false;
    this.lastRxAt = 0;
    this.slowLogged = false;
    this.link.updateState();
    const socket = net.connect({ host: c.host, port: c.port });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    coalesceWrites(socket);
    // Registered before the Session's own listener, so a socket error is known as such when the
    // Session re-emits it (a parse error has no socket error behind it).
    let socketError: Error | null = null;
    socket.on('error', (err) => { socketError = err; });
    const raw = captureRawPdus(socket);
    const session = new smpp.Session({ socket });
    this.socket = socket;
    this.session = session;
    this.linkId = randomUUID();

    this.connectTimer = setTimeout(() => {
      this.log.warn('SMPP TCP connect timed out', { host: c.host, port: c.port, role: this.role });
      socket.destroy();
    }, c.responseTimeoutMs);

    socket.once('connect', () => {
      if (this.socket !== socket) return;
      this.clearConnectTimer();
      this.link.counters.connects++;
      this.bind();
    });
    session.on('pdu', (pdu: PDU) => {
      if (this.socket !== socket) return;
      this.lastRxAt = performance.now();
      this.onPdu(pdu, raw.take());
    });
    session.on('error', (err: Error) => {
      if (this.socket !== socket) return;
      if (err === socketError) {
        this.log.warn('SMPP socket error', { role: this.role, err: err.message, code: (err as NodeJS.ErrnoException).code });
        socket.destroy();
        return;
      }
      // The package could not parse a PDU and will not read this socket again.
      this.onParseError(err, raw.peek());
    });
    session.on('close', () => {
      if (this.socket !== socket) return;
      this.onClose();
    });
  }

  /** Send a request and track it by sequence number with a timer. */
  request(pdu: PDU, kind: Pending['kind'], timeoutMs: number): Promise<ReqResult> {
    return new Promise((resolve) => {
      const session = this.session;
      const socket = this.socket;
      if (!session || !socket || socket.destroyed || !socket.writable) {
        resolve({ lost: 'link-lost', written: false });
        return;
      }
      let ok: boolean;
      try {
        this.corkTick();
        ok = session.send(pdu);
      } catch (err) {
        // toBuffer() throws for impossible values (e.g. over-long octet strings).
        this.log.error('SMPP PDU could not be encoded', { command: pdu.command, err: String(err) });
        resolve({ lost: 'link-lost', written: false });
        return;
      }
      if (!ok) { resolve({ lost: 'link-lost', written: false }); return; }
      const seq = pdu.sequence_number;
      const timer = setTimeout(() => {
        const p = this.pending.get(seq);
        if (p?.timer !== timer) return;
        if (kind === 'submit') { this.onSubmitOverdue(seq, p); return; }
        this.pending.delete(seq);
        resolve({ lost: 'timeout', written: true });
      }, timeoutMs);
      this.pending.set(seq, { kind, timer, resolve });
    });
  }

  /**
   * A submit got no answer within responseTimeoutMs. On a live link the answer may still come (a slow
   * SMSC): keep waiting — resending on this link would put a second copy in flight — and check the
   * link at once. Only when the link dies is the submit settled (link-lost, resent by the dispatcher).
   * Unanswered for lateResponseMaxMs on a link that answers enquire_link: the SMSC lost it; retire
   * the connection (unbind, re-bind) so the segment can be resent, counted.
   */
  private onSubmitOverdue(seq: number, p: Pending): void {
    const c = this.link.config;
    if (!p.overdue) {
      p.overdue = true;
      this.link.counters.submitTimeouts++;
      const fields = { role: this.role, sequence: seq, afterMs: c.responseTimeoutMs };
      if (!this.slowLogged) this.log.warn('submit_sm_resp overdue; waiting for it on the live link (not resent) and probing the link; further ones on this connection at debug', fields);
      else this.log.debug?.('submit_sm_resp overdue', fields);
      this.probe();
      const rest = Math.max(0, c.lateResponseMaxMs - c.responseTimeoutMs);
      p.timer = setTimeout(() => { if (this.pending.get(seq) === p) this.onSubmitOverdue(seq, p); }, rest);
      return;
    }
    this.log.error('SMSC never answered a submit_sm on a live link; re-binding (the segment will be resent, counted)', { role: this.role, sequence: seq, afterMs: c.lateResponseMaxMs });
    this.retire();
  }

  /** enquire_link now (one at a time) with its own short timeout; no answer and nothing else received meanwhile = dead link. */
  private probe(): void {
    if (this.phase !== 'bound' || this.probing) return;
    const c = this.link.config;
    const socket = this.socket;
    const sentAt = performance.now();
    this.probing = true;
    this.link.counters.enquireSent++;
    void this.request(new smpp.PDU('enquire_link'), 'enquire', c.enquireTimeoutMs).then((r) => {
      if (this.socket !== socket) return;
      this.probing = false;
      if (!('lost' in r) || r.lost !== 'timeout') return;
      if (this.lastRxAt > sentAt) {
        // Responses keep coming (an SMSC that answers in order, behind slow submits): alive.
        this.log.warn('enquire_link_resp late, but the SMSC is sending: link kept', { role: this.role, timeoutMs: c.enquireTimeoutMs });
        return;
      }
      this.link.counters.deadLinks++;
      this.log.warn('SMPP link dead: no enquire_link_resp in time; reconnecting', { role: this.role, timeoutMs: c.enquireTimeoutMs });
      socket?.destroy();
    });
  }

  /** Stop submitting on this connection, unbind gracefully (answers still in flight are accepted meanwhile), close. */
  private retire(): void {
    if (this.phase !== 'bound') return;
    const socket = this.socket;
    this.phase = 'closing';
    this.link.updateState();
    const c = this.link.config;
    void this.request(new smpp.PDU('unbind'), 'unbind', Math.min(c.responseTimeoutMs, 2000)).then(() => {
      if (this.socket === socket) this.closeSocket();
    });
  }

  private bind(): void {
    const c = this.link.config;
    this.phase = 'binding';
    this.link.updateState();
    const command = this.role === 'trx' ? 'bind_transceiver' : this.role === 'tx' ? 'bind_transmitter' : 'bind_receiver';
    const pdu = new smpp.PDU(command, {
      system_id: c.systemId, password: c.password, system_type: c.systemType,
      interface_version: 0x34, addr_ton: c.addrTon, addr_npi: c.addrNpi, address_range: c.addressRange,
    });
    const socket = this.socket;
    void this.request(pdu, 'bind', c.responseTimeoutMs).then((r) => {
      if (this.socket !== socket || this.phase !== 'binding') return;
      if ('lost' in r) {
        if (r.lost === 'timeout') {
          this.log.warn('SMPP bind got no answer in time; reconnecting', { role: this.role, timeoutMs: c.responseTimeoutMs });
          socket?.destroy();
        }
        return;
      }
      const status = r.resp.command_status;
      this.link.counters.lastBindStatus = status;
      if (status === 0) {
        this.onBound();
        return;
      }
      this.link.counters.bindFailures++;
      if (AUTH_ERRORS.has(status)) {
        this.authRefused = true;
        if (this.link.authLogged !== status) {
          this.link.authLogged = status;
          this.log.error(
            `SMSC 拒绝登录 (bind refused: ${statusName(status)}). Check smpp systemId/password/systemType; retrying every ${Math.round(c.authRetryMs / 1000)} s`,
            { role: this.role, status, systemId: c.systemId },
          );
        }
      } else {
        // Transient (ESME_RBINDFAIL, ESME_RSYSERR, …): the SMSC is busy or restarting; retried with the
        // reconnect back-off. Logged on attempts 1, 2, 4, 8 … (the back-off caps at reconnectMaxMs).
        const attempt = this.attempts + 1;
        if ((attempt & (attempt - 1)) === 0) this.log.warn('SMPP bind refused (transient); retrying with back-off', { role: this.role, status: statusName(status), attempt });
      }
      this.closeSocket();
    });
  }

  private onBound(): void {
    const c = this.link.config;
    this.phase = 'bound';
    this.attempts = 0;
    this.link.counters.binds++;
    this.link.counters.boundSince = new Date().toISOString();
    if (this.link.authLogged !== null) {
      this.log.info('SMSC accepted the bind again', { role: this.role });
      this.link.authLogged = null;
    }
    this.log.info('SMPP bound', { role: this.role, host: c.host, port: c.port });
    const socket = this.socket;
    this.enquireTimer = setInterval(() => {
      if (this.phase !== 'bound' || this.socket !== socket) return;
      this.probe();
    }, c.enquireLinkMs);
    this.link.updateState();
  }

  private onPdu(pdu: PDU, raw: Buffer | null): void {
    if (pdu.isResponse()) {
      if (this.ackWatch.length) this.confirmAcks(pdu.sequence_number);
      const p = this.pending.get(pdu.sequence_number);
      if (p) {
        clearTimeout(p.timer);
        this.pending.delete(pdu.sequence_number);
        if (p.overdue) {
          this.link.counters.lateResponses++;
          const fields = { role: this.role, sequence: pdu.sequence_number, status: statusName(pdu.command_status) };
          if (!this.slowLogged) this.log.info('late submit_sm_resp accepted (slow SMSC)', fields);
          else this.log.debug?.('late submit_sm_resp accepted', fields);
          this.slowLogged = true;
        }
        p.resolve({ resp: pdu });
      } else if (pdu.command === 'generic_nack') {
        this.log.warn('SMSC sent generic_nack for no pending request', { status: statusName(pdu.command_status), sequence: pdu.sequence_number });
      } else {
        this.log.warn('SMPP response for no pending request (late or unknown)', { command: pdu.command, sequence: pdu.sequence_number });
      }
      return;
    }
    switch (pdu.command) {
      case 'enquire_link':
        this.reply(pdu.response());
        return;
      case 'unbind':
        this.log.info('SMSC asked to unbind; closing and reconnecting', { role: this.role });
        this.reply(pdu.response());
        this.phase = 'closing';
        this.link.updateState();
        this.closeSocket();
        return;
      case 'deliver_sm':
      case 'data_sm':
        this.onDeliver(pdu, raw);
        return;
      case 'alert_notification':
      case 'outbind':
        return; // no response defined
      default:
        // unknown command id, or a request an ESME does not serve
        this.log.warn('SMSC sent an unsupported command; answered generic_nack', { command: pdu.command, commandId: pdu.command_id });
        this.reply(new smpp.PDU('generic_nack', { sequence_number: pdu.sequence_number, command_status: S.ESME_RINVCMDID }));
    }
  }

  /** A response to our request `seq` arrived: every ack written before that request has been read. */
  private confirmAcks(seq: number): void {
    const last = this.session?.sequence ?? 0;
    if (seq > last) return; // not a number we used on this socket
    let n = 0;
    while (n < this.ackWatch.length && this.ackWatch[n].afterSeq < seq) n++;
    if (!n) return;
    const done = this.ackWatch.splice(0, n);
    for (const w of done) {
      try { w.cb(); } catch (err) { this.log.error('ack confirmation listener threw', { err: String(err) }); }
    }
  }

  /**
   * Acks wait for confirmation: if no request is written after them soon (e.g. the replies go out on
   * the transmitter of a pair, or there is no reply), one enquire_link is, so the SMSC's answer confirms them.
   */
  private probeSoon(): void {
    if (this.probeTimer) return;
    const socket = this.socket;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = null;
      const session = this.session;
      if (this.socket !== socket || this.phase !== 'bound' || !session || !this.ackWatch.length) return;
      if (session.sequence > this.ackWatch[this.ackWatch.length - 1].afterSeq) return; // a later request's answer will do
      this.link.counters.enquireSent++;
      void this.request(new smpp.PDU('enquire_link'), 'enquire', this.link.config.responseTimeoutMs);
    }, ACK_PROBE_MS);
    this.probeTimer.unref?.();
  }

  private reply(pdu: PDU): boolean {
    const s = this.session;
    if (!s || !this.socket || this.socket.destroyed) return false;
    try { this.corkTick(); return s.send(pdu); } catch { return false; }
  }

  /**
   * Batch the PDUs written in one event-loop turn into one write (TCP_NODELAY sends each write as
   * its own segment). The uncork happens before any I/O wait, so latency is unchanged.
   */
  private corked = false;
  private corkTick(): void {
    const socket = this.socket;
    if (this.corked || !socket) return;
    this.corked = true;
    socket.cork();
    process.nextTick(() => { this.corked = false; socket.uncork(); });
  }

  private onDeliver(pdu: PDU, raw: Buffer | null): void {
    const link = this.link;
    const command = pdu.command as 'deliver_sm' | 'data_sm';
    const respond = (status: number) => this.reply(pdu.response(status ? { command_status: status } : {}));
    if (!raw || raw.length !== pdu.command_length) {
      // Cannot happen with the package's read pattern; never guess the octets.
      this.log.error('SMPP raw octets unavailable for deliver; not acked (SMSC will re-deliver)', { sequence: pdu.sequence_number });
      return;
    }
    let m;
    try {
      m = parseMessagePdu(raw);
    } catch (err) {
      if (!(err instanceof PduFormatError)) throw err;
      link.counters.malformedDelivers++;
      this.log.warn('Malformed deliver_sm/data_sm answered ESME_RINVCMDLEN', { err: err.message, sequence: pdu.sequence_number });
      respond(S.ESME_RINVCMDLEN);
      return;
    }
    const sm = splitUdh(m.shortMessage, m.esmClass);
    const messagePayload = tlvValue(m.tlvs, TLV.message_payload);
    let udh = sm.udh;
    let payload = sm.body;
    if (m.shortMessage.length === 0 && messagePayload) {
      const mp = splitUdh(messagePayload, m.esmClass);
      udh = mp.udh;
      payload = mp.body;
    }
    const tlvs: DeliverTlvs = { raw: m.tlvs };
    const set = <K extends keyof DeliverTlvs>(k: K, v: DeliverTlvs[K] | undefined) => { if (v !== undefined) tlvs[k] = v; };
    set('receipted_message_id', tlvCString(m.tlvs, TLV.receipted_message_id));
    set('message_state', tlvInt(m.tlvs, TLV.message_state));
    set('network_error_code', tlvValue(m.tlvs, TLV.network_error_code));
    set('sar_msg_ref_num', tlvInt(m.tlvs, TLV.sar_msg_ref_num));
    set('sar_total_segments', tlvInt(m.tlvs, TLV.sar_total_segments));
    set('sar_segment_seqnum', tlvInt(m.tlvs, TLV.sar_segment_seqnum));
    set('message_payload', messagePayload);
    set('source_port', tlvInt(m.tlvs, TLV.source_port));
    set('dest_port', tlvInt(m.tlvs, TLV.dest_port));
    set('user_message_reference', tlvInt(m.tlvs, TLV.user_message_reference));
    const msgType = m.esmClass & 0x3c;
    const isReceipt = msgType === 0x04 || msgType === 0x20;
    link.counters.delivers++;
    if (isReceipt) link.counters.receipts++;

    const socket = this.socket;
    const entry = { done: false, timer: undefined as unknown as NodeJS.Timeout };
    entry.timer = setTimeout(() => {
      if (entry.done) return;
      entry.done = true;
      this.unacked.delete(entry);
      link.counters.ackTimeouts++;
      this.log.warn('deliver not acknowledged by the consumer in time; left unacked for SMSC re-delivery', {
        sequence: m.sequence, timeoutMs: link.config.deliverAckTimeoutMs,
      });
    }, link.config.deliverAckTimeoutMs);
    this.unacked.add(entry);
    const ev: DeliverEvent = {
      command, sourceAddr: m.sourceAddr, sourceTon: m.sourceTon, sourceNpi: m.sourceNpi,
      destAddr: m.destAddr, destTon: m.destTon, destNpi: m.destNpi,
      esmClass: m.esmClass, dataCoding: m.dataCoding, protocolId: m.protocolId, isReceipt,
      shortMessage: Buffer.from(sm.body), udh: udh ? Buffer.from(udh) : null, payload: Buffer.from(payload),
      tlvs, sequence: m.sequence, receivedAt: new Date(), linkId: this.linkId, pduBody: Buffer.from(raw.subarray(16)),
      ack: (status = 0, onConfirmed?: () => void) => {
        if (entry.done) return false;
        entry.done = true;
        clearTimeout(entry.timer);
        this.unacked.delete(entry);
        if (this.socket !== socket || this.phase === 'closing') return false;
        const ok = respond(status);
        if (ok) {
          link.counters.acks++;
          if (onConfirmed && this.session) {
            this.ackWatch.push({ afterSeq: this.session.sequence, cb: onConfirmed });
            this.probeSoon();
          }
        }
        return ok;
      },
    };
    let listened: boolean;
    try {
      listened = link.emitDeliver(ev);
    } catch (err) {
      // A throwing consumer must not take the link down; the PDU stays unacked.
      this.log.error('deliver listener threw; not acked', { err: String(err) });
      return;
    }
    if (!listened) this.log.warn('deliver received but nobody listens; not acked', { sequence: m.sequence });
  }

  private onParseError(err: Error, raw: Buffer): void {
    this.link.counters.parseErrors++;
    // If the whole PDU was read and it was a request, answer it so the SMSC does not re-send the
    // same poison PDU after we reconnect. (The package stops reading after a parse error.)
    let answer: Buffer | null = null;
    if (raw.length >= 16 && raw.readUInt32BE(0) === raw.length) {
      const id = raw.readUInt32BE(4);
      const seq = raw.readUInt32BE(12);
      if (!(id & 0x80000000)) {
        const respId = (id | 0x80000000) >>> 0;
        answer = Buffer.alloc(16);
        answer.writeUInt32BE(16, 0);
        answer.writeUInt32BE(smpp.commandsById[id] && smpp.commandsById[respId] ? respId : CMD.generic_nack, 4);
        answer.writeUInt32BE(id === CMD.deliver_sm || id === CMD.data_sm ? S.ESME_RX_P_APPN : S.ESME_RINVCMDLEN, 8);
        answer.writeUInt32BE(seq, 12);
      }
    }
    this.log.warn('SMPP PDU could not be parsed; replacing the connection', {
      role: this.role, err: err.message, answered: !!answer, head: raw.subarray(0, 16).toString('hex'),
    });
    this.phase = 'closing';
    this.link.updateState();
    // The package no longer reads this socket, so the peer's FIN would never surface: flush our
    // answer (if any) and destroy instead of waiting for a graceful close.
    const socket = this.socket;
    if (!socket || socket.destroyed) return;
    if (answer && socket.writable) {
      const t = setTimeout(() => socket.destroy(), 500);
      t.unref?.();
      socket.write(answer, () => { clearTimeout(t); socket.destroy(); });
    } else {
      socket.destroy();
    }
  }

  /** Half-close after flushing what we wrote; destroy if the peer does not close soon. */
  private closeSocket(): void {
    const socket = this.socket;
    if (!socket || socket.destroyed) return;
    socket.end();
    const t = setTimeout(() => socket.destroy(), 500);
    t.unref?.();
    socket.once('close', () => clearTimeout(t));
  }

  private clearConnectTimer(): void {
    if (this.connectTimer) { clearTimeout(this.connectTimer); this.connectTimer = null; }
  }

  private onClose(): void {
    this.clearConnectTimer();
    if (this.enquireTimer) { clearInterval(this.enquireTimer); this.enquireTimer = null; }
    const wasBound = this.phase === 'bound' || this.phase === 'closing';
    this.phase = 'idle';
    this.socket = null;
    this.session = null;
    // Settle everything that was waiting for an answer on this connection.
    let submits = 0;
    const pend = [...this.pending.values()];
    this.pending.clear();
    for (const p of pend) {
      clearTimeout(p.timer);
      if (p.kind === 'submit') submits++;
      p.resolve({ lost: 'link-lost', written: true });
    }
    for (const u of this.unacked) { u.done = true; clearTimeout(u.timer); }
    this.unacked.clear();
    this.ackWatch = []; // written but never known read: the SMSC may re-deliver those
    if (this.probeTimer) { clearTimeout(this.probeTimer); this.probeTimer = null; }

    if (submits) this.log.warn('SMPP link lost with submits in flight; settled as link-lost', { role: this.role, submits });
    if (wasBound && !this.link.isStopped) this.log.warn('SMPP connection closed', { role: this.role });
    this.link.updateState();
    const waiters = this.closeWaiters.splice(0);
    for (const w of waiters) w();
    if (!this.link.isStopped) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer) return;
    const c = this.link.config;
    let delay: number;
    if (this.authRefused) {
      delay = c.authRetryMs;
    } else {
      const base = Math.min(c.reconnectMaxMs, c.reconnectMinMs * 2 ** Math.min(this.attempts, 30));
      delay = Math.max(0, Math.round(base * (1 - c.reconnectJitter * Math.random())));
      this.attempts++;
    }
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.open();
    }, delay);
  }

  /** Graceful stop: unbind if bound, then close; settle everything. */
  async shutdown(): Promise<void> {
    if (this.reconnectTimer) { clearTimeout(this.reconnectTimer); this.reconnectTimer = null; }
    const socket = this.socket;
    if (!socket) return;
    const closed = new Promise<void>((res) => this.closeWaiters.push(res));
    if (this.phase === 'bound') {
      this.phase = 'closing';
      const c = this.link.config;
      await this.request(new smpp.PDU('unbind'), 'unbind', Math.min(c.responseTimeoutMs, 2000));
    }
    this.clearConnectTimer();
    if (!socket.destroyed) {
      socket.end();
      const t = setTimeout(() => socket.destroy(), 300);
      t.unref?.();
    }
    await closed;
  }
}

/**
 * PDUs written in one event-loop turn (a window of submit_sm, the deliver_sm_resp of a burst of
 * receipts) leave in one writev at the end of the turn instead of one write syscall each: the same
 * latency (TCP_NODELAY, flushed before the loop waits for I/O), far fewer syscalls and TCP segments.
 */
export function coalesceWrites(socket: net.Socket): void {
  const write = socket.write.bind(socket) as (...a: unknown[]) => boolean;
  let corked = false;
  const flush = () => { corked = false; if (!socket.destroyed) socket.uncork(); };
  socket.write = ((...args: unknown[]) => {
    if (!corked) { corked = true; socket.cork(); process.nextTick(flush); }
    return write(...args);
  }) as typeof socket.write;
}
