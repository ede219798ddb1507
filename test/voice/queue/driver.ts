/**
 * A driver for the pure queue reducer: compact steps in, compact effect strings out.
 *
 *   const d = new QueueDriver({ strategy: 'ringAll' });
 *   d.run('op a ready');        // operator a (PJSIP/a) signs in
 *   d.run('call c1');           // c1 joins the queue (call c1 urgent: an urgent flow)
 *   d.run('answer a');          // → ['bridge c1 a']
 *
 * Steps: op <id> <ready|break|out> | call <callId> [urgent] | hangup <callId> | answer|noanswer|decline|unreg|ophangup <op> |
 *        timeout <key> (the entry's live ring times out) | end <key> (bridge ended) | wrapped <op> (wrap-up timer fires) |
 *        cb <callId|-> <requestId> (call-back requested; '-' = an answer call-back) | cbanswer|cbnoanswer|cbbusy|cbcancel <requestId> |
 *        wait <sec> (clock advances, then a tick) | tick | at <ISO time> (clock set, then a tick) | restore <json>
 * Effects: ring <op> <key> | cancel-ring <op> | timer ring <rN> <s>s | timer wrap <op> <s>s | untimer ring <rN> | untimer wrap <op> |
 *          bridge <key> <op> | announce <callId> <position> <est>s|? | offer <callId> | queued <req> <position> |
 *          originate <req> <op> <attempt> | cancel-cb <req> | retry <req> <attempt> +<s>s <result> | failed <req> <attempts> <result> |
 *          done <req> | hangup-caller <key> | release <op> <reason> | seat <op> <state> (with seats) |
 *          answered <key> <s>s | abandoned <callId> <s>s (with metrics)
 */
import { DEFAULT_QUEUE_CONFIG, initialQueueState, step, type QueueConfig, type QueueEffect, type QueueEvent, type QueueState } from '../../../src/voice/queue/index.js';

export interface QueueDriverOptions extends Partial<QueueConfig> {
  /** Start time, epoch ms (default 2026-11-26T10:00:00+08:00, a Thursday morning). */
  now?: number;
  /** Show seatState effects (default false). */
  seats?: boolean;
  /** Show answered/abandoned effects (default false). */
  metrics?: boolean;
}

function timerName(id: string): string {
  const [kind, who] = id.split(':');
  return `${kind} ${who}`;
}

export function describeEffect(e: QueueEffect, now: number): string {
  switch (e.type) {
    case 'ringOperator': return `ring ${e.operatorId} ${e.key}`;
    case 'cancelRing': return `cancel-ring ${e.operatorId}`;
    case 'startTimer': return `timer ${timerName(e.timerId)} ${e.ms / 1000}s`;
    case 'cancelTimer': return `untimer ${timerName(e.timerId)}`;
    case 'bridge': return `bridge ${e.key} ${e.operatorId}`;
    case 'announce': return `announce ${e.callId} ${e.position} ${e.estimateSec === null ? '?' : e.estimateSec + 's'}`;
    case 'offerCallback': return `offer ${e.callId}`;
    case 'callbackQueued': return `queued ${e.requestId} ${e.position}`;
    case 'originateCallback': return `originate ${e.requestId} ${e.operatorId} ${e.attempt}`;
    case 'cancelCallback': return `cancel-cb ${e.requestId}`;
    case 'callbackRetry': return `retry ${e.requestId} ${e.attempt} +${(e.nextAttemptAt - now) / 1000}s ${e.result}`;
    case 'callbackFailed': return `failed ${e.requestId} ${e.attempts} ${e.result}`;
    case 'callbackDone': return `done ${e.requestId}`;
    case 'hangupCaller': return `hangup-caller ${e.key}`;
    case 'releaseOperator': return `release ${e.operatorId} ${e.reason}`;
    case 'seatState': return `seat ${e.operatorId} ${e.state}`;
    case 'answered': return `answered ${e.key} ${e.waitedSec}s`;
    case 'abandoned': return `abandoned ${e.callId} ${e.waitedSec}s`;
  }
}

export class QueueDriver {
  state: QueueState;
  clock: number;
  readonly cfg: QueueConfig;
  readonly effects: QueueEffect[] = [];

  constructor(readonly opts: QueueDriverOptions = {}) {
    this.clock = opts.now ?? Date.parse('2026-11-26T10:00:00+08:00');
    this.state = initialQueueState(this.clock);
    const { now: _n, seats: _s, metrics: _m, ...cfg } = opts;
    this.cfg = { ...DEFAULT_QUEUE_CONFIG, ...cfg };
  }

  send(ev: QueueEvent): QueueEffect[] {
    const r = step(this.state, ev, this.cfg);
    this.state = r.state;
    this.effects.push(...r.effects);
    return r.effects;
  }

  private event(step: string): QueueEvent {
    const [verb, a = '', b = ''] = step.trim().split(/\s+/);
    const now = this.clock;
    switch (verb) {
      case 'op': return { type: 'operatorState', operatorId: a, endpoint: `PJSIP/${a}`, state: b === 'out' ? 'loggedOut' : (b as 'ready' | 'break'), now };
      case 'call': return { type: 'enqueue', callId: a, priority: b === 'urgent' ? 'urgent' : 'normal', now };
      case 'hangup': return { type: 'callerHangup', callId: a, now };
      case 'answer': return { type: 'operatorAnswered', operatorId: a, now };
      case 'noanswer': return { type: 'operatorNoAnswer', operatorId: a, now };
      case 'decline': return { type: 'operatorDeclined', operatorId: a, now };
      case 'unreg': return { type: 'operatorUnregistered', operatorId: a, now };
      case 'ophangup': return { type: 'operatorHangup', operatorId: a, now };
      case 'timeout': {
        const ring = this.state.entries.find((e) => e.key === a)?.ring;
        if (!ring) throw new Error(`driver: ${a} is not ringing`);
        return { type: 'ringTimeout', ringId: ring.id, now };
      }
      case 'end': return { type: 'callEnded', key: a, now };
      case 'wrapped': {
        const timerId = this.state.operators.find((o) => o.id === a)?.timerId;
        if (!timerId) throw new Error(`driver: ${a} has no wrap-up timer`);
        return { type: 'wrapUpDone', operatorId: a, timerId, now };
      }
      case 'cb': return { type: 'callbackRequested', requestId: b, phone: '13800138000', ...(a === '-' ? {} : { callId: a }), now };
      case 'cbanswer': return { type: 'callbackAnswered', requestId: a, now };
      case 'cbnoanswer': return { type: 'callbackNoAnswer', requestId: a, now };
      case 'cbbusy': return { type: 'callbackBusy', requestId: a, now };
      case 'cbcancel': return { type: 'callbackCancelled', requestId: a, now };
      case 'wait': this.clock += Number(a) * 1000; return { type: 'tick', now: this.clock };
      case 'tick': return { type: 'tick', now };
      case 'at': this.clock = Date.parse(a); return { type: 'tick', now: this.clock };
      case 'restore': {
        const body = JSON.parse(step.trim().slice('restore'.length)) as Omit<Extract<QueueEvent, { type: 'restore' }>, 'type' | 'now'>;
        return { type: 'restore', ...body, now };
      }
      default: throw new Error(`driver: unknown step "${step}"`);
    }
  }

  run(step: string): string[] {
    const effects = this.send(this.event(step));
    return effects
      .filter((e) => (this.opts.seats || e.type !== 'seatState') && (this.opts.metrics || (e.type !== 'answered' && e.type !== 'abandoned')))
      .map((e) => describeEffect(e, this.clock));
  }

  script(steps: string[]): string[][] {
    return steps.map((s) => this.run(s));
  }

  /** Queue order, compact: keys in order with phase. */
  queue(): string[] {
    return this.state.entries.map((e) => `${e.key}:${e.phase}`);
  }

  seat(id: string): string | undefined {
    return this.state.operators.find((o) => o.id === id)?.state;
  }
}
