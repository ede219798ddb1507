/**
 * The inbound pipeline (src/sms/inbound/pipeline.ts) on a real SQLite store, table-driven like the flow
 * engine's: each row is a step and what followed it, in order — what was stored (parts and messages,
 * read from the database), what the SMSC was answered (deliver_sm_resp status, and whether the store
 * had committed by then), and which stored messages went to the command handler (a stand-in that
 * marks them processed).
 *
 * Steps:
 *   deliver '<text>' from <phone>                     one-part MO (UCS2), on the current connection
 *   deliver part <i>/<n> ref <r> '<text>' from <phone> a part of a long MO (UDH 8-bit reference)
 *     … resp lost                                      the SMSC never reads our deliver_sm_resp for it
 *   redeliver                                          the last PDU again, octet for octet (the SMSC's copy)
 *   rebind                                             a new connection (the next PDUs arrive on it)
 *   disk full | disk ok                                transactions fail with SQLITE_FULL / work again
 *   store fails (<error>)                              the next transaction fails with another error
 *   wait <s>                                           the clock moves on
 *   tick                                               the channel's once-a-second tick (reassembly timeout)
 *   restart                                            a new pipeline on the same store, rebuilt from the open parts
 *   drain                                              process the stored messages still waiting
 *   handler fails                                      the next command throws (not a storage error)
 * Observed:
 *   store part [<i>/<n> ref <r>] <open|consumed by #m|duplicate of part #p>   a new part row
 *   part #<p> <state>                                  an existing part row changed
 *   store message #<m> from <phone> <k>/<n> parts[ incomplete]
 *   ack <status>[ before commit][ in a later turn]     deliver_sm_resp (0 or 0x64 ESME_RX_T_APPN); on SQLite
 *                                                      always after the commit and in the turn the PDU was read
 *   process #<m> '<text>'                              the command handler ran for a message
 */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Store } from '../../../src/store/index.js';
import { isStorageFull } from '../../../src/store/health.js';
import { silentLogger } from '../../../src/log.js';
import { InboundPipeline, type MoPdu } from '../../../src/sms/inbound/pipeline.js';
import { tempDir } from '../../helpers/context.js';

const T0 = Date.parse('2026-11-26T02:00:00Z');
const TIMEOUT_S = 60;

class Harness {
  readonly store: Store;
  pipeline!: InboundPipeline;
  out: string[] = [];
  clock = T0;
  link = 1;
  fail: 'full' | string | null = null;
  failOnce = false;
  last: MoPdu | null = null;
  handlerFails = false;
  /** 'later' once the event loop has moved on from the turn the PDU was read in. */
  private turn: 'same' | 'later' = 'same';
  private seen = new Map<string, string>();
  readonly storage = { full: false, failure: (e: unknown) => isStorageFull(e), success: () => undefined };

  constructor() {
    this.store = Store.open(join(tempDir(), 'hotline.db'));
    const tx = this.store.transaction.bind(this.store);
    const failure = () => {
      const e = Object.assign(new Error(this.fail === 'full' ? 'database or disk is full' : this.fail!), { code: this.fail === 'full' ? 'SQLITE_FULL' : 'SQLITE_CORRUPT' });
      if (this.failOnce) { this.fail = null; this.failOnce = false; }
      return Promise.reject(e);
    };
    // The failing disk: a write (a transaction, or the single-part MO's one atomic call) throws before
    // it writes anything (as SQLITE_FULL at BEGIN IMMEDIATE / the first write).
    (this.store as { transaction: Store['transaction'] }).transaction = <T>(fn: () => Promise<T>): Promise<T> => this.fail ? failure() : tx(fn);
    const single = this.store.sms.storeSingleMo.bind(this.store.sms);
    this.store.sms.storeSingleMo = (m) => this.fail ? failure() : single(m);
    this.snapshot();
    this.seen.clear();
    this.start();
  }

  start(): void {
    this.pipeline = new InboundPipeline({
      store: this.store, storage: this.storage, log: silentLogger, now: () => this.clock, linkSession: () => this.link,
      settings: { dc0: 'gsm7', moDedupeMs: 24 * 3600_000, reassemblyTimeoutMs: TIMEOUT_S * 1000, defaultDest: '96365' },
      handler: { process: (id) => this.process(id) },
    });
  }

  /** The stand-in command handler: claims the row, marks it processed (one transaction, like the real one). */
  private process(id: number) {
    if (this.handlerFails) { this.handlerFails = false; return Promise.reject(new Error('the command failed')); }
    return this.store.transaction(async () => {
      const fresh = await this.store.sms.claimInbound(id);
      if (!fresh) return null;
      this.diff();
      this.out.push(`process #${fresh.id} '${fresh.text}'`);
      await this.store.sms.inboundDone(fresh.id, 'processed', 'request', 'ok', null, new Date(this.clock).toISOString());
      return { result: { command: 'request' as const, outcome: 'ok', reply: null, feedbackId: null }, row: fresh };
    });
  }

  /** Rows as the observer describes them (part → description, message → description). */
  private snapshot(): Map<string, string> {
    const now = new Map<string, string>();
    const db = this.store.db;
    for (const p of db.prepare('SELECT id, concat_ref, concat_total, concat_seq, state, dup_of, inbound_id FROM sms_mo_parts ORDER BY id').all() as Array<Record<string, number | string | null>>) {
      const slot = p.concat_total ? `${p.concat_seq}/${p.concat_total} ref ${p.concat_ref} ` : '';
      const state = p.state === 'consumed' ? `consumed by #${p.inbound_id}` : p.state === 'duplicate' ? `duplicate of ${p.dup_of ? `part #${p.dup_of}` : 'an open part'}` : String(p.state);
      now.set(`part ${p.id}`, `${slot}${state}`);
    }
    for (const m of db.prepare('SELECT id, phone, parts, parts_expected, complete FROM sms_inbound ORDER BY id').all() as Array<Record<string, number | string | null>>) {
      now.set(`message ${m.id}`, `from ${m.phone} ${m.parts}/${m.parts_expected ?? m.parts} parts${m.complete ? '' : ' incomplete'}`);
    }
    return now;
  }

  /** What was stored since the last look. */
  diff(): void {
    const now = this.snapshot();
    for (const [k, v] of now) {
      const before = this.seen.get(k);
      if (before === v) continue;
      const [kind, id] = k.split(' ');
      if (kind === 'part') this.out.push(before === undefined ? `store part ${v}` : `part #${id} ${v.replace(/^\d+\/\d+ ref \d+ /, '')}`);
      else this.out.push(`store message #${id} ${v}`);
    }
    this.seen = now;
  }

  pdu(o: { text: string; from: string; part?: { i: number; n: number; ref: number }; respLost?: boolean }): MoPdu {
    const payload = Buffer.from(o.text, 'utf16le').swap16();
    const udh = o.part ? Buffer.from([5, 0, 3, o.part.ref, o.part.n, o.part.i]) : null;
    const esmClass = udh ? 0x40 : 0;
    return {
      command: 'deliver_sm', sourceAddr: o.from, sourceTon: /^86\d{11}$/.test(o.from) ? 1 : /^\d+$/.test(o.from) ? 0 : 5, destAddr: '96365', esmClass, dataCoding: 8, udh, payload, tlvs: { raw: [] },
      receivedAt: new Date(this.clock), linkId: `link-${this.link}`,
      // The octets after the header: what a re-delivery repeats (time stamps would be in them too; none here).
      pduBody: Buffer.concat([Buffer.from(`${o.from}\0 96365\0 ${esmClass} 8 `), udh ?? Buffer.alloc(0), payload]),
      ack: (status = 0, onConfirmed) => {
        this.diff();
        this.out.push(`ack ${status === 0 ? '0' : `0x${status.toString(16)}`}${this.store.db.inTransaction ? ' before commit' : ''}${this.turn === 'later' ? ' in a later turn' : ''}`);
        if (!o.respLost && onConfirmed) onConfirmed();
        return true;
      },
    };
  }

  async run(step: string): Promise<string[]> {
    this.out = [];
    // On SQLite a PDU is stored and answered in the turn it was read (a kill -9 finds what was answered on disk).
    this.turn = 'same';
    setImmediate(() => { this.turn = 'later'; });
    let m: RegExpExecArray | null;
    if ((m = /^deliver (?:part (\d+)\/(\d+) ref (\d+) )?'([^']*)' from (\S+)( resp lost)?$/.exec(step))) {
      const part = m[1] ? { i: Number(m[1]), n: Number(m[2]), ref: Number(m[3]) } : undefined;
      const ev = this.pdu({ text: m[4], from: m[5], part, respLost: !!m[6] });
      this.last = ev;
      await this.pipeline.deliver(ev);
    } else if (step === 'redeliver') {
      // The SMSC's copy: the same octets, a new connection's id (set by the rebind before it), read this time.
      const ev = { ...this.last!, linkId: `link-${this.link}`, receivedAt: new Date(this.clock), ack: this.pdu({ text: '', from: '' }).ack };
      await this.pipeline.deliver(ev);
    } else if (step === 'rebind') this.link++;
    else if (step === 'disk full') { this.fail = 'full'; this.storage.full = true; }
    else if (step === 'disk ok') { this.fail = null; this.storage.full = false; }
    else if ((m = /^store fails \((.+)\)$/.exec(step))) { this.fail = m[1]; this.failOnce = true; }
    else if ((m = /^wait (\d+)$/.exec(step))) this.clock += Number(m[1]) * 1000;
    else if (step === 'tick') await this.pipeline.tick();
    else if (step === 'restart') { await this.pipeline.idle(); this.start(); await this.pipeline.rebuild(); }
    else if (step === 'drain') await this.pipeline.drain();
    else if (step === 'handler fails') this.handlerFails = true;
    else throw new Error(`unknown step ${step}`);
    await this.pipeline.idle();
    await new Promise((r) => setImmediate(r)); // the ack confirmations' transaction
    this.diff();
    return this.out;
  }
}

const open: Harness[] = [];
afterEach(async () => { for (const h of open.splice(0)) await h.store.close(); });

type Script = Array<[step: string, expected: string[]]>;
const A = '8613800000001';
const B = '8613900000002';

const CASES: Array<{ label: string; script: Script }> = [
  { label: 'a one-part MO: stored with its message, acked after the commit, then processed', script: [
    [`deliver '查询123' from ${A}`, ['store part consumed by #1', 'store message #1 from 8613800000001 1/1 parts', 'ack 0', "process #1 '查询123'"]],
  ] },
  { label: 'our own number and an alphanumeric sender: stored, acked and handed to the handler like any (it ignores them: guard.test.ts)', script: [
    [`deliver '测试' from 96365`, ['store part consumed by #1', 'store message #1 from 96365 1/1 parts', 'ack 0', "process #1 '测试'"]],
    [`deliver '优惠活动' from BANK`, ['store part consumed by #2', 'store message #2 from BANK 1/1 parts', 'ack 0', "process #2 '优惠活动'"]],
  ] },
  { label: 'a long MO: parts wait open; the last one assembles the message in its own transaction', script: [
    [`deliver part 1/2 ref 7 '路灯坏了' from ${A}`, ['store part 1/2 ref 7 open', 'ack 0']],
    [`deliver part 2/2 ref 7 '请修理' from ${A}`, ['part #1 consumed by #1', 'store part 2/2 ref 7 consumed by #1', 'store message #1 from 8613800000001 2/2 parts', 'ack 0', "process #1 '路灯坏了请修理'"]],
  ] },
  { label: 'parts out of order, and two senders with the same reference, are kept apart', script: [
    [`deliver part 2/2 ref 7 'B2' from ${B}`, ['store part 2/2 ref 7 open', 'ack 0']],
    [`deliver part 1/2 ref 7 'A1' from ${A}`, ['store part 1/2 ref 7 open', 'ack 0']],
    [`deliver part 1/2 ref 7 'B1' from ${B}`, ['part #1 consumed by #1', 'store part 1/2 ref 7 consumed by #1', 'store message #1 from 8613900000002 2/2 parts', 'ack 0', "process #1 'B1B2'"]],
  ] },
  { label: 'a repeated part (same slot, same octets) is stored closed, acked, and joins nothing', script: [
    [`deliver part 1/2 ref 7 '路灯坏了' from ${A}`, ['store part 1/2 ref 7 open', 'ack 0']],
    [`deliver part 1/2 ref 7 '路灯坏了' from ${A}`, ['store part 1/2 ref 7 duplicate of part #1', 'ack 0']],
    [`deliver part 2/2 ref 7 '请修理' from ${A}`, ['part #1 consumed by #1', 'store part 2/2 ref 7 consumed by #1', 'store message #1 from 8613800000001 2/2 parts', 'ack 0', "process #1 '路灯坏了请修理'"]],
  ] },
  { label: 'the same slot with other octets: the first is kept, the second stored closed', script: [
    [`deliver part 1/2 ref 7 '路灯坏了' from ${A}`, ['store part 1/2 ref 7 open', 'ack 0']],
    [`deliver part 1/2 ref 7 '别的' from ${A}`, ['store part 1/2 ref 7 duplicate of part #1', 'ack 0']],
  ] },
  { label: 're-delivery: the SMSC did not read our resp and sends the PDU again after a re-bind — stored closed, acked, not processed twice', script: [
    [`deliver '查询123' from ${A} resp lost`, ['store part consumed by #1', 'store message #1 from 8613800000001 1/1 parts', 'ack 0', "process #1 '查询123'"]],
    ['rebind', []],
    ['redeliver', ['store part duplicate of part #1', 'ack 0']],
  ] },
  { label: 'the same text twice after the SMSC read our resp is a citizen writing again: answered again', script: [
    [`deliver '查询123' from ${A}`, ['store part consumed by #1', 'store message #1 from 8613800000001 1/1 parts', 'ack 0', "process #1 '查询123'"]],
    ['rebind', []],
    ['redeliver', ['store part consumed by #2', 'store message #2 from 8613800000001 1/1 parts', 'ack 0', "process #2 '查询123'"]],
  ] },
  { label: 'the same PDU again on the same connection is a new message too (an SMSC re-delivers only after a re-bind)', script: [
    [`deliver '查询123' from ${A} resp lost`, ['store part consumed by #1', 'store message #1 from 8613800000001 1/1 parts', 'ack 0', "process #1 '查询123'"]],
    ['redeliver', ['store part consumed by #2', 'store message #2 from 8613800000001 1/1 parts', 'ack 0', "process #2 '查询123'"]],
  ] },
  { label: 'full disk: nothing stored, answered 0x64 (ESME_RX_T_APPN) so the SMSC delivers it again; stored once space is back', script: [
    ['disk full', []],
    [`deliver '查询123' from ${A}`, ['ack 0x64']],
    ['disk ok', []],
    ['redeliver', ['store part consumed by #1', 'store message #1 from 8613800000001 1/1 parts', 'ack 0', "process #1 '查询123'"]],
  ] },
  { label: 'another store failure: not answered at all (the SMSC times out and delivers it again)', script: [
    [`store fails (database disk image is malformed)`, []],
    [`deliver '查询123' from ${A}`, []],
    ['redeliver', ['store part consumed by #1', 'store message #1 from 8613800000001 1/1 parts', 'ack 0', "process #1 '查询123'"]],
  ] },
  { label: 'a long MO incomplete after the timeout: stored as received with the gap marked, then processed', script: [
    [`deliver part 1/3 ref 9 '路灯' from ${A}`, ['store part 1/3 ref 9 open', 'ack 0']],
    [`deliver part 3/3 ref 9 '修理' from ${A}`, ['store part 3/3 ref 9 open', 'ack 0']],
    [`wait ${TIMEOUT_S - 1}`, []],
    ['tick', []],
    ['wait 2', []],
    ['tick', ['part #1 consumed by #1', 'part #2 consumed by #1', 'store message #1 from 8613800000001 2/3 parts incomplete', "process #1 '路灯[…]修理'"]],
    [`deliver part 2/3 ref 9 '坏了' from ${A}`, ['store part 2/3 ref 9 open', 'ack 0']],
  ] },
  { label: 'a timed-out message that meets a full disk is stored by a later tick', script: [
    [`deliver part 1/2 ref 9 '路灯' from ${A}`, ['store part 1/2 ref 9 open', 'ack 0']],
    [`wait ${TIMEOUT_S + 1}`, []],
    ['disk full', []],
    ['tick', []],
    ['tick', []],
    ['disk ok', []],
    ['tick', ['part #1 consumed by #1', 'store message #1 from 8613800000001 1/2 parts incomplete', "process #1 '路灯[…]'"]],
  ] },
  { label: 'restart with open parts: the sets are rebuilt from the store, the next part completes the message', script: [
    [`deliver part 1/2 ref 7 '路灯坏了' from ${A}`, ['store part 1/2 ref 7 open', 'ack 0']],
    [`deliver part 1/2 ref 8 '另一条' from ${B}`, ['store part 1/2 ref 8 open', 'ack 0']],
    ['restart', []],
    [`deliver part 1/2 ref 7 '路灯坏了' from ${A}`, ['store part 1/2 ref 7 duplicate of part #1', 'ack 0']],
    [`deliver part 2/2 ref 7 '请修理' from ${A}`, ['part #1 consumed by #1', 'store part 2/2 ref 7 consumed by #1', 'store message #1 from 8613800000001 2/2 parts', 'ack 0', "process #1 '路灯坏了请修理'"]],
    [`wait ${TIMEOUT_S + 1}`, []],
    ['tick', ['part #2 consumed by #2', 'store message #2 from 8613900000002 1/2 parts incomplete', "process #2 '另一条[…]'"]],
  ] },
  { label: 'a command that failed leaves its message waiting: the next drain processes it, once', script: [
    ['handler fails', []],
    [`deliver '查询123' from ${A}`, ['store part consumed by #1', 'store message #1 from 8613800000001 1/1 parts', 'ack 0']],
    ['drain', ["process #1 '查询123'"]],
    ['drain', []],
  ] },
];

describe('inbound pipeline: persist → ack → reassemble → command', () => {
  for (const c of CASES) {
    it(c.label, async () => {
      const h = new Harness();
      open.push(h);
      const got: Script = [];
      for (const [step] of c.script) got.push([step, await h.run(step)]);
      expect(got).toEqual(c.script);
    });
  }
});
