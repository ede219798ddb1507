/**
 * The panel's test phone in demo mode: texts go into the SMSC simulator as MO from the chosen number,
 * replies and pushes come back from the simulated handset; calls go through the ARI simulator into the
 * real IVR flow (the voice channel provides that half).
 */
import type { TestOperatorCall, TestPhonePort, TestPhoneEvent, TestPhoneSms } from '../admin/sms-port.js';
import type { SmscSimulator } from '../sim/smsc/index.js';
import { canonicalPhone } from '../domain/phone.js';

/** The call half, provided by the voice channel when it runs on the ARI simulator. */
export interface TestPhoneCalls {
  startCall(from: string): Promise<string> | string;
  press(callId: string, digits: string): Promise<void> | void;
  record?(callId: string, seconds: number): Promise<void> | void;
  hangup(callId: string): Promise<void> | void;
  events(callId: string, listener: (e: TestPhoneEvent) => void): () => void;
  operatorCalls?(endpoint: string): TestOperatorCall[] | Promise<TestOperatorCall[]>;
  answerOperator?(endpoint: string, legId: string): Promise<void> | void;
  hangupOperator?(endpoint: string, legId: string): Promise<void> | void;
}

export function createTestPhone(smsc: () => SmscSimulator | null, shortCode: string, calls: () => TestPhoneCalls | null): TestPhonePort & { attach(): void } {
  const inbox = new Map<string, TestPhoneSms[]>();
  const listeners = new Set<(s: TestPhoneSms) => void>();
  let attached: SmscSimulator | null = null;
  const attach = () => {
    const sim = smsc();
    if (!sim || sim === attached) return sim;
    attached = sim;
    sim.on('handset', (m: { phone: string; from: string; text: string }) => {
      const sms: TestPhoneSms = { from: m.from, to: m.phone, text: m.text, at: new Date().toISOString() };
      const key = canonicalPhone(m.phone); // the handset's MSISDN (86…) is the canonical form
      const list = inbox.get(key) ?? [];
      list.push(sms);
      if (list.length > 200) list.shift();
      inbox.set(key, list);
      for (const l of listeners) l(sms);
    });
    return sim;
  };
  const needCalls = () => {
    const c = calls();
    if (!c) throw new Error('the voice channel is not running on the ARI simulator');
    return c;
  };
  return {
    /** Start listening to the simulated handsets (call once the SMS channel has started). */
    attach: () => { attach(); },
    startCall: (from) => needCalls().startCall(from),
    press: (id, digits) => needCalls().press(id, digits),
    record: (id, seconds) => needCalls().record?.(id, seconds),
    hangup: (id) => needCalls().hangup(id),
    events: (id, listener) => needCalls().events(id, listener),
    operatorCalls: async (endpoint) => (await calls()?.operatorCalls?.(endpoint)) ?? [],
    answerOperator: (endpoint, legId) => needCalls().answerOperator?.(endpoint, legId),
    hangupOperator: (endpoint, legId) => needCalls().hangupOperator?.(endpoint, legId),
    async sendSms(from, text) {
      const sim = attach();
      if (!sim) throw new Error('the SMS channel is not running on the SMSC simulator');
      if (Array.from(text).length > 70) await sim.injectLongMo({ from, to: shortCode, text });
      else await sim.injectMo({ from, to: shortCode, text });
    },
    smsReceived(phone) { attach(); return [...(inbox.get(canonicalPhone(phone)) ?? [])]; },
    onSmsReceived(listener) { attach(); listeners.add(listener); return () => listeners.delete(listener); },
  };
}
