/**
 * The call queue (ACD) as data: operators (seats), queue entries (callers waiting and call-back
 * requests), the events that drive it and the effects it asks for. Pure: no I/O, no timers, no
 * clock — every event carries `now` (epoch ms) and timers are effects whose firing comes back as
 * an event (`startTimer.fire` is the event to send, with the time it fired).
 */

/** A seat's state. ready/break/loggedOut are set in the panel; ringing/busy/wrapUp by the queue. */
export type SeatState = 'ready' | 'break' | 'loggedOut' | 'ringing' | 'busy' | 'wrapUp';
/** What an operator may set in the panel. */
export type PanelState = 'ready' | 'break' | 'loggedOut';

export type Strategy = 'longestIdle' | 'ringAll' | 'roundRobin';

export interface QueueConfig {
  /** How the next operator is chosen (default longestIdle). */
  strategy: Strategy;
  /** An operator's phone rings this long before the next operator is tried. */
  ringTimeoutSec: number;
  /** After a call the operator stays in wrap-up this long (0 = straight back to ready). */
  wrapUpSec: number;
  /** Position and estimated wait are announced to a waiting caller this often (0 = only on entry). */
  announceIntervalSec: number;
  /** After waiting this long a caller is offered 按1预约回拨 (0 = never; also offered at once when no operator is signed in). */
  callbackOfferAfterSec: number;
  /** Call-back attempts to the citizen (no answer / busy) before it fails finally. */
  callbackAttempts: number;
  /** Back-off before retry n (1-based): callbackBackoffSec × 2^(n-1). */
  callbackBackoffSec: number;
  /** No call-back is originated in this local daily window ('HH:MM'–'HH:MM', may wrap midnight; equal = none). */
  quietStart: string;
  quietEnd: string;
  timeZone: string;
  /** A ring that is not answered (timeout, declined) puts the operator on break instead of back to ready. */
  noAnswerToBreak: boolean;
  /** Handling-time moving average: the last N calls; before any call, defaultHandlingSec. */
  handlingWindow: number;
  defaultHandlingSec: number;
}

export const DEFAULT_QUEUE_CONFIG: QueueConfig = {
  strategy: 'longestIdle',
  ringTimeoutSec: 20,
  wrapUpSec: 30,
  announceIntervalSec: 60,
  callbackOfferAfterSec: 90,
  callbackAttempts: 3,
  callbackBackoffSec: 300,
  quietStart: '21:00',
  quietEnd: '08:00',
  timeZone: 'Asia/Shanghai',
  noAnswerToBreak: false,
  handlingWindow: 20,
  defaultHandlingSec: 180,
};

export interface Operator {
  id: string;
  /** The SIP endpoint to ring, e.g. PJSIP/8001. */
  endpoint: string;
  state: SeatState;
  /** When the operator last became ready (longest-idle order); kept while ringing so a missed ring keeps the place. */
  readySince: number | null;
  /** The entry the operator is ringing for / talking to. */
  entry: string | null;
  /** The live ring (ringing) or wrap-up timer. */
  timerId: string | null;
  /** A panel state asked for while on a call: applied when the call (and wrap-up) ends. */
  after: PanelState | null;
  /** When the current call was bridged (handling time). */
  busySince: number | null;
}

export type Priority = 'urgent' | 'normal';

interface EntryBase {
  /** Caller entries: the call id; call-back entries: 'cb:' + request id. */
  key: string;
  /** Queue order: priority first, then seq (enqueue order). A call-back from a caller keeps the caller's seq. */
  seq: number;
  priority: Priority;
  enqueuedAt: number;
  /** Operators rung for this entry in the current round (skipped until no one else is ready). */
  tried: string[];
  /** The live ring: its id and the operators it rings. */
  ring: { id: string; operators: string[] } | null;
  /** The operator who answered (bridged / call-back being dialed). */
  operator: string | null;
}

export interface CallerEntry extends EntryBase {
  kind: 'caller';
  callId: string;
  phase: 'waiting' | 'ringing' | 'bridged';
  lastAnnouncedAt: number;
  offered: boolean;
}

export interface CallbackEntry extends EntryBase {
  kind: 'callback';
  requestId: string;
  /** The citizen's phone, canonical form. */
  phone: string;
  /** The call the request came from (null for answer call-backs). */
  callId: string | null;
  phase: 'waiting' | 'ringing' | 'dialing' | 'bridged';
  /** Attempts to reach the citizen so far. */
  attempts: number;
  /** Not dispatched before this (retry back-off). */
  notBefore: number;
}

export type Entry = CallerEntry | CallbackEntry;

export interface QueueState {
  /** The last event's time. */
  now: number;
  /** In registration order (round-robin and ties follow it). */
  operators: Operator[];
  /** In queue order (priority, seq). */
  entries: Entry[];
  nextSeq: number;
  /** Ring ids are `r<n>`. */
  nextRing: number;
  /** Round-robin: the operator rung last. */
  lastRung: string | null;
  /** Handling times (s) of the last calls, newest last. */
  handled: number[];
}

/** A persisted call-back request, as `restore` takes it. */
export interface RestoredCallback {
  requestId: string;
  phone: string;
  callId: string | null;
  priority: Priority;
  seq: number;
  enqueuedAt: number;
  attempts: number;
  notBefore: number;
}

export interface RestoredOperator {
  id: string;
  endpoint: string;
  /** The persisted seat state: ringing/busy/wrapUp come back as ready (the calls did not survive). */
  state: SeatState;
  readySince: number | null;
}

export type QueueEvent = { now: number } & (
  | { type: 'operatorState'; operatorId: string; endpoint?: string; state: PanelState }
  | { type: 'enqueue'; callId: string; priority?: Priority }
  | { type: 'callerHangup'; callId: string }
  | { type: 'operatorAnswered'; operatorId: string }
  | { type: 'operatorNoAnswer' | 'operatorDeclined' | 'operatorUnregistered'; operatorId: string }
  /** The operator's leg ended (after answering). */
  | { type: 'operatorHangup'; operatorId: string }
  | { type: 'ringTimeout'; ringId: string }
  /** The bridge of this entry ended (either side, the adapter does not know which). */
  | { type: 'callEnded'; key: string }
  | { type: 'wrapUpDone'; operatorId: string; timerId: string }
  /** The caller chose 按1 (callId in the queue: keeps the place), or an answer call-back (no callId: joins the end). */
  | { type: 'callbackRequested'; requestId: string; phone: string; callId?: string; priority?: Priority }
  | { type: 'callbackAnswered' | 'callbackNoAnswer' | 'callbackBusy'; requestId: string }
  | { type: 'callbackCancelled'; requestId: string }
  | { type: 'tick' }
  | { type: 'restore'; operators: RestoredOperator[]; callbacks: RestoredCallback[] }
);

/** The event a timer sends back when it fires (plus `now`). */
export type TimerFire =
  | { type: 'ringTimeout'; ringId: string }
  | { type: 'wrapUpDone'; operatorId: string; timerId: string };

export type QueueEffect =
  /** Ring this operator for this entry (caller: the caller then hears ring-back; call-back: the screen pops the request). */
  | { type: 'ringOperator'; ringId: string; key: string; operatorId: string; endpoint: string; kind: Entry['kind'] }
  | { type: 'cancelRing'; ringId: string; operatorId: string }
  | { type: 'startTimer'; timerId: string; ms: number; fire: TimerFire }
  | { type: 'cancelTimer'; timerId: string }
  /** Bridge the entry's citizen leg (the caller, or the call-back leg) with the operator's answered leg. */
  | { type: 'bridge'; key: string; operatorId: string }
  /** Tell the waiting caller their position (1 = next) and estimated wait (s; null: no operator signed in). */
  | { type: 'announce'; callId: string; position: number; estimateSec: number | null }
  | { type: 'offerCallback'; callId: string }
  /** A call-back request is queued (persist it; the caller may be told and hung up). */
  | { type: 'callbackQueued'; requestId: string; callId: string | null; phone: string; seq: number; position: number }
  /** The operator answered for a call-back: dial the citizen. */
  | { type: 'originateCallback'; requestId: string; phone: string; operatorId: string; attempt: number }
  /** Stop dialing the citizen (the operator hung up). */
  | { type: 'cancelCallback'; requestId: string }
  | { type: 'callbackRetry'; requestId: string; attempt: number; nextAttemptAt: number; result: 'noAnswer' | 'busy' }
  | { type: 'callbackFailed'; requestId: string; phone: string; attempts: number; result: 'noAnswer' | 'busy' }
  | { type: 'callbackDone'; requestId: string }
  /** Hang up the entry's citizen leg (the caller, or the call-back leg): the operator hung up on a bridged call. */
  | { type: 'hangupCaller'; key: string; reason: 'operatorHangup' }
  /** Hang up the operator's leg (the citizen left, or a call-back found no one). */
  | { type: 'releaseOperator'; operatorId: string; reason: 'callerHangup' | 'callbackNoAnswer' | 'callbackBusy' | 'cancelled' }
  /** A seat state changed (persist seat_state, push to the panel/wallboard). */
  | { type: 'seatState'; operatorId: string; state: SeatState }
  /** Metrics: a caller or call-back reached an operator after waiting this long. */
  | { type: 'answered'; key: string; waitedSec: number }
  /** Metrics: a caller hung up before reaching an operator. */
  | { type: 'abandoned'; callId: string; waitedSec: number };

export interface StepResult {
  state: QueueState;
  effects: QueueEffect[];
}
