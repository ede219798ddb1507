/** The in-process event bus: typed domain events the channels and the live panel subscribe to. */
import { EventEmitter } from 'node:events';
import type { Declaration, DeclarationEvent, Feedback } from './types.js';
import type { Notice, WorkOrder } from '../workorders/model.js';
import type { SeatState } from '../voice/queue/types.js';

/** The wallboard's figures (issue 13): the call queue now, and today's service level (local day). */
export interface QueueStats {
  at: string;
  /** Callers in the queue now (not yet with an operator), and call-back requests waiting. */
  waiting: number;
  longestWaitSec: number;
  callbacksPending: number;
  /** Operators by seat state (every state present, 0 when none). */
  operators: Record<SeatState, number>;
  /** Today: callers and call-backs that reached an operator, of them within 15 s; callers who hung up waiting. */
  answeredToday: number;
  answeredWithin15sToday: number;
  abandonedToday: number;
  callbacksDoneToday: number;
  callbacksFailedToday: number;
  /** Average handling time (bridged → hang-up) of today's calls, s; null before the first. */
  avgHandlingSec: number | null;
}

/** The screen pop (来电弹屏): an operator's phone rings for a caller or a call-back request. */
export interface SeatOffer {
  staffId: string;
  /** The ARI channel id of the caller (null for a call-back not yet dialled). */
  callId: string | null;
  callbackRequestId: string | null;
  /** Canonical form, unmasked: only the operator's own panel gets it (and the reveal is audited). */
  phone: string;
  /** The flow the caller came from, and how long they waited (s). */
  flow: string | null;
  waitedSec: number;
  at: string;
}

export interface DomainEvents {
  /** A new (not duplicate, not out-of-order) step was applied; statusChanged says whether the status moved. */
  'declaration.changed': { declaration: Declaration; event: DeclarationEvent; previousStatus: Declaration['status'] | null; statusChanged: boolean; created: boolean };
  'feedback.created': { feedback: Feedback };
  'feedback.updated': { feedback: Feedback; action: string; actor: string };
  'feedback.answered': { feedback: Feedback };
  'feedback.reopened': { feedback: Feedback };
  /**
   * A work-order notice to deliver (src/workorders/service.ts), inside the action's transaction: `phone`
   * is the citizen's (interim answer, closing notice) or the department contact's; null when there is none
   * (supervisors, dispatchers: their queues show it). The final answer goes by 'feedback.answered'.
   */
  'workorder.notice': { order: WorkOrder; notice: Notice; phone: string | null; at: string };
  /** Channel/live events (calls, SMS link, outbox); payloads owned by their channels. */
  'call.updated': Record<string, unknown>;
  'call.ended': Record<string, unknown>;
  'sms.link': Record<string, unknown>;
  'sms.outbox': Record<string, unknown>;
  'sms.inbound': Record<string, unknown>;
  'ari.link': Record<string, unknown>;
  'ami.link': Record<string, unknown>;
  /**
   * A seat's state changed: `source` 'panel' — the operator set it (the queue must react), 'queue' —
   * the queue moved it (ringing, busy, wrap-up, back to ready).
   */
  'seat.changed': { staffId: string; state: SeatState; source: 'panel' | 'queue'; callId: string | null; at: string; /** The operator's display name (or login), for the live feed. */ name?: string | null };
  'seat.offer': SeatOffer;
  /** After any queue change (throttled by the emitter to at most one a second). */
  'queue.stats': QueueStats;
  /** Storage state changed (ok / low / full): the live panel's banner. */
  'storage.state': Record<string, unknown>;
}

export type DomainEventName = keyof DomainEvents;

export type TxListener<P> = (payload: P) => void | Promise<void>;

export class EventBus {
  private readonly emitter = new EventEmitter();
  private rethrow: (err: unknown) => boolean = () => false;
  private readonly txListeners = new Map<DomainEventName, Array<TxListener<any>>>();
  private afterCommit: (fn: () => void) => void = (fn) => fn();
  constructor() { this.emitter.setMaxListeners(100); }
  /** Where emitTx defers the ordinary listeners to: the store's afterCommit (set once by the wiring). */
  deferWith(afterCommit: (fn: () => void) => void): void { this.afterCommit = afterCommit; }
  /**
   * A listener that runs inside the emitter's transaction and may write (e.g. queue the SMS pushes of
   * a step): awaited by emitTx, so its writes commit with the change, or neither does.
   */
  onTx<K extends DomainEventName>(name: K, fn: TxListener<DomainEvents[K]>): () => void {
    const list = this.txListeners.get(name) ?? [];
    list.push(fn);
    this.txListeners.set(name, list);
    return () => { const l = this.txListeners.get(name); if (l) l.splice(l.indexOf(fn) >>> 0, 1); };
  }
  /**
   * Emit from inside a transaction: the transactional listeners run now (awaited, in order; a storage
   * error fails the caller's transaction, other errors are reported), the ordinary ones (the live
   * panel, other instances) once the transaction committed — never for a change that was rolled back.
   */
  async emitTx<K extends DomainEventName>(name: K, payload: DomainEvents[K]): Promise<void> {
    for (const fn of [...(this.txListeners.get(name) ?? [])]) {
      try { await fn(payload); } catch (err) {
        if (this.rethrow(err)) throw err;
        this.emitter.emit('listener-error', { name, err });
      }
    }
    this.afterCommit(() => this.emit(name, payload));
  }
  /**
   * Listener errors this predicate accepts are thrown back at the emitter instead of being reported
   * (a failed write must fail the emitter's transaction rather than leave it half done).
   */
  rethrowIf(pred: (err: unknown) => boolean): void { this.rethrow = pred; }
  on<K extends DomainEventName>(name: K, fn: (payload: DomainEvents[K]) => void): () => void {
    const wrapped = (p: DomainEvents[K]) => {
      try { fn(p); } catch (err) {
        if (this.rethrow(err)) throw err;
        this.emitter.emit('listener-error', { name, err });
      }
    };
    this.emitter.on(name, wrapped);
    return () => this.emitter.off(name, wrapped);
  }
  /** Listener failures are reported here (never thrown back at the emitter). */
  onListenerError(fn: (e: { name: string; err: unknown }) => void): void { this.emitter.on('listener-error', fn); }
  emit<K extends DomainEventName>(name: K, payload: DomainEvents[K]): void { this.emitter.emit(name, payload); }
  /**
   * Any event, for the live feed: this instance's, and (unless `local`) those other instances
   * published (emitRemote: a change another server committed on the shared database).
   */
  onAny(fn: (name: DomainEventName, payload: unknown, meta: { remote: boolean }) => void, opts: { local?: boolean } = {}): () => void {
    const offs: Array<() => void> = [];
    for (const n of ALL_EVENTS) offs.push(this.on(n, (p) => fn(n, p, { remote: false })));
    if (!opts.local) {
      const r = (n: DomainEventName, p: unknown) => fn(n, p, { remote: true });
      this.remoteAny.add(r);
      offs.push(() => this.remoteAny.delete(r));
    }
    return () => offs.forEach((o) => o());
  }
  private readonly remoteAny = new Set<(name: DomainEventName, payload: unknown) => void>();
  /**
   * An event another instance committed: only the onAny listeners hear it (the live panel). The
   * ordinary and transactional listeners do not — the instance where it happened did that work once.
   */
  emitRemote(name: DomainEventName, payload: unknown): void {
    for (const fn of [...this.remoteAny]) {
      try { fn(name, payload); } catch (err) { this.emitter.emit('listener-error', { name, err }); }
    }
  }
}

export const ALL_EVENTS: DomainEventName[] = [
  'declaration.changed', 'feedback.created', 'feedback.updated', 'feedback.answered', 'feedback.reopened',
  'call.updated', 'call.ended', 'sms.link', 'sms.outbox', 'sms.inbound', 'ari.link', 'ami.link', 'storage.state',
  'seat.changed', 'seat.offer', 'queue.stats',
];
