/**
 * IVR flow model, engine events, engine actions and call state.
 *
 * Everything here is plain JSON-able data: a call's state can be logged, persisted and restored
 * (e.g. to resume calls after an ARI WebSocket reconnect). No ARI object ever appears here.
 */

// ───────────────────────────── media ─────────────────────────────

/** A media item as written in a flow file, after normalisation (`{var}` templates not yet filled). */
export type MediaSpec =
  | { prompt: string }      // a prompt of the catalogue (recorded sound or TTS-rendered catalogue text)
  | { tts: string }         // free text spoken by the TTS fallback, e.g. '{dept}'
  | { digits: string }      // read digit by digit, e.g. '{ref}'
  | { number: string }      // read as a number, e.g. '{count}'
  | { date: string }        // read as a Chinese date, e.g. '{dueDate}'
  | { recording: string };  // a recording of this call, e.g. '{lastRecording}'

/** A media item in a `play` action: templates filled; the adapter resolves it to media URIs. */
export type MediaItem =
  | { prompt: string }
  | { tts: string }
  | { digits: string }
  | { number: number }
  | { date: string }          // 'YYYY-MM-DD' or an ISO timestamp (read in the engine's zone)
  | { recording: string };    // a recording name made by a `record` action of this call

// ───────────────────────────── flow nodes ─────────────────────────────

export type Validation =
  | { kind: 'none' }
  | { kind: 'query-code' }                 // 12 digits, Verhoeff check digit (src/domain/query-code.ts)
  | { kind: 'pattern'; pattern: string };  // a JavaScript regular expression over the digits

export interface OfficeHours {
  /** Opening windows on working days, 'HH:mm-HH:mm' (local time in the engine's zone). */
  hours: string[];
  /** Per-weekday windows on working days that replace `hours` (keys mon…sun), e.g. a shorter Friday. */
  weekly?: Partial<Record<WeekdayKey, string[]>>;
  /** Windows on rest days (weekends, public holidays per the injected calendar); default closed. */
  restDays?: string[];
}
export type WeekdayKey = 'sun' | 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat';
export const WEEKDAY_KEYS: readonly WeekdayKey[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export interface PlayNode {
  verb: 'play';
  items: MediaSpec[];
  /** When true a DTMF key stops the playback; the key is carried into the next menu/gather (type-ahead). */
  bargeIn: boolean;
  next: string;
}

export interface MenuNode {
  verb: 'menu';
  prompt: MediaSpec[];
  /** DTMF key → target node id. */
  options: Record<string, string>;
  /** Wait for a key after the prompt finished. */
  timeoutMs: number;
  /** Re-prompts after invalid keys or timeouts; one more failure goes to onFailure. */
  maxRetries: number;
  invalid: MediaSpec[];
  noInput: MediaSpec[];
  /** Key that plays the prompt again (not counted as a failure). */
  repeat?: string;
  onFailure: string;
}

export interface GatherNode {
  verb: 'gather';
  prompt: MediaSpec[];
  maxDigits: number;
  minDigits: number;
  /** Key that ends the entry early (default '#'); '' for none. */
  terminator: string;
  /** Key that erases what was typed and waits for a new entry; unset = the key is invalid input. */
  clearKey?: string;
  firstDigitTimeoutMs: number;
  interDigitTimeoutMs: number;
  validate: Validation;
  /** Variable that receives the digits. */
  into: string;
  /** Total tries (first one included); after the last failure → onFailure. */
  attempts: number;
  invalid: MediaSpec[];
  noInput: MediaSpec[];
  /** Played when a query code has a wrong check digit (defaults to `invalid`). */
  badCheckDigit: MediaSpec[];
  next: string;
  onFailure: string;
}

export interface LookupNode {
  verb: 'lookup';
  kind: 'declaration';
  /** Variable holding the code to look up. */
  input: string;
  /** Variables the lookup result provides (documentation and template checking). */
  results: string[];
  /** Not-found codes allowed per call; the N-th sends the caller to `limit`, no more lookups after. */
  maxNotFound: number;
  /** Watchdog: no result within this time counts as an error. */
  timeoutMs: number;
  found: string;
  notFound: string;
  limit: string;
  /** Lookup failure (store error, watchdog). Defaults to notFound's target when absent. */
  error?: string;
}

export interface RecordNode {
  verb: 'record';
  /** Played before the beep (e.g. “请在提示音后讲话，按井号键结束”). */
  prompt: MediaSpec[];
  /** Recording name prefix; the name is `<prefix>-<callId>-<n>`. */
  name: string;
  beep: boolean;
  maxDurationSeconds: number;
  maxSilenceSeconds: number;
  terminator: string;
  /** A recording shorter than this is not kept as a message. */
  minDurationSeconds: number;
  /** Tries for a usable (long enough) recording; after the last → noRecording. */
  attempts: number;
  tooShort: MediaSpec[];
  /**
   * Feedback kind (template, e.g. '{feedbackKind}'). When set, a caller who hangs up during or
   * after this recording (before submitFeedback) still has the message submitted.
   */
  feedbackKind?: string;
  next: string;
  noRecording: string;
  onFailure: string;
}

export interface SubmitFeedbackNode {
  verb: 'submitFeedback';
  /** complaint | consultation | suggestion, or a template like '{feedbackKind}'. */
  kind: string;
  /** Variable holding the recording name (default lastRecording). */
  recording: string;
  /** Variable that receives the reference number (default ref). */
  into: string;
  timeoutMs: number;
  next: string;
  onFailure: string;
}

export interface SubscribeNode {
  verb: 'subscribe';
  input: string;
  timeoutMs: number;
  ok: string;
  fail: string;
}

export interface TransferNode {
  verb: 'transfer';
  /** Operator endpoint; absent = the adapter's configured operator. */
  endpoint?: string;
  /** Ring time before giving up, passed to the adapter. */
  ringTimeoutMs?: number;
  answered: string;
  noAnswer: string;
}

/** queue: the call queue (ACD) — music on hold, position announcements, call-back offer, an operator. */
export interface QueueNode {
  verb: 'queue';
  /** Urgent flows are served first (default normal). */
  priority: 'normal' | 'urgent';
  /** After the conversation with the operator. */
  answered: string;
  /** The caller pressed 1 (预约回拨): the request is kept; this node tells them and hangs up. */
  callback: string;
  /** The caller pressed 2 (留言): usually a record node. */
  message: string;
  /** No operator can take the call (queue unavailable); absent = message. */
  noOperator?: string;
}

export interface BranchNode {
  verb: 'branch';
  officeHours?: OfficeHours;
  open?: string;
  closed?: string;
  var?: string;
  cases?: Record<string, string>;
  default?: string;
}

export interface SetNode {
  verb: 'set';
  vars: Record<string, string>;
  next: string;
}

export interface GotoNode {
  verb: 'goto';
  target: string;
}

export interface HangupNode {
  verb: 'hangup';
  prompt: MediaSpec[];
  reason: string;
}

export type FlowNode =
  | PlayNode | MenuNode | GatherNode | LookupNode | RecordNode | SubmitFeedbackNode
  | SubscribeNode | TransferNode | QueueNode | BranchNode | SetNode | GotoNode | HangupNode;
export type Verb = FlowNode['verb'];
export const VERBS: readonly Verb[] = [
  'play', 'menu', 'gather', 'lookup', 'record', 'submitFeedback', 'subscribe', 'transfer', 'queue', 'branch', 'set', 'goto', 'hangup',
];
/** Verbs that wait for the caller (a loop must contain one of these). */
export const INPUT_VERBS: ReadonlySet<Verb> = new Set<Verb>(['menu', 'gather', 'record']);

export interface Flow {
  id: string;
  file: string;
  description?: string;
  start: string;
  nodes: Record<string, FlowNode>;
}

export const FEEDBACK_KINDS_FLOW = ['complaint', 'consultation', 'suggestion'] as const;
export type EffectKind = 'lookup' | 'submitFeedback' | 'subscribe' | 'transfer' | 'queue';
export const EFFECT_KINDS: readonly EffectKind[] = ['lookup', 'submitFeedback', 'subscribe', 'transfer', 'queue'];

// ───────────────────────────── events ─────────────────────────────

export interface StartEvent {
  type: 'start';
  callId: string;
  caller: string;
  called: string;
  /** Epoch milliseconds. */
  now: number;
  /** Flow to run (default: the engine's default flow). */
  flowId?: string;
  /** Initial variables, e.g. the answer text of a voice call-back. */
  vars?: Record<string, string>;
}
export interface DtmfEvent { type: 'dtmf'; digit: string; now?: number }
export interface PlaybackFinishedEvent { type: 'playbackFinished'; playbackId: string; ok: boolean; now?: number }
export interface TimerEvent { type: 'timer'; timerId: string; now?: number }
export interface RecordingFinishedEvent { type: 'recordingFinished'; name: string; durationSec: number; ok: boolean; kept: boolean; now?: number }
export interface EffectResultEvent { type: 'effectResult'; effectId: string; result: EffectResult; now?: number }
export interface HangupEvent { type: 'hangup'; now?: number }
export type FlowEvent =
  | StartEvent | DtmfEvent | PlaybackFinishedEvent | TimerEvent | RecordingFinishedEvent | EffectResultEvent | HangupEvent;

/**
 * What the adapter answers to an effect.
 * - lookup: status 'found' (+ vars) | 'notFound' | 'limited' (adapter-wide guess limit) | 'error'
 * - submitFeedback: 'ok' (+ ref) | 'error'
 * - subscribe: 'ok' | 'fail' | 'error'
 * - transfer: 'answered' (sent when the bridged conversation is over and the caller is still here)
 *             | 'noAnswer' | 'busy' | 'error'
 */
export interface EffectResult {
  status: string;
  vars?: Record<string, string | number | boolean | null | undefined>;
  ref?: string;
  reason?: string;
}

// ───────────────────────────── actions ─────────────────────────────

export type LogKind = 'enter' | 'input' | 'timeout' | 'invalid' | 'hangup';

export type FlowAction =
  | { type: 'play'; playbackId: string; media: MediaItem[] }
  | { type: 'stopPlayback'; playbackId: string }
  | { type: 'startTimer'; timerId: string; ms: number }
  | { type: 'cancelTimer'; timerId: string }
  | { type: 'record'; name: string; maxDurationSeconds: number; maxSilenceSeconds: number; beep: boolean; terminateOn: string }
  | { type: 'stopRecording'; name: string }
  | { type: 'effect'; effectId: string; kind: EffectKind; params: Record<string, unknown> }
  | { type: 'hangup'; reason: string }
  | { type: 'log'; nodeId: string; kind: LogKind; detail?: string };

// ───────────────────────────── state ─────────────────────────────

export type Phase =
  | { kind: 'idle' }
  | { kind: 'play'; playbackId: string }              // play node, no barge-in unless the node says so
  | { kind: 'prompt'; playbackId: string }            // menu/gather prompt (DTMF barge-in)
  | { kind: 'wait'; timerId: string }                 // menu waiting for a key / gather waiting for the first digit
  | { kind: 'typing'; timerId: string }               // gather: caller is typing, inter-digit timer
  | { kind: 'recordPrompt'; playbackId: string }
  | { kind: 'recording'; name: string; timerId: string; stopping: boolean }
  | { kind: 'effect'; effectId: string; effect: EffectKind; timerId?: string }
  | { kind: 'goodbye'; playbackId: string }
  | { kind: 'ended' };

export interface PendingRecording {
  name: string;
  durationSec: number;
  kind: string;
  minDurationSeconds: number;
}

export interface CallState {
  flowId: string;
  callId: string;
  caller: string;
  called: string;
  nodeId: string;
  phase: Phase;
  vars: Record<string, string>;
  /** Id counter: playback/timer/effect/recording ids are `<callId>-<kind>-<seq>`. */
  seq: number;
  /** Failures (menu) or tries (gather, record) in the current node visit. */
  tries: number;
  /** Gather buffer. */
  digits: string;
  /** Keys typed during a barge-in `play`, consumed by the next menu/gather. */
  typeAhead: string;
  /**
   * A terminator typed right after a gather completed by maxDigits (accepted or refused) belongs to
   * that entry: it is swallowed, once, if it comes before `swallowUntil` (epoch ms).
   */
  swallowKey: string;
  swallowUntil: number;
  /** Not-found lookups in this call (guessing limit). */
  notFoundCount: number;
  /** Node ids visited, in order (capped). */
  path: string[];
  /** A recording made with a feedbackKind and not yet submitted (submitted if the caller hangs up). */
  unsubmitted: PendingRecording | null;
  /** A recording still running when the caller hung up: submitted when its RecordingFinished arrives. */
  awaitRecording: PendingRecording | null;
  /** Outcomes reached: status_read, subscribed, feedback_submitted, transferred. */
  outcomes: string[];
  ended: boolean;
  endReason: string | null;
  /** Last known time (epoch ms), from events that carry `now`. */
  now: number;
}

export interface StepResult {
  state: CallState;
  actions: FlowAction[];
}
