/**
 * The admin panel's test phone (demo mode), on the ARI simulator: place a simulated call into the
 * real flow, press keys, talk into a recording, hang up, and follow captions and prompt audio.
 * Implements TestPhonePort (src/admin/sms-port.ts); the SMS half uses the SMS channel's SMSC
 * simulator when there is one.
 */
import type { Infra } from '../context.js';
import type { TestOperatorCall, TestPhoneEvent, TestPhonePort, TestPhoneSms } from '../admin/sms-port.js';
import type { AriSimulator, HeardItem, SimCall } from '../sim/ari/index.js';
import type { SmscSimulator } from '../sim/smsc/index.js';
import type { MediaResolver } from '../voice/calls/media.js';

const DIGITS = /^[0-9A-Da-d*#]{1,64}$/;

export class SimTestPhone implements TestPhonePort {
  constructor(
    private readonly ctx: Infra,
    private readonly sim: AriSimulator,
    private readonly media: MediaResolver,
    private readonly smsc: () => SmscSimulator | null,
    private readonly app: string,
  ) {}

  private call(callId: string): SimCall {
    const c = this.sim.getCall(callId);
    if (!c) throw Object.assign(new Error('通话不存在 / no such call'), { statusCode: 404 });
    return c;
  }

  startCall(from: string): string {
    const num = String(from ?? '').trim();
    if (!/^\+?[0-9]{3,20}$/.test(num)) throw Object.assign(new Error('号码格式不正确 / bad phone number'), { statusCode: 400 });
    const c = this.sim.startCall({ from: num, to: '96365', app: this.app });
    // A test caller is quiet unless they press "speak": a recording then ends on its silence limit or '#'.
    c.silence();
    return c.id;
  }

  async press(callId: string, digits: string): Promise<void> {
    if (!DIGITS.test(String(digits ?? ''))) throw Object.assign(new Error('按键只能是 0-9 * #'), { statusCode: 400 });
    await this.call(callId).press(digits, 120);
  }

  /**
   * The caller talks for `seconds` into the recording, then presses # to finish. Pressed while the
   * instructions still play ("please speak after the tone"), the caller waits for the tone — the
   * recording's start — before talking, as a person would; no recording within 30 simulated
   * seconds → 409. (Pressed only once the recording runs, the caller has the flow's silence limit.)
   */
  async record(callId: string, seconds: number): Promise<void> {
    const c = this.call(callId);
    const s = Math.max(1, Math.min(60, Number(seconds) || 5));
    if (!c.isEnded && !recordingLive(c)) {
      const started = await new Promise<boolean>((resolve) => {
        const off = c.onHeard((h) => {
          if (h.kind !== 'recording' && h.kind !== 'ended') return;
          clearTimeout(timer); off(); resolve(h.kind === 'recording');
        });
        const timer = setTimeout(() => { off(); resolve(false); }, 30_000 / this.sim.speed);
      });
      if (!started && !c.isEnded) throw Object.assign(new Error('现在没有在录音，请在提示录音时再说话 / no recording is running'), { statusCode: 409 });
    }
    if (c.isEnded) return;
    c.speak();
    await new Promise((r) => setTimeout(r, (s * 1000) / this.sim.speed));
    if (c.isEnded) return;
    c.silence();
    await c.press('#');
  }

  async hangup(callId: string): Promise<void> {
    await this.call(callId).hangup();
  }

  events(callId: string, listener: (e: TestPhoneEvent) => void): () => void {
    const c = this.call(callId);
    const send = (e: TestPhoneEvent) => { try { listener(e); } catch { /* a broken listener must not break the call */ } };
    const onHeard = (h: HeardItem) => {
      const e = this.toEvent(h);
      if (e) send(e);
    };
    for (const h of c.heard) onHeard(h);
    const off = c.onHeard(onHeard);
    const offBus = this.ctx.bus.on('call.updated', (p) => {
      if (p.callId === callId && typeof p.node === 'string' && p.node) send({ type: 'node', node: p.node });
    });
    return () => { off(); offBus(); };
  }

  private toEvent(h: HeardItem): TestPhoneEvent | null {
    switch (h.kind) {
      case 'prompt': {
        const d = h.media ? this.media.describe(h.media) : undefined;
        if (h.media?.startsWith('tone:') || d?.ringback) return { type: 'state', state: '回铃音 ringing' };
        return { type: 'prompt', text: d?.caption ?? h.caption ?? h.media ?? '', audioUrl: d?.url ?? null };
      }
      case 'recording': return { type: 'recording', state: 'started' };
      case 'recording-end': return { type: 'recording', state: 'stopped' };
      case 'answered': return { type: 'state', state: '已接通 answered' };
      case 'bridged': return { type: 'state', state: '已转人工 bridged' };
      case 'ended': return { type: 'ended', reason: h.detail ?? null };
      default: return null;
    }
  }

  // ── the operator phones (demo seats) ──
  private readonly seatPhones = new Map<string, Set<SimCall>>();

  /**
   * Demo seats get a phone in the panel: the queue's rings to these endpoints (PJSIP/8001…) ring until
   * the operator answers on the test phone page (or the ring times out) instead of answering by themselves.
   */
  operatorPhones(endpoints: readonly string[]): void {
    for (const e of endpoints) { this.sim.setEndpoint(e, 'online'); this.seatPhones.set(e, new Set()); }
    this.sim.onOriginate((req) => {
      const legs = this.seatPhones.get(req.endpoint);
      if (!legs) return undefined;
      legs.add(req.call);
      void req.call.ended.then(() => legs.delete(req.call));
      return { action: 'manual' };
    });
  }

  private seatLeg(endpoint: string, legId: string): SimCall {
    const leg = [...(this.seatPhones.get(endpoint) ?? [])].find((c) => c.id === legId && !c.isEnded);
    if (!leg) throw Object.assign(new Error('坐席话机上没有这个通话 / no such call on this seat phone'), { statusCode: 404 });
    return leg;
  }

  operatorCalls(endpoint: string): TestOperatorCall[] {
    return [...(this.seatPhones.get(endpoint) ?? [])].filter((c) => !c.isEnded).map((c) => ({
      id: c.id, state: c.heard.some((h) => h.kind === 'answered') ? 'talking' : 'ringing',
      heard: c.heard.map((h) => this.toEvent(h)).flatMap((e) => (e?.type === 'prompt' ? [e.text] : e?.type === 'state' ? [`（${e.state}）`] : [])).slice(-10),
    }));
  }

  async answerOperator(endpoint: string, legId: string): Promise<void> { await this.seatLeg(endpoint, legId).answer(); }
  async hangupOperator(endpoint: string, legId: string): Promise<void> { await this.seatLeg(endpoint, legId).hangup(); }

  async sendSms(from: string, text: string): Promise<void> {
    const sim = this.smsc();
    if (!sim) throw Object.assign(new Error('短信通道未在模拟器上运行 / the SMS channel is not on its simulator'), { statusCode: 409 });
    await sim.injectMo({ from: String(from).trim(), to: this.ctx.config.smpp.source_addr, text: String(text) });
  }

  smsReceived(phone: string): TestPhoneSms[] {
    const sim = this.smsc();
    if (!sim) return [];
    const at = this.ctx.now().toISOString();
    return sim.received(String(phone).trim()).map((text) => ({ from: this.ctx.config.smpp.source_addr, to: phone, text, at }));
  }
}

/** A recording is running on the call: its last recording start has no end after it. */
function recordingLive(c: SimCall): boolean {
  for (let i = c.heard.length - 1; i >= 0; i--) {
    const k = c.heard[i].kind;
    if (k === 'recording') return true;
    if (k === 'recording-end' || k === 'ended') return false;
  }
  return false;
}
