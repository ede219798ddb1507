/**
 * The ACD reducer: step(state, event, config) → { state, effects }. Pure — the input state is not
 * changed (the step works on a copy), time comes in events, timers are effects.
 *
 * After every event the queue dispatches: entries in order (urgent first, then enqueue order) that
 * are waiting — call-back entries only when their back-off is over and it is not quiet hours — get
 * the ready operators the strategy picks among those not yet tried for this entry. An entry that has
 * tried every ready operator waits for the next tick, which starts a new round.
 */
import { estimateWaitSec, recordHandling, signedIn } from './estimate.js';
import { callbackBackoffMs, inCallbackQuietHours } from './quiet-hours.js';
import { choose } from './strategies.js';
import {
  DEFAULT_QUEUE_CONFIG, type CallbackEntry, type CallerEntry, type Entry, type Operator, type PanelState, type QueueConfig,
  type QueueEffect, type QueueEvent, type QueueState, type SeatState, type StepResult,
} from './types.js';

export function initialQueueState(now = 0): QueueState {
  return { now, operators: [], entries: [], nextSeq: 1, nextRing: 1, lastRung: null, handled: [] };
}

function order(e: Entry): [number, number] {
  return [e.priority === 'urgent' ? 0 : 1, e.seq];
}

function insertEntry(s: QueueState, e: Entry): void {
  const [p, q] = order(e);
  const i = s.entries.findIndex((x) => { const [a, b] = order(x); return a > p || (a === p && b > q); });
  if (i < 0) s.entries.push(e); else s.entries.splice(i, 0, e);
}

function removeEntry(s: QueueState, key: string): void {
  s.entries = s.entries.filter((e) => e.key !== key);
}

/** Still queueing (not yet with an operator): counts for positions. */
function queueing(e: Entry): boolean {
  return e.phase === 'waiting' || e.phase === 'ringing';
}

export function positionOf(s: QueueState, key: string): number {
  return s.entries.filter(queueing).findIndex((e) => e.key === key) + 1;
}

class Step {
  readonly effects: QueueEffect[] = [];
  constructor(readonly s: QueueState, readonly cfg: QueueConfig) {}

  get now(): number { return this.s.now; }
  op(id: string): Operator | undefined { return this.s.operators.find((o) => o.id === id); }
  entry(key: string): Entry | undefined { return this.s.entries.find((e) => e.key === key); }
  callback(requestId: string): CallbackEntry | undefined {
    const e = this.entry('cb:' + requestId);
    return e?.kind === 'callback' ? e : undefined;
  }

  seat(o: Operator, state: SeatState): void {
    if (o.state === state) return;
    o.state = state;
    this.effects.push({ type: 'seatState', operatorId: o.id, state });
  }

  /** Back to ready after a ring or call — or to the panel state asked for meanwhile. keepIdle: a missed ring keeps readySince. */
  release(o: Operator, keepIdle: boolean): void {
    o.entry = null;
    o.timerId = null;
    o.busySince = null;
    if (o.after) {
      const after = o.after;
      o.after = null;
      o.readySince = null;
      this.seat(o, after);
      return;
    }
    if (!keepIdle || o.readySince === null) o.readySince = this.now;
    this.seat(o, 'ready');
  }

  startRing(e: Entry, ops: Operator[]): void {
    const ringId = `r${this.s.nextRing++}`;
    e.ring = { id: ringId, operators: ops.map((o) => o.id) };
    e.phase = 'ringing';
    for (const o of ops) {
      o.entry = e.key;
      this.seat(o, 'ringing');
      this.effects.push({ type: 'ringOperator', ringId, key: e.key, operatorId: o.id, endpoint: o.endpoint, kind: e.kind });
      e.tried.push(o.id);
      this.s.lastRung = o.id;
    }
    this.effects.push({ type: 'startTimer', timerId: 'ring:' + ringId, ms: this.cfg.ringTimeoutSec * 1000, fire: { type: 'ringTimeout', ringId } });
  }

  /** The ring for entry e stopped for operator o (missed, declined, unregistered, cancelled). */
  endRing(e: Entry, o: Operator, outcome: 'noAnswer' | 'declined' | 'unregistered' | 'cancelled'): void {
    if (!e.ring) return;
    e.ring.operators = e.ring.operators.filter((id) => id !== o.id);
    if (outcome === 'unregistered' || (outcome !== 'cancelled' && this.cfg.noAnswerToBreak)) {
      o.entry = null; o.timerId = null; o.after = null;
      this.seat(o, 'break');
    } else {
      this.release(o, true);
    }
    if (!e.ring.operators.length) {
      this.effects.push({ type: 'cancelTimer', timerId: 'ring:' + e.ring.id });
      e.ring = null;
      e.phase = 'waiting';
    }
  }

  /** Cancel every live ring of an entry (someone answered, the caller left). */
  cancelRings(e: Entry, except?: string): void {
    if (!e.ring) return;
    for (const id of [...e.ring.operators]) {
      if (id === except) continue;
      const o = this.op(id);
      this.effects.push({ type: 'cancelRing', ringId: e.ring.id, operatorId: id });
      if (o) this.endRing(e, o, 'cancelled');
    }
    if (e.ring && except) {
      this.effects.push({ type: 'cancelTimer', timerId: 'ring:' + e.ring.id });
      e.ring = null;
    }
  }

  /** A bridged call ended: handling time, wrap-up, the entry leaves. */
  finishCall(e: Entry, o: Operator): void {
    const handled = (this.now - (o.busySince ?? this.now)) / 1000 + this.cfg.wrapUpSec;
    this.s.handled = recordHandling(this.s.handled, handled, this.cfg);
    removeEntry(this.s, e.key);
    o.entry = null;
    o.busySince = null;
    if (this.cfg.wrapUpSec > 0) {
      const timerId = `wrap:${o.id}:${this.now}`;
      o.timerId = timerId;
      this.seat(o, 'wrapUp');
      this.effects.push({ type: 'startTimer', timerId, ms: this.cfg.wrapUpSec * 1000, fire: { type: 'wrapUpDone', operatorId: o.id, timerId } });
    } else {
      this.release(o, false);
    }
  }

  eligible(e: Entry, quiet: boolean): boolean {
    if (e.phase !== 'waiting') return false;
    if (e.kind === 'callback') return !quiet && e.notBefore <= this.now;
    return true;
  }

  dispatch(newRound: boolean): void {
    const quiet = inCallbackQuietHours(this.now, this.cfg);
    for (const e of this.s.entries) {
      if (!this.eligible(e, quiet)) continue;
      const ready = this.s.operators.filter((o) => o.state === 'ready');
      if (!ready.length) return;
      let candidates = ready.filter((o) => !e.tried.includes(o.id));
      if (!candidates.length && newRound) { e.tried = []; candidates = ready; }
      const pick = choose(this.cfg.strategy, candidates, this.s.operators, this.s.lastRung);
      if (pick.length) this.startRing(e, pick);
    }
  }

  announce(e: CallerEntry): void {
    const position = positionOf(this.s, e.key);
    e.lastAnnouncedAt = this.now;
    this.effects.push({ type: 'announce', callId: e.callId, position, estimateSec: estimateWaitSec(position, this.s, this.cfg) });
  }

  maybeOffer(e: CallerEntry): void {
    if (e.offered || this.cfg.callbackOfferAfterSec <= 0) return;
    if (this.now - e.enqueuedAt >= this.cfg.callbackOfferAfterSec * 1000 || signedIn(this.s) === 0) {
      e.offered = true;
      this.effects.push({ type: 'offerCallback', callId: e.callId });
    }
  }

  panel(o: Operator, state: PanelState): void {
    switch (o.state) {
      case 'ringing': {
        if (state === 'ready') return;
        const e = o.entry ? this.entry(o.entry) : undefined;
        if (e?.ring) this.effects.push({ type: 'cancelRing', ringId: e.ring.id, operatorId: o.id });
        o.after = state;
        if (e) this.endRing(e, o, 'cancelled');
        return;
      }
      case 'busy':
        o.after = state === 'ready' ? null : state;
        return;
      case 'wrapUp':
        if (o.timerId) this.effects.push({ type: 'cancelTimer', timerId: o.timerId });
        o.timerId = null;
        o.after = state === 'ready' ? null : state;
        this.release(o, false);
        return;
      default:
        if (o.state === state) return;
        o.readySince = state === 'ready' ? this.now : null;
        this.seat(o, state);
    }
  }

  callbackResult(e: CallbackEntry, result: 'noAnswer' | 'busy'): void {
    const o = e.operator ? this.op(e.operator) : undefined;
    if (o) {
      this.effects.push({ type: 'releaseOperator', operatorId: o.id, reason: result === 'busy' ? 'callbackBusy' : 'callbackNoAnswer' });
      this.release(o, false);
    }
    e.operator = null;
    if (e.attempts >= this.cfg.callbackAttempts) {
      removeEntry(this.s, e.key);
      this.effects.push({ type: 'callbackFailed', requestId: e.requestId, phone: e.phone, attempts: e.attempts, result });
      return;
    }
    e.phase = 'waiting';
    e.tried = [];
    e.notBefore = this.now + callbackBackoffMs(e.attempts, this.cfg);
    this.effects.push({ type: 'callbackRetry', requestId: e.requestId, attempt: e.attempts + 1, nextAttemptAt: e.notBefore, result });
  }

  event(ev: QueueEvent): void {
    switch (ev.type) {
      case 'operatorState': {
        let o = this.op(ev.operatorId);
        if (!o) {
          if (!ev.endpoint) return;
          o = { id: ev.operatorId, endpoint: ev.endpoint, state: 'loggedOut', readySince: null, entry: null, timerId: null, after: null, busySince: null };
          this.s.operators.push(o);
        } else if (ev.endpoint) {
          o.endpoint = ev.endpoint;
        }
        this.panel(o, ev.state);
        return this.dispatch(false);
      }
      case 'enqueue': {
        if (this.entry(ev.callId)) return;
        const e: CallerEntry = {
          kind: 'caller', key: ev.callId, callId: ev.callId, seq: this.s.nextSeq++, priority: ev.priority ?? 'normal',
          enqueuedAt: this.now, tried: [], ring: null, operator: null, phase: 'waiting', lastAnnouncedAt: this.now, offered: false,
        };
        insertEntry(this.s, e);
        this.dispatch(false);
        if (e.phase === 'waiting') { this.announce(e); this.maybeOffer(e); }
        return;
      }
      case 'callerHangup': {
        const e = this.entry(ev.callId);
        if (e?.kind !== 'caller') return;
        if (e.phase === 'bridged') {
          const o = e.operator ? this.op(e.operator) : undefined;
          if (o) {
            this.effects.push({ type: 'releaseOperator', operatorId: o.id, reason: 'callerHangup' });
            this.finishCall(e, o);
          } else removeEntry(this.s, e.key);
        } else {
          this.cancelRings(e);
          removeEntry(this.s, e.key);
          this.effects.push({ type: 'abandoned', callId: e.callId, waitedSec: Math.round((this.now - e.enqueuedAt) / 1000) });
        }
        return this.dispatch(false);
      }
      case 'operatorAnswered': {
        const o = this.op(ev.operatorId);
        const e = o?.state === 'ringing' && o.entry ? this.entry(o.entry) : undefined;
        if (!o || !e?.ring) return;
        this.cancelRings(e, o.id);
        e.phase = 'waiting';
        e.operator = o.id;
        o.entry = e.key;
        o.busySince = this.now;
        this.seat(o, 'busy');
        if (e.kind === 'caller') {
          e.phase = 'bridged';
          this.effects.push({ type: 'bridge', key: e.key, operatorId: o.id });
          this.effects.push({ type: 'answered', key: e.key, waitedSec: Math.round((this.now - e.enqueuedAt) / 1000) });
        } else {
          e.phase = 'dialing';
          e.attempts += 1;
          this.effects.push({ type: 'originateCallback', requestId: e.requestId, phone: e.phone, operatorId: o.id, attempt: e.attempts });
        }
        return this.dispatch(false);
      }
      case 'operatorNoAnswer':
      case 'operatorDeclined':
      case 'operatorUnregistered': {
        const o = this.op(ev.operatorId);
        const e = o?.state === 'ringing' && o.entry ? this.entry(o.entry) : undefined;
        if (!o || !e) return;
        this.endRing(e, o, ev.type === 'operatorNoAnswer' ? 'noAnswer' : ev.type === 'operatorDeclined' ? 'declined' : 'unregistered');
        return this.dispatch(false);
      }
      case 'operatorHangup': {
        const o = this.op(ev.operatorId);
        const e = o?.entry ? this.entry(o.entry) : undefined;
        if (!o || !e) return;
        if (o.state === 'ringing') this.endRing(e, o, 'declined');
        else if (e.phase === 'bridged') {
          this.effects.push({ type: 'hangupCaller', key: e.key, reason: 'operatorHangup' });
          this.finishCall(e, o);
        } else if (e.kind === 'callback' && e.phase === 'dialing') {
          // The operator gave up before the citizen answered: the request keeps its place, the attempt does not count.
          this.effects.push({ type: 'cancelCallback', requestId: e.requestId });
          e.attempts -= 1;
          e.phase = 'waiting';
          e.operator = null;
          this.release(o, false);
        }
        return this.dispatch(false);
      }
      case 'ringTimeout': {
        const e = this.s.entries.find((x) => x.ring?.id === ev.ringId);
        if (!e?.ring) return;
        const ringId = e.ring.id;
        for (const id of [...e.ring.operators]) {
          const o = this.op(id);
          this.effects.push({ type: 'cancelRing', ringId, operatorId: id });
          if (o) this.endRing(e, o, 'noAnswer');
        }
        // The timer fired: it needs no cancelling.
        const i = this.effects.findIndex((x) => x.type === 'cancelTimer' && x.timerId === 'ring:' + ringId);
        if (i >= 0) this.effects.splice(i, 1);
        return this.dispatch(false);
      }
      case 'callEnded': {
        const e = this.entry(ev.key);
        const o = e?.operator ? this.op(e.operator) : undefined;
        if (!e || !o || e.phase !== 'bridged') return;
        this.finishCall(e, o);
        return this.dispatch(false);
      }
      case 'wrapUpDone': {
        const o = this.op(ev.operatorId);
        if (o?.state !== 'wrapUp' || o.timerId !== ev.timerId) return;
        this.release(o, false);
        return this.dispatch(false);
      }
      case 'callbackRequested': {
        if (this.entry('cb:' + ev.requestId)) return;
        const from = ev.callId ? this.entry(ev.callId) : undefined;
        const caller = from?.kind === 'caller' && from.phase !== 'bridged' ? from : undefined;
        if (caller) { this.cancelRings(caller); removeEntry(this.s, caller.key); }
        const e: CallbackEntry = {
          kind: 'callback', key: 'cb:' + ev.requestId, requestId: ev.requestId, phone: ev.phone, callId: ev.callId ?? null,
          seq: caller?.seq ?? this.s.nextSeq++, priority: caller?.priority ?? ev.priority ?? 'normal', enqueuedAt: caller?.enqueuedAt ?? this.now,
          tried: [], ring: null, operator: null, phase: 'waiting', attempts: 0, notBefore: this.now,
        };
        insertEntry(this.s, e);
        this.effects.push({ type: 'callbackQueued', requestId: e.requestId, callId: e.callId, phone: e.phone, seq: e.seq, position: positionOf(this.s, e.key) });
        return this.dispatch(false);
      }
      case 'callbackAnswered': {
        const e = this.callback(ev.requestId);
        if (e?.phase !== 'dialing' || !e.operator) return;
        e.phase = 'bridged';
        this.effects.push({ type: 'bridge', key: e.key, operatorId: e.operator });
        this.effects.push({ type: 'callbackDone', requestId: e.requestId });
        this.effects.push({ type: 'answered', key: e.key, waitedSec: Math.round((this.now - e.enqueuedAt) / 1000) });
        return;
      }
      case 'callbackNoAnswer':
      case 'callbackBusy': {
        const e = this.callback(ev.requestId);
        if (e?.phase !== 'dialing') return;
        this.callbackResult(e, ev.type === 'callbackBusy' ? 'busy' : 'noAnswer');
        return this.dispatch(false);
      }
      case 'callbackCancelled': {
        const e = this.callback(ev.requestId);
        if (!e || e.phase === 'bridged') return;
        this.cancelRings(e);
        if (e.phase === 'dialing' && e.operator) {
          const o = this.op(e.operator);
          this.effects.push({ type: 'cancelCallback', requestId: e.requestId });
          if (o) { this.effects.push({ type: 'releaseOperator', operatorId: o.id, reason: 'cancelled' }); this.release(o, false); }
        }
        removeEntry(this.s, e.key);
        return this.dispatch(false);
      }
      case 'tick': {
        this.dispatch(true);
        for (const e of this.s.entries) {
          if (e.kind !== 'caller' || e.phase !== 'waiting') continue;
          const every = this.cfg.announceIntervalSec * 1000;
          if (every > 0 && this.now - e.lastAnnouncedAt >= every) this.announce(e);
          this.maybeOffer(e);
        }
        return;
      }
      case 'restore': {
        this.s.operators = ev.operators.map((r) => {
          const live = r.state === 'ringing' || r.state === 'busy' || r.state === 'wrapUp';
          const state: SeatState = live ? 'ready' : r.state;
          if (state !== r.state) this.effects.push({ type: 'seatState', operatorId: r.id, state });
          return { id: r.id, endpoint: r.endpoint, state, readySince: state === 'ready' ? (live ? this.now : r.readySince ?? this.now) : null, entry: null, timerId: null, after: null, busySince: null };
        });
        this.s.entries = [];
        for (const c of ev.callbacks) {
          insertEntry(this.s, {
            kind: 'callback', key: 'cb:' + c.requestId, requestId: c.requestId, phone: c.phone, callId: c.callId, seq: c.seq,
            priority: c.priority, enqueuedAt: c.enqueuedAt, tried: [], ring: null, operator: null, phase: 'waiting',
            attempts: c.attempts, notBefore: c.notBefore,
          });
        }
        this.s.nextSeq = Math.max(this.s.nextSeq, ...ev.callbacks.map((c) => c.seq + 1));
        return this.dispatch(true);
      }
    }
  }
}

export function step(state: QueueState, event: QueueEvent, cfg: QueueConfig = DEFAULT_QUEUE_CONFIG): StepResult {
  const s: QueueState = structuredClone(state);
  s.now = event.now;
  const st = new Step(s, cfg);
  st.event(event);
  return { state: s, effects: st.effects };
}
