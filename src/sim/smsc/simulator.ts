/**
 * SMSC simulator: an SMPP 3.4 server on a real TCP port, built on the `smpp` package's server side.
 * Used by the tests, the benchmarks and the demo (when no SMSC is configured).
 *
 * Behaves like an operator SMSC: checks credentials (ESME_RINVSYSID / ESME_RINVPASWD /
 * ESME_RBINDFAIL), answers submit_sm with counter-based message ids (hex or decimal), delivers to a
 * simulated handset and sends receipts (deliver_sm, esm_class 0x04, text + receipted_message_id +
 * message_state TLVs) after a delay, keeps unacknowledged deliver_sm and re-delivers them after a
 * reconnect (a new deliver_sm: same octets, new sequence number), and retries a deliver_sm answered with
 * a temporary error. Addresses are read as an operator's SMSC reads them (address.ts): a destination
 * must fit its TON (a national 13… with TON 1 is refused with ESME_RINVDSTADR), handsets are known by
 * their MSISDN (86…) whatever form reached them, and MO arrive from 86… with TON 1 / NPI 1. Fault
 * modes: throttle every Nth submit or above a TPS, reject destinations, stay silent for chosen
 * submits, answer submits late on a live link (a slow SMSC), drop connections, go half-dead (silent
 * link), refuse binds with transient errors (ESME_RBINDFAIL, ESME_RSYSERR), send malformed PDUs, lose
 * the ESME's deliver_sm_resp at a link drop (`loseDeliverResps`).
 * A slow real SMSC (profiles.ts `slow`): submit_sm_resp and receipt delays drawn from seeded
 * distributions (delay.ts), a per-bind cap answered ESME_RTHROTTLED, and a limit on binds per
 * system_id (ESME_RBINDFAIL beyond it, or the status chosen).
 * Every PDU both ways is recorded (`pdus`), submits are decoded (`submits`), `waitFor` polls a predicate.
 * Independently of our code, the simulator counts per handset which segments it answered positively
 * (`answeredTwice()`): a segment answered positively twice is a duplicate after a positive response.
 */
import { EventEmitter } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import smpp from 'smpp';
import type { PDU, Server, Session } from 'smpp';
import { captureRawPdus, parseMessagePdu, splitUdh, tlvInt, tlvValue, TLV, type RawTlv } from '../../sms/link/raw.js';
import {
  concatUdh, decodeText, dlrDate, dlrText, encodeAuto, gsmEncode, MESSAGE_STATE, parseConcatUdh, splitUnits, ucs2Encode,
  type DlrStat,
} from './text.js';
import { handsetKey, moSource, resolveDestination } from './address.js';
import { delaySampler, type DelaySpec } from './delay.js';

export type SimBindMode = 'transceiver' | 'transmitter' | 'receiver';
export type { DlrStat } from './text.js';

export const DEFAULT_SMSC_CREDENTIALS = { systemId: 'hotline', password: 'secret' } as const;

export interface DlrDecision { stat: DlrStat; err?: number }

export interface SmscSimulatorOptions {
  systemId?: string;
  password?: string;
  /** Bind modes accepted (others get ESME_RBINDFAIL). Default all three. */
  bindModes?: SimBindMode[];
  /** Refuse every bind with ESME_RBINDFAIL (account locked). */
  refuseBinds?: boolean;
  /**
   * Transient bind refusals: return a command_status (e.g. 0x0D ESME_RBINDFAIL, 0x08 ESME_RSYSERR) to
   * refuse the `attempt`-th bind PDU (counting from 1, all sessions), or 0 to handle it normally.
   */
  bindStatus?: (attempt: number, mode: SimBindMode) => number;
  /** Refuse binds whose interface_version is above 0x34 (the package's default 0x50), as strict 3.4 SMSCs do. Default true. */
  strictInterfaceVersion?: boolean;
  /** system_id in bind responses. */
  smscSystemId?: string;
  /** Message id form in submit_sm_resp. Default 'hex'. */
  messageIdStyle?: 'hex' | 'decimal';
  /** First counter value for message ids. Default 100000. */
  messageIdStart?: number;
  /** Id form in the receipt text's `id:` field: as in the resp ('same'), or the counter in decimal / hex. Default 'same'. */
  receiptIdForm?: 'same' | 'decimal' | 'hex';
  /** Left-pad the receipt text id with zeros to this width (e.g. 10). Default 0. */
  receiptIdPad?: number;
  /** Delay between accepting a submit and delivering it to the handset (and sending its receipt). Default 20. */
  dlrDelayMs?: number;
  /** Share of accepted submits delivered (deterministic spread), the rest UNDELIV err 001. Default 1. */
  deliveredRatio?: number;
  /** Per-message outcome; overrides deliveredRatio. */
  dlrOutcome?: (s: SubmitRecord) => DlrStat | DlrDecision;
  /** Answer every Nth submit_sm (counting all submits) with ESME_RTHROTTLED. */
  throttleEveryN?: number;
  /** Accept at most this many submits per second (token bucket, burst = rate); above → ESME_RTHROTTLED. */
  maxTps?: number;
  /** Destinations refused with ESME_RINVDSTADR (permanent). */
  rejectDestinations?: RegExp | ((destination: string) => boolean);
  /** Submits that get no response at all (and are not delivered). `index` counts all submits from 1. */
  silentSubmits?: (s: SubmitRecord, index: number) => boolean;
  /**
   * A slow SMSC: accept the submit at once (it is delivered) but send its submit_sm_resp only after
   * this many ms (a number, or per submit; 0 = at once). The link stays alive meanwhile (enquire_link
   * is answered at once). A response whose session closed before it was due is never sent.
   */
  submitResponseDelayMs?: number | ((s: SubmitRecord, index: number) => number);
  /**
   * A slow SMSC, drawn from a distribution (seeded: `seed`): the delay of each submit_sm_resp
   * (overrides submitResponseDelayMs). See delay.ts (fixed / uniform / lognormal median + p99).
   */
  submitResponseDelay?: DelaySpec;
  /** Delay from the submit_sm_resp to the handset outcome and its receipt, drawn per submit (overrides dlrDelayMs). */
  receiptDelay?: DelaySpec;
  /** Seed of the delay draws (the response and receipt delays use their own streams). Default 1. */
  seed?: number;
  /** Accept at most this many submits per second on each bind (token bucket, burst = rate); above → ESME_RTHROTTLED. */
  maxTpsPerBind?: number;
  /** At most this many sessions bound at once per system_id; a bind beyond → `maxBindsStatus`. */
  maxBinds?: number;
  /** Status for a bind beyond maxBinds. Default ESME_RBINDFAIL (0x0D); some SMSCs answer ESME_RALYBND (0x05). */
  maxBindsStatus?: number;
  /** Count positive answers per handset segment (`answeredTwice()`). Default: on when `record` is on. */
  trackAnswers?: boolean;
  /** Send our own enquire_link every N ms on each bound session. */
  enquireLinkMs?: number;
  /** Keep unacknowledged deliver_sm and re-deliver them after a reconnect. Default true. */
  redeliverUnacked?: boolean;
  /**
   * A deliver_sm answered with a temporary error (ESME_RX_T_APPN 0x64, ESME_RSYSERR 0x08, ESME_RMSGQFUL
   * 0x14, ESME_RTHROTTLED 0x58) is kept and delivered again after this many ms, as an operator SMSC's
   * retry schedule does (other errors are final). Default 1000.
   */
  deliverRetryMs?: number;
  /** short_message longer than this → ESME_RINVMSGLEN. Default 140. */
  maxShortMessage?: number;
  /** SMSC local time offset for receipt dates. Default 480 (UTC+8). */
  tzOffsetMinutes?: number;
  /** Record PDUs, submits and the handset view. Default true; turn off for benchmarks. */
  record?: boolean;
}

export interface PduRecord {
  dir: 'in' | 'out';
  at: number;
  session: number;
  command: string;
  commandId: number;
  status: number;
  sequence: number;
  pdu: PDU | null;
}

export interface SubmitRecord {
  index: number;
  at: number;
  session: number;
  sequence: number;
  source: string;
  sourceTon: number;
  sourceNpi: number;
  destination: string;
  destTon: number;
  destNpi: number;
  /** The handset the destination reaches (86…), or null when the address was refused. */
  msisdn: string | null;
  esmClass: number;
  dataCoding: number;
  registeredDelivery: number;
  udh: Buffer | null;
  /** User data without UDH (short_message or message_payload). */
  payload: Buffer;
  /** Decoded text of this segment. */
  text: string;
  concat: { ref: number; total: number; seq: number } | null;
  tlvs: RawTlv[];
  /** command_status answered; null when the simulator stayed silent. */
  status: number | null;
  messageId: string | null;
  /** Set when the handset outcome is decided. */
  dlr?: { stat: DlrStat; err: number; at: number };
}

export interface BindRecord {
  at: number;
  session: number;
  mode: SimBindMode;
  systemId: string;
  systemType: string;
  interfaceVersion: number;
  status: number;
}

export interface MoParams {
  /** The sender in any form: a handset (13800138000, 86…, +86…) goes out as 86… TON 1 / NPI 1, an alphanumeric id as TON 5, others as given (TON 0). */
  from: string;
  to: string;
  /** Send `from` exactly as given with these TON / NPI (default 0 / 1) instead of the SMSC's usual form. */
  rawFrom?: { ton?: number; npi?: number };
  /** Text: encoded GSM 7-bit if it fits, else UCS2 (unless dataCoding says otherwise). */
  text?: string;
  /** Raw user data (without UDH); needs dataCoding (default 0). */
  bytes?: Buffer;
  dataCoding?: number;
  /** UDH including its length octet; sets UDHI. */
  udh?: Buffer;
  /** SAR TLVs. */
  sar?: { ref: number; total: number; seq: number };
  /** Carry the user data in message_payload with an empty short_message. */
  payload?: boolean;
  esmClass?: number;
  /** Reject the returned promise if the ESME has not acked within this time. Default 5000. */
  timeoutMs?: number;
}

export interface LongMoParams {
  from: string;
  to: string;
  text: string;
  /** Order to send the parts in, 1-based (e.g. [3, 1, 2]). Default natural order. */
  order?: number[];
  ref?: number;
  /** 'udh8' (IEI 0x00, default), 'udh16' (IEI 0x08) or 'sar' (TLVs, no UDH). */
  via?: 'udh8' | 'udh16' | 'sar';
  /** UCS2 units per part. Default 67 (with UDH) / 70 (SAR). */
  unitsPerPart?: number;
  timeoutMs?: number;
}

export type MalformedKind = 'oversize' | 'short-length' | 'bad-tlv' | 'truncated-body' | 'unknown-command';

export class SmscAckError extends Error {
  constructor(message: string, readonly status?: number) { super(message); }
}

interface SimSession {
  id: number;
  session: Session;
  socket: Socket;
  mode: SimBindMode | null;
  /** system_id of the bind that succeeded. */
  systemId: string | null;
  /** Per-bind token bucket (maxTpsPerBind). */
  bucket: { tokens: number; at: number };
  inflight: Map<number, Delivery>;
  enquireTimer: NodeJS.Timeout | null;
  closed: boolean;
  corked: boolean;
}

interface Delivery {
  id: number;
  kind: 'mo' | 'dlr';
  opts: Record<string, unknown>;
  attempts: number;
  state: 'queued' | 'inflight' | 'done' | 'failed';
  settle?: (err?: Error) => void;
}

const E = smpp.errors;
/** deliver_sm_resp statuses after which an SMSC tries the delivery again later. */
const TEMPORARY_DELIVER_ERRORS = new Set([0x64, 0x08, 0x14, 0x58]);

export class SmscSimulator extends EventEmitter {
  readonly options: SmscSimulatorOptions & Required<Pick<SmscSimulatorOptions,
    'systemId' | 'password' | 'bindModes' | 'messageIdStyle' | 'messageIdStart' | 'receiptIdForm' | 'receiptIdPad' |
    'dlrDelayMs' | 'deliveredRatio' | 'redeliverUnacked' | 'deliverRetryMs' | 'maxShortMessage' | 'tzOffsetMinutes' | 'record' |
    'strictInterfaceVersion' | 'smscSystemId'>>;
  readonly pdus: PduRecord[] = [];
  readonly submits: SubmitRecord[] = [];
  readonly binds: BindRecord[] = [];
  /** Counters that stay on with record: false. */
  readonly counts = {
    submits: 0, accepted: 0, throttled: 0, rejected: 0, silent: 0, delivered: 0, receipts: 0, mo: 0, moAcked: 0, redelivered: 0, deliverRetries: 0, connections: 0,
    /** submit_sm_resp sent late (submitResponseDelayMs) / never sent because the session had closed. */
    lateAnswers: 0, answersLost: 0,
    /** Positive submit_sm_resp written for a segment that had already been answered positively. */
    duplicatesAfterPositive: 0,
    /** Binds refused because maxBinds sessions of that system_id were bound. */
    bindsOverLimit: 0,
  };

  private server: Server | null = null;
  private sessions = new Map<number, SimSession>();
  private nextSessionId = 1;
  private nextMessageId: number;
  private nextDeliveryId = 1;
  private queue: Delivery[] = [];
  private timers = new Set<NodeJS.Timeout>();
  private halfDead = false;
  private ratioAcc = 0;
  private bucket = { tokens: 0, at: 0 };
  private handsets = new Map<string, { messages: string[]; partial: Map<string, Map<number, string>> }>();
  private nextRef = 1;
  private respLoss = { count: 0, refuseBinds: false };
  /** Sequence numbers continue across sessions (a re-delivered deliver_sm never reuses its old number). */
  private seqHigh = 0;
  private bindAttempts = 0;
  /** handset segment key → message ids of the positive answers written, in order (see answeredTwice). */
  private answered = new Map<string, string[]>();
  private respDelay: (() => number) | null;
  private receiptDelay: (() => number) | null;

  constructor(options: SmscSimulatorOptions = {}) {
    super();
    this.options = {
      systemId: DEFAULT_SMSC_CREDENTIALS.systemId, password: DEFAULT_SMSC_CREDENTIALS.password,
      bindModes: ['transceiver', 'transmitter', 'receiver'], messageIdStyle: 'hex', messageIdStart: 100000,
      receiptIdForm: 'same', receiptIdPad: 0, dlrDelayMs: 20, deliveredRatio: 1, redeliverUnacked: true, deliverRetryMs: 1000,
      maxShortMessage: 140, tzOffsetMinutes: 480, record: true, strictInterfaceVersion: true, smscSystemId: 'SMSCSIM',
      ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
    };
    this.nextMessageId = this.options.messageIdStart;
    const seed = this.options.seed ?? 1;
    this.respDelay = this.options.submitResponseDelay !== undefined ? delaySampler(this.options.submitResponseDelay, seed) : null;
    this.receiptDelay = this.options.receiptDelay !== undefined ? delaySampler(this.options.receiptDelay, seed ^ 0x5bd1e995) : null;
  }

  /** Listen (default 127.0.0.1, ephemeral port). */
  start(opts: { port?: number; host?: string } = {}): Promise<{ port: number; host: string }> {
    const host = opts.host ?? '127.0.0.1';
    return new Promise((resolve, reject) => {
      const server = smpp.createServer({}, (session) => this.onSession(session));
      this.server = server;
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', reject);
        server.on('error', () => { /* accept errors (EMFILE…) must not crash the test process */ });
        resolve({ port: (server.address() as AddressInfo).port, host });
      });
    });
  }

  /** The system_id and password it accepts (what an ESME binds with). */
  get credentials(): { systemId: string; password: string } { return { systemId: this.options.systemId, password: this.options.password }; }

  get port(): number {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : 0;
  }

  /** Close the listener and every connection; pending injections reject. */
  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.sessions.values()) { this.stopEnquire(s); s.socket.destroy(); }
    for (const d of this.queue) d.settle?.(new SmscAckError('simulator stopped'));
    this.queue = [];
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((res) => server.close(() => res()));
  }

  // ---------------------------------------------------------------- fault controls

  /** Destroy every connection at once (TCP reset from the ESME's point of view). Returns how many. */
  dropConnections(): number {
    let n = 0;
    for (const s of this.sessions.values()) { s.socket.destroy(); n++; }
    return n;
  }

  /** Half-dead: keep sockets open but answer nothing and send nothing (binds included). */
  setHalfDead(on: boolean): void {
    this.halfDead = on;
    if (!on) this.flush();
  }

  get isHalfDead(): boolean { return this.halfDead; }

  /**
   * The next `count` deliver_sm_resp the ESME sends for an MO are lost at a link drop: the
   * connection breaks before the SMSC reads the resp (it was written by the ESME, so the ESME has
   * persisted and acknowledged). The SMSC still holds the message and re-delivers it after the next
   * bind, as a new deliver_sm with the same octets and a new sequence number. With
   * `refuseBinds`, binds are refused (ESME_RBINDFAIL) after the drop until `setRefuseBinds(false)`,
   * so a test can restart the ESME before the re-delivery. Emits 'deliver-resp-lost' (session id).
   */
  loseDeliverResps(count = 1, opts: { refuseBinds?: boolean } = {}): void {
    this.respLoss = { count, refuseBinds: !!opts.refuseBinds };
  }

  /** Refuse (or accept again) every bind with ESME_RBINDFAIL, e.g. an SMSC in maintenance. */
  setRefuseBinds(on: boolean): void {
    this.options.refuseBinds = on;
  }

  /** Send unbind from the SMSC side to every bound session. */
  unbindSessions(): number {
    let n = 0;
    for (const s of this.sessions.values()) if (s.mode) { this.send(s, new smpp.PDU('unbind')); n++; }
    return n;
  }

  /**
   * Write a malformed PDU to a bound receiving session (default the first). Returns its sequence number.
   *  - oversize: command_length 16 MiB (the package refuses > 16384 and stops reading)
   *  - short-length: command_length 8 (below the 16-octet header)
   *  - bad-tlv: a deliver_sm whose last TLV claims 1 octet that is not there (the package throws)
   *  - truncated-body: a deliver_sm that ends after source_addr (the package parses it, a strict parser must not)
   *  - unknown-command: command_id 0x00000666 (answer: generic_nack ESME_RINVCMDID)
   */
  sendMalformed(kind: MalformedKind = 'oversize', sessionId?: number): number | null {
    const s = sessionId !== undefined ? this.sessions.get(sessionId) : this.receivers()[0];
    if (!s || s.closed) return null;
    const seq = ++s.session.sequence;
    let buf: Buffer;
    const header = (len: number, id: number) => {
      const b = Buffer.alloc(16);
      b.writeUInt32BE(len, 0); b.writeUInt32BE(id, 4); b.writeUInt32BE(0, 8); b.writeUInt32BE(seq, 12);
      return b;
    };
    switch (kind) {
      case 'oversize': buf = header(16 * 1024 * 1024, 0x00000005); break;
      case 'short-length': buf = Buffer.concat([header(8, 0x00000005).subarray(0, 8)]); break;
      case 'unknown-command': buf = header(16, 0x00000666); break;
      case 'truncated-body': {
        const body = Buffer.from('\0\x01\x01861380013800\0', 'latin1');
        buf = Buffer.concat([header(16 + body.length, 0x00000005), body]);
        break;
      }
      case 'bad-tlv': {
        const ok = new smpp.PDU('deliver_sm', {
          sequence_number: seq, source_addr: '8613800138000', destination_addr: '96365', data_coding: 0,
          short_message: Buffer.from('CX', 'latin1'),
        }).toBuffer();
        const tlvHead = Buffer.from([0x04, 0x27, 0x00, 0x01]); // message_state, length 1, value missing
        buf = Buffer.concat([ok, tlvHead]);
        buf.writeUInt32BE(buf.length, 0);
        break;
      }
    }
    s.socket.write(buf);
    this.record({ dir: 'out', at: Date.now(), session: s.id, command: `malformed:${kind}`, commandId: buf.length >= 8 ? buf.readUInt32BE(4) : 0, status: 0, sequence: seq, pdu: null });
    return seq;
  }

  // ---------------------------------------------------------------- MO injection

  /**
   * Deliver an MO to the ESME; resolves when it answered deliver_sm_resp with status 0 (after any
   * retries a temporary error asked for), rejects on a final error status or after `timeoutMs`.
   */
  injectMo(p: MoParams): Promise<void> {
    let dataCoding = p.dataCoding ?? 0;
    let bytes: Buffer;
    if (p.bytes) {
      bytes = p.bytes;
    } else {
      const text = p.text ?? '';
      if (p.dataCoding === undefined) ({ dataCoding, bytes } = encodeAuto(text));
      else if (p.dataCoding === 8) bytes = ucs2Encode(text);
      else if (p.dataCoding === 0) bytes = gsmEncode(text) ?? Buffer.from(text, 'latin1');
      else bytes = Buffer.from(text, 'latin1');
    }
    let esmClass = p.esmClass ?? 0;
    let userData = bytes;
    if (p.udh) { userData = Buffer.concat([p.udh, bytes]); esmClass |= 0x40; }
    const src = p.rawFrom ? { addr: p.from, ton: p.rawFrom.ton ?? 0, npi: p.rawFrom.npi ?? 1 } : moSource(p.from);
    const opts: Record<string, unknown> = {
      source_addr_ton: src.ton, source_addr_npi: src.npi, source_addr: src.addr,
      dest_addr_ton: 0, dest_addr_npi: 0, destination_addr: p.to,
      esm_class: esmClass, data_coding: dataCoding,
      short_message: p.payload ? Buffer.alloc(0) : userData,
    };
    if (p.payload) opts.message_payload = userData;
    if (p.sar) {
      opts.sar_msg_ref_num = p.sar.ref; opts.sar_total_segments = p.sar.total; opts.sar_segment_seqnum = p.sar.seq;
    }
    this.counts.mo++;
    return this.enqueue('mo', opts, p.timeoutMs ?? 5000);
  }

  /** Split a text into UCS2 parts (never inside a surrogate pair) and inject them in the chosen order. */
  injectLongMo(p: LongMoParams): Promise<void> {
    const via = p.via ?? 'udh8';
    const parts = splitUnits(p.text, p.unitsPerPart ?? (via === 'sar' ? 70 : 67));
    const total = parts.length;
    const ref = p.ref ?? (this.nextRef++ & (via === 'udh16' ? 0xffff : 0xff));
    const order = p.order ?? parts.map((_, i) => i + 1);
    return Promise.all(order.map((seq) => {
      const text = parts[seq - 1];
      if (text === undefined) return Promise.reject(new Error(`part ${seq} of ${total} does not exist`));
      return via === 'sar'
        ? this.injectMo({ from: p.from, to: p.to, bytes: ucs2Encode(text), dataCoding: 8, sar: { ref, total, seq }, timeoutMs: p.timeoutMs })
        : this.injectMo({ from: p.from, to: p.to, bytes: ucs2Encode(text), dataCoding: 8, udh: concatUdh(ref, total, seq, via === 'udh16'), timeoutMs: p.timeoutMs });
    })).then(() => undefined);
  }

  /** deliver_sm not yet acknowledged (queued or in flight). */
  get pendingDeliveries(): number {
    let n = this.queue.length;
    for (const s of this.sessions.values()) n += s.inflight.size;
    return n;
  }

  // ---------------------------------------------------------------- views for assertions

  /** Complete messages the handset `phone` (any form: 138…, 86138…, +86 138…) received, concatenated parts reassembled, in arrival order (duplicates kept). */
  received(phone: string): string[] {
    return [...(this.handsets.get(handsetKey(phone))?.messages ?? [])];
  }

  /** Sessions currently bound. */
  boundSessions(): Array<{ id: number; mode: SimBindMode }> {
    return [...this.sessions.values()].filter((s) => s.mode && !s.closed).map((s) => ({ id: s.id, mode: s.mode as SimBindMode }));
  }

  /** Resolve with the predicate's first truthy value; checked on every recorded PDU and every 20 ms. */
  waitFor<T>(predicate: () => T | undefined | null | false, timeoutMs = 3000, what = 'condition'): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        let v: T | undefined | null | false;
        try { v = predicate(); } catch (err) { done(); reject(err); return true; }
        if (v) { done(); resolve(v); return true; }
        return false;
      };
      const onRec = () => { check(); };
      const iv = setInterval(check, 20);
      const to = setTimeout(() => { done(); reject(new Error(`SMSC simulator: timed out after ${timeoutMs} ms waiting for ${what}`)); }, timeoutMs);
      const done = () => { clearInterval(iv); clearTimeout(to); this.off('record', onRec); };
      if (check()) return;
      this.on('record', onRec);
    });
  }

  // ---------------------------------------------------------------- sessions

  private onSession(session: Session): void {
    const s: SimSession = {
      id: this.nextSessionId++, session, socket: session.socket, mode: null, systemId: null, bucket: { tokens: 0, at: 0 }, inflight: new Map(), enquireTimer: null, closed: false, corked: false,
    };
    this.counts.connections++;
    this.sessions.set(s.id, s);
    session.sequence = this.seqHigh;
    s.socket.setNoDelay(true);
    const raw = captureRawPdus(s.socket);
    session.on('pdu', (pdu: PDU) => this.onPdu(s, pdu, raw.take()));
    session.on('error', () => { s.socket.destroy(); });
    session.on('close', () => this.onClose(s));
  }

  private onClose(s: SimSession): void {
    this.seqHigh = Math.max(this.seqHigh, s.session.sequence);
    s.closed = true;
    s.mode = null;
    this.stopEnquire(s);
    this.sessions.delete(s.id);
    // Unacknowledged deliveries go back to the front of the queue (or fail).
    const back = [...s.inflight.values()];
    s.inflight.clear();
    for (const d of back) {
      if (this.options.redeliverUnacked) { d.state = 'queued'; }
      else { d.state = 'failed'; d.settle?.(new SmscAckError('connection closed before deliver_sm_resp')); }
    }
    const requeue = back.filter((d) => d.state === 'queued').sort((a, b) => a.id - b.id);
    this.queue.unshift(...requeue);
    this.emit('session-closed', s.id);
    this.flush();
  }

  private onPdu(s: SimSession, pdu: PDU, raw: Buffer | null): void {
    if (s.socket.destroyed) return; // the link broke: what was still in its buffers was never read
    this.record({ dir: 'in', at: Date.now(), session: s.id, command: pdu.command, commandId: pdu.command_id, status: pdu.command_status, sequence: pdu.sequence_number, pdu });
    if (this.halfDead) return;
    if (pdu.isResponse()) {
      if (pdu.command === 'deliver_sm_resp' || pdu.command === 'generic_nack') this.onDeliverResp(s, pdu);
      else if (pdu.command === 'unbind_resp') s.socket.end();
      return;
    }
    switch (pdu.command) {
      case 'bind_transceiver': this.onBind(s, pdu, 'transceiver'); return;
      case 'bind_transmitter': this.onBind(s, pdu, 'transmitter'); return;
      case 'bind_receiver': this.onBind(s, pdu, 'receiver'); return;
      case 'enquire_link': this.send(s, pdu.response()); return;
      case 'unbind':
        this.send(s, pdu.response());
        s.mode = null;
        this.stopEnquire(s);
        s.socket.end();
        return;
      case 'submit_sm': this.onSubmit(s, pdu, raw); return;
      case 'unknown': this.send(s, pdu.response()); return; // generic_nack ESME_RINVCMDID
      default:
        this.send(s, pdu.response({ command_status: s.mode ? E.ESME_RINVCMDID : E.ESME_RINVBNDSTS }));
    }
  }

  private onBind(s: SimSession, pdu: PDU, mode: SimBindMode): void {
    const o = this.options;
    const systemId = String(pdu.system_id ?? '');
    const version = Number(pdu.interface_version ?? 0);
    let status = 0;
    const transient = o.bindStatus?.(++this.bindAttempts, mode) ?? 0;
    if (s.mode) status = E.ESME_RALYBND;
    else if (transient) status = transient;
    else if (o.refuseBinds) status = E.ESME_RBINDFAIL;
    else if (systemId !== o.systemId) status = E.ESME_RINVSYSID;
    else if (String(pdu.password ?? '') !== o.password) status = E.ESME_RINVPASWD;
    else if (!o.bindModes.includes(mode)) status = E.ESME_RBINDFAIL;
    else if (o.strictInterfaceVersion && version > 0x34) status = E.ESME_RBINDFAIL;
    else if (o.maxBinds !== undefined && this.boundCount(systemId, s) >= o.maxBinds) {
      status = o.maxBindsStatus ?? E.ESME_RBINDFAIL;
      this.counts.bindsOverLimit++;
    }
    this.binds.push({ at: Date.now(), session: s.id, mode, systemId, systemType: String(pdu.system_type ?? ''), interfaceVersion: version, status });
    if (status) { this.send(s, pdu.response({ command_status: status })); return; }
    this.send(s, pdu.response({ system_id: o.smscSystemId }));
    s.mode = mode;
    s.systemId = systemId;
    if (o.enquireLinkMs) {
      s.enquireTimer = setInterval(() => {
        if (!this.halfDead && s.mode) this.send(s, new smpp.PDU('enquire_link'));
      }, o.enquireLinkMs);
    }
    this.emit('bound', s.id, mode);
    this.flush();
  }

  /** Sessions bound with this system_id, other than `except`. */
  private boundCount(systemId: string, except: SimSession): number {
    let n = 0;
    for (const x of this.sessions.values()) if (x !== except && x.mode && !x.closed && x.systemId === systemId) n++;
    return n;
  }

  private stopEnquire(s: SimSession): void {
    if (s.enquireTimer) { clearInterval(s.enquireTimer); s.enquireTimer = null; }
  }

  private send(s: SimSession, pdu: PDU): boolean {
    if (s.closed || s.socket.destroyed) return false;
    let ok: boolean;
    if (!s.corked) {
      // One write per event-loop turn instead of one per PDU (see SmppLink.corkTick).
      s.corked = true;
      s.socket.cork();
      process.nextTick(() => { s.corked = false; s.socket.uncork(); });
    }
    try { ok = s.session.send(pdu); } catch { ok = false; }
    if (ok) this.record({ dir: 'out', at: Date.now(), session: s.id, command: pdu.command, commandId: pdu.command_id, status: pdu.command_status, sequence: pdu.sequence_number, pdu });
    return ok;
  }

  private record(r: PduRecord): void {
    if (this.options.record) this.pdus.push(r);
    this.emit('record', r);
  }

  // ---------------------------------------------------------------- submit_sm

  private onSubmit(s: SimSession, pdu: PDU, raw: Buffer | null): void {
    const o = this.options;
    const index = ++this.counts.submits;
    let m;
    try {
      if (!raw) throw new Error('no raw octets');
      m = parseMessagePdu(raw);
    } catch {
      this.send(s, pdu.response({ command_status: E.ESME_RINVCMDLEN }));
      return;
    }
    const mp = tlvValue(m.tlvs, TLV.message_payload);
    const data = m.shortMessage.length === 0 && mp ? mp : m.shortMessage;
    const { udh, body } = splitUdh(data, m.esmClass);
    const sarTotal = tlvInt(m.tlvs, TLV.sar_total_segments);
    const concat = udh ? parseConcatUdh(udh)
      : sarTotal ? { ref: tlvInt(m.tlvs, TLV.sar_msg_ref_num) ?? 0, total: sarTotal, seq: tlvInt(m.tlvs, TLV.sar_segment_seqnum) ?? 0 }
        : null;
    const rec: SubmitRecord = {
      index, at: Date.now(), session: s.id, sequence: m.sequence, source: m.sourceAddr, sourceTon: m.sourceTon, sourceNpi: m.sourceNpi,
      destination: m.destAddr, destTon: m.destTon, destNpi: m.destNpi, msisdn: resolveDestination(m.destAddr, m.destTon, m.destNpi),
      esmClass: m.esmClass, dataCoding: m.dataCoding, registeredDelivery: m.registeredDelivery,
      udh: udh ? Buffer.from(udh) : null, payload: Buffer.from(body), text: decodeText(m.dataCoding, body),
      concat, tlvs: m.tlvs, status: null, messageId: null,
    };
    if (o.record) this.submits.push(rec);
    this.emit('submit', rec);

    const answer = (status: number) => {
      rec.status = status;
      if (status === E.ESME_RTHROTTLED) this.counts.throttled++; else this.counts.rejected++;
      this.send(s, pdu.response({ command_status: status }));
    };
    if (s.mode !== 'transceiver' && s.mode !== 'transmitter') { answer(E.ESME_RINVBNDSTS); return; }
    if (o.silentSubmits?.(rec, index)) { this.counts.silent++; return; }
    if (o.throttleEveryN && index % o.throttleEveryN === 0) { answer(E.ESME_RTHROTTLED); return; }
    if (o.maxTps && !takeToken(this.bucket, o.maxTps, Date.now())) { answer(E.ESME_RTHROTTLED); return; }
    if (o.maxTpsPerBind && !takeToken(s.bucket, o.maxTpsPerBind, Date.now())) { answer(E.ESME_RTHROTTLED); return; }
    const rej = o.rejectDestinations;
    if (rej && (typeof rej === 'function' ? rej(rec.destination) : rej.test(rec.destination))) { answer(E.ESME_RINVDSTADR); return; }
    if (rec.msisdn === null) { answer(E.ESME_RINVDSTADR); return; } // the address does not fit its TON/NPI (address.ts)
    if (m.shortMessage.length > o.maxShortMessage) { answer(E.ESME_RINVMSGLEN); return; }

    const n = this.nextMessageId++;
    const messageId = o.messageIdStyle === 'hex' ? n.toString(16).toUpperCase() : String(n);
    rec.status = 0;
    rec.messageId = messageId;
    this.counts.accepted++;
    const delay = this.respDelay ? this.respDelay()
      : typeof o.submitResponseDelayMs === 'function' ? o.submitResponseDelayMs(rec, index) : o.submitResponseDelayMs ?? 0;
    const dlrDelay = this.receiptDelay ? this.receiptDelay() : o.dlrDelayMs;
    const respond = () => {
      // Accepted either way (the SMSC has it); only a written positive answer counts as answered.
      if (this.send(s, pdu.response({ message_id: messageId }))) this.notePositive(rec);
      else if (delay > 0) this.counts.answersLost++;
    };
    if (delay > 0) {
      this.later(delay, () => { if (!s.closed) this.counts.lateAnswers++; respond(); });
      this.later(delay + dlrDelay, () => this.complete(rec, n));
      return;
    }
    respond();
    this.later(dlrDelay, () => this.complete(rec, n));
  }

  /** The handset segment a submit carries: destination, concatenation triple and user data. */
  private segmentKey(rec: SubmitRecord): string {
    const c = rec.concat;
    return `${rec.destination}|${c ? `${c.ref}/${c.total}/${c.seq}` : '-'}|${rec.payload.toString('base64')}`;
  }

  private notePositive(rec: SubmitRecord): void {
    if (!(this.options.trackAnswers ?? this.options.record)) return;
    const key = this.segmentKey(rec);
    const ids = this.answered.get(key);
    if (!ids) { this.answered.set(key, [rec.messageId ?? '']); return; }
    ids.push(rec.messageId ?? '');
    this.counts.duplicatesAfterPositive++;
  }

  /**
   * Segments answered positively more than once (a duplicate after a positive response: the ESME
   * resent a segment the SMSC had already accepted and said so), per handset.
   */
  answeredTwice(): { segments: number; duplicates: number; handsets: string[]; firstIds: string[] } {
    let duplicates = 0;
    const handsets = new Set<string>();
    const firstIds: string[] = [];
    for (const [key, ids] of this.answered) {
      if (ids.length < 2) continue;
      duplicates += ids.length - 1;
      handsets.add(key.slice(0, key.indexOf('|')));
      firstIds.push(ids[0]);
    }
    // firstIds: the message id of the first positive answer of every duplicated segment (an ESME that
    // stored that id and still resent the segment broke "a stored message id is never sent again").
    return { segments: this.answered.size, duplicates, handsets: [...handsets], firstIds };
  }

  /** Handsets that got at least one positive answer (any segment). */
  answeredHandsets(): Set<string> {
    const out = new Set<string>();
    for (const key of this.answered.keys()) out.add(key.slice(0, key.indexOf('|')));
    return out;
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => { this.timers.delete(t); fn(); }, ms);
    this.timers.add(t);
  }

  /** The handset outcome of an accepted submit: deliver to the handset view, send the receipt if asked. */
  private complete(rec: SubmitRecord, counter: number): void {
    const o = this.options;
    let decision: DlrDecision;
    if (o.dlrOutcome) {
      const d = o.dlrOutcome(rec);
      decision = typeof d === 'string' ? { stat: d } : d;
    } else {
      this.ratioAcc += o.deliveredRatio;
      if (this.ratioAcc >= 1 - 1e-9) { this.ratioAcc -= 1; decision = { stat: 'DELIVRD' }; } else decision = { stat: 'UNDELIV', err: 1 };
    }
    const delivered = decision.stat === 'DELIVRD';
    const err = decision.err ?? (delivered ? 0 : 1);
    const now = Date.now();
    rec.dlr = { stat: decision.stat, err, at: now };
    if (delivered) { this.counts.delivered++; if (o.record) this.toHandset(rec); }
    const want = rec.registeredDelivery & 0x03;
    if (!(want === 1 || (want === 2 && !delivered))) return;
    const textId = o.receiptIdForm === 'same' ? rec.messageId as string
      : o.receiptIdForm === 'decimal' ? String(counter) : counter.toString(16).toUpperCase();
    const text = dlrText({
      id: textId.padStart(o.receiptIdPad, '0'), delivered,
      submitDate: dlrDate(new Date(rec.at), o.tzOffsetMinutes), doneDate: dlrDate(new Date(now), o.tzOffsetMinutes),
      stat: decision.stat, err, text: /^[\x20-\x7e]*$/.test(rec.text) ? rec.text.slice(0, 20) : '',
    });
    const opts: Record<string, unknown> = {
      source_addr_ton: 1, source_addr_npi: 1, source_addr: rec.msisdn ?? rec.destination,
      dest_addr_ton: rec.sourceTon, dest_addr_npi: rec.sourceNpi, destination_addr: rec.source,
      esm_class: 0x04, data_coding: 0, short_message: Buffer.from(text, 'latin1'),
      receipted_message_id: rec.messageId, message_state: MESSAGE_STATE[decision.stat],
    };
    if (!delivered) opts.network_error_code = Buffer.from([0x03, (err >> 8) & 0xff, err & 0xff]); // GSM
    this.counts.receipts++;
    void this.enqueue('dlr', opts, 0).catch(() => { /* receipts have no waiter */ });
  }

  private toHandset(rec: SubmitRecord): void {
    const phone = rec.msisdn ?? rec.destination;
    let h = this.handsets.get(phone);
    if (!h) { h = { messages: [], partial: new Map() }; this.handsets.set(phone, h); }
    if (!rec.concat || rec.concat.total <= 1) { h.messages.push(rec.text); this.emit('handset', { phone, from: rec.source, text: rec.text }); return; }
    const key = `${rec.source}|${rec.concat.ref}|${rec.concat.total}`;
    let parts = h.partial.get(key);
    if (!parts) { parts = new Map(); h.partial.set(key, parts); }
    if (parts.has(rec.concat.seq)) return; // duplicate part of a set still being assembled
    parts.set(rec.concat.seq, rec.text);
    if (parts.size < rec.concat.total) return;
    h.partial.delete(key);
    let text = '';
    for (let i = 1; i <= rec.concat.total; i++) text += parts.get(i) ?? '';
    h.messages.push(text);
    this.emit('handset', { phone, from: rec.source, text });
  }

  // ---------------------------------------------------------------- deliver_sm queue

  private enqueue(kind: Delivery['kind'], opts: Record<string, unknown>, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const d: Delivery = { id: this.nextDeliveryId++, kind, opts, attempts: 0, state: 'queued' };
      let timer: NodeJS.Timeout | null = null;
      d.settle = (err) => {
        d.settle = undefined;
        if (timer) { clearTimeout(timer); this.timers.delete(timer); }
        if (err) reject(err); else resolve();
      };
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          this.timers.delete(timer as NodeJS.Timeout);
          // The SMSC keeps the message (it is re-delivered later); only the waiter gives up.
          const s = d.settle;
          d.settle = undefined;
          s?.(new SmscAckError(`deliver_sm not acknowledged within ${timeoutMs} ms (${d.state}, ${d.attempts} attempt(s))`));
        }, timeoutMs);
        this.timers.add(timer);
      }
      this.queue.push(d);
      this.flush();
    });
  }

  private receivers(): SimSession[] {
    return [...this.sessions.values()].filter((s) => !s.closed && (s.mode === 'transceiver' || s.mode === 'receiver'));
  }

  /** Send queued deliveries on the first receiving session. */
  private flush(): void {
    if (this.halfDead || !this.queue.length) return;
    const target = this.receivers()[0];
    if (!target) return;
    while (this.queue.length) {
      const d = this.queue.shift() as Delivery;
      if (d.state !== 'queued') continue;
      const pdu = new smpp.PDU('deliver_sm', { ...d.opts });
      if (!this.send(target, pdu)) { this.queue.unshift(d); return; }
      if (d.attempts > 0) this.counts.redelivered++;
      d.attempts++;
      d.state = 'inflight';
      target.inflight.set(pdu.sequence_number, d);
    }
  }

  private onDeliverResp(s: SimSession, pdu: PDU): void {
    const d = s.inflight.get(pdu.sequence_number);
    if (!d) return;
    if (d.kind === 'mo' && this.respLoss.count > 0) {
      // Lost at a link drop: never read, so the delivery stays in flight and goes back to the queue on close.
      this.respLoss.count--;
      if (this.respLoss.refuseBinds) this.options.refuseBinds = true;
      s.socket.destroy();
      this.emit('deliver-resp-lost', s.id);
      return;
    }
    s.inflight.delete(pdu.sequence_number);
    if (pdu.command_status === 0 && pdu.command === 'deliver_sm_resp') {
      d.state = 'done';
      if (d.kind === 'mo') this.counts.moAcked++;
      d.settle?.();
    } else if (pdu.command === 'deliver_sm_resp' && TEMPORARY_DELIVER_ERRORS.has(pdu.command_status)) {
      // The ESME cannot take it now: keep it and deliver it again later (the waiter keeps waiting).
      this.counts.deliverRetries++;
      d.state = 'queued';
      const t = setTimeout(() => {
        this.timers.delete(t);
        if (d.state !== 'queued') return;
        this.queue.push(d);
        this.flush();
      }, this.options.deliverRetryMs);
      this.timers.add(t);
    } else {
      d.state = 'failed';
      d.settle?.(new SmscAckError(`ESME answered ${pdu.command} with status 0x${pdu.command_status.toString(16)}`, pdu.command_status));
    }
  }
}

/** Token bucket (burst = rate per second): take one token if there is one. Mutates `bucket`. */
export function takeToken(bucket: { tokens: number; at: number }, rate: number, now: number): boolean {
  if (!bucket.at) { bucket.tokens = rate; bucket.at = now; }
  bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.at) * rate) / 1000);
  bucket.at = now;
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}
