/**
 * What the panel needs from the SMS channel, the voice channel and the test phone. The channels
 * (or the lead's wiring) implement these; each is optional in `adminComponent(ctx, options)` and the
 * matching page says the channel is not running when it is absent. Methods may be sync or async.
 * Phone numbers are given in full; the panel masks them for display.
 */

type MaybePromise<T> = T | Promise<T>;

// ---------- SMS ----------

export interface SmsListFilter {
  /** Outbox: queued|held|submitted|delivered|failed|expired|cancelled…; inbox: the channel's own states. */
  status?: string;
  phone?: string;
  limit?: number;
  offset?: number;
}

export interface SmsOutboxItem {
  id: number;
  phone: string;
  text: string;
  /** reply | push | answer | manual | reminder… */
  reason: string;
  status: string;
  segments: number;
  attempts: number;
  createdAt: string;
  submittedAt?: string | null;
  doneAt?: string | null;
  lastError?: string | null;
  /** Delivery receipts per segment (stat text such as DELIVRD, with time), when known. */
  receipts?: Array<{ messageId?: string | null; stat: string; at?: string | null }>;
  createdBy?: string | null;
}

export interface SmsInboxItem {
  id: number;
  phone: string;
  text: string;
  receivedAt: string;
  /** What the command parser made of it (query, subscribe, complaint…), if recorded. */
  command?: string | null;
  status?: string | null;
  /** Parts that arrived / parts the long message had (a gap is marked […] in the text). */
  parts?: number;
  partsExpected?: number | null;
}

export interface SmsStats {
  queued: number;
  sent?: number;
  failed?: number;
  perSecond?: number;
  link?: string;
  [k: string]: unknown;
}

/** One SMS exactly as it will be sent (a long text is several, numbered (1/n)…(n/n)). */
export interface SmsPreviewMessage {
  text: string;
  /** gsm7 | ucs2 */
  encoding: string;
  /** Septets (GSM) or UTF-16 units (UCS2). */
  units: number;
  /** Concatenated segments this message takes. */
  segments: number;
}

export interface SmsAdminPort {
  listOutbox(filter: SmsListFilter): MaybePromise<SmsOutboxItem[]>;
  listInbox(filter: SmsListFilter): MaybePromise<SmsInboxItem[]>;
  /** Put a failed/expired message back in the queue. Throws (or rejects) with a message when not possible. */
  retry(id: number): MaybePromise<unknown>;
  cancel(id: number): MaybePromise<unknown>;
  /** Queue a message typed by staff; returns the outbox id. */
  sendManual(phone: string, text: string, actor: string): MaybePromise<{ id: number } | number>;
  stats(): MaybePromise<SmsStats>;
  /** The SMS a feedback answer would be sent as (template applied), before sending. */
  previewAnswer?(feedback: { ref: string; departmentName: string | null }, answer: string): MaybePromise<SmsPreviewMessage[]>;
  /** The SMS a staff-written text would be sent as. */
  previewText?(text: string): MaybePromise<SmsPreviewMessage[]>;
}

// ---------- Voice ----------

/** The payload of 'call.updated' / 'call.ended' on the bus, and of activeCalls(). */
export interface CallView {
  callId: string;
  caller: string;
  /** The flow node the call is in (e.g. menu, lookup, record). */
  node: string;
  startedAt: string;
  state: string;
}

export interface CallRecord extends CallView {
  endedAt?: string | null;
  durationSec?: number | null;
  /** Flow path taken (menu>lookup>…), outcome. */
  path?: string | null;
  outcome?: string | null;
}

export interface VoiceAdminPort {
  activeCalls(): MaybePromise<CallView[]>;
  recentCalls(limit: number): MaybePromise<CallRecord[]>;
}

// ---------- Test phone (demo mode) ----------

export type TestPhoneEvent =
  /** A prompt: its text as a caption, and an audio URL (same-origin path) when TTS produced one. */
  | { type: 'prompt'; text: string; audioUrl?: string | null }
  | { type: 'node'; node: string }
  | { type: 'state'; state: string }
  | { type: 'recording'; state: 'started' | 'stopped' }
  | { type: 'ended'; reason?: string | null };

export interface TestPhoneSms { from: string; to: string; text: string; at: string }

/** A mail the test mailbox received from the hotline (demo mode, src/demo/test-mailbox.ts). */
export interface TestMail { from: string; to: string; subject: string; text: string; messageId: string | null; inReplyTo: string | null; at: string }

/** The test mailbox (demo mode): write to the 市民信箱 and read its replies. */
export interface TestMailboxPort {
  /** The hotline address the mail goes to. */
  readonly address: string;
  sendMail(from: string, subject: string, text: string, inReplyTo?: string | null): MaybePromise<void>;
  mailReceived(address: string): MaybePromise<TestMail[]>;
}

export interface TestPhonePort {
  /** Place a simulated call to 96365 from this number; resolves with the call id. */
  startCall(from: string): MaybePromise<string>;
  /** Send DTMF digits (0-9 * #). */
  press(callId: string, digits: string): MaybePromise<void>;
  /** The caller speaks for this long (the simulator sends audio, e.g. into a complaint recording). */
  record?(callId: string, seconds: number): MaybePromise<void>;
  hangup(callId: string): MaybePromise<void>;
  /**
   * Subscribe to a call's captions/prompts/state; returns the unsubscribe function. The panel
   * subscribes right after startCall resolves, so events already emitted for the call should be
   * replayed to a new listener (or startCall should not emit before returning).
   */
  events(callId: string, listener: (e: TestPhoneEvent) => void): () => void;
  /** The simulated phone `from` texts 96365. */
  sendSms(from: string, text: string): MaybePromise<void>;
  /** Messages the simulated phone has received (newest last); `phone` in any form (compared canonically). */
  smsReceived(phone: string): MaybePromise<TestPhoneSms[]>;
  /** Optional push of each message a simulated phone receives (the panel forwards it over the live socket). */
  onSmsReceived?(listener: (sms: TestPhoneSms) => void): () => void;
  /** The test mailbox (when the 市民信箱 runs). */
  mailbox?: TestMailboxPort;
  /** Demo: give these seat endpoints a phone in the panel (their rings wait for 接听 there). */
  operatorPhones?(endpoints: readonly string[]): void;
  /** Demo: the operator phone of a seat (its SIP endpoint): the queue's calls ringing it or talking on it. */
  operatorCalls?(endpoint: string): MaybePromise<TestOperatorCall[]>;
  /** Demo: pick up / put down a call on the operator phone (the leg must ring or talk on that endpoint). */
  answerOperator?(endpoint: string, legId: string): MaybePromise<void>;
  hangupOperator?(endpoint: string, legId: string): MaybePromise<void>;
}

/** A call on a seat's operator phone (demo). */
export interface TestOperatorCall {
  id: string;
  state: 'ringing' | 'talking';
  /** What the operator heard (the whisper 96365来电, the caller once put through). */
  heard: string[];
}
