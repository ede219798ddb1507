/**
 * Call log and funnel: one row per call, the node path with the inputs, per-node counters
 * (entries, inputs, timeouts, invalid inputs, hang-ups) from the engine's `log` actions, and the
 * live events for the panel ('call.updated' on every node or state change, 'call.ended').
 *
 * Writes are buffered and flushed in one transaction every `flushMs` (and on stop), so store work
 * never sits between an ARI event and the next REST request: everything an ARI event handler calls
 * here is synchronous and in memory; only flush, start, recentCalls and a late feedbackRef touch the
 * store (async). Flushes run one after another (a row written later never lands before an earlier one).
 * Inputs (query codes) are stored in the call log (staff only) but never logged with the caller.
 */
import type { Infra } from '../../context.js';
import { maskPhone } from '../../domain/masking.js';
import type { CallRow, CallStepRow, NodeCounter } from '../../store/repos/calls.js';
import type { CallStore } from '../../store/ports.js';
import type { LogKind } from '../flow/index.js';
import { instanceMayBeAlive } from '../../store/lock.js';
import { hostname } from 'node:os';

import type { CallView, CallRecord as PanelCallRecord } from '../../admin/sms-port.js';
export type { CallView };

/** An ended (or live) call for the panel (src/admin/sms-port.ts CallRecord), with what the voice channel knows besides. */
export interface CallRecord extends PanelCallRecord {
  direction?: string;
  flowId?: string;
  feedbackRef?: string | null;
}

interface LiveCall extends CallRow {
  startMs: number;
  node: string;
  state: string;
  pathList: string[];
}

const PATH_CAP = 200;
/** Call steps kept in memory while the store cannot write (full disk); older ones are dropped beyond this. */
const MAX_BUFFERED_STEPS = 20_000;

/** The call's outcome from the engine's outcomes and how it ended. */
export function classifyOutcome(outcomes: readonly string[], endReason: string | null, extra: { satisfaction?: boolean } = {}): string {
  if (outcomes.includes('transferred')) return 'transferred';
  if (outcomes.includes('feedback_submitted')) return 'complaint_recorded';
  if (extra.satisfaction) return 'callback_answered';
  if (outcomes.includes('subscribed')) return 'subscribed';
  if (outcomes.includes('status_read')) return 'status_read';
  if (endReason === 'flow-error' || endReason === 'no-flow') return 'failed';
  if (endReason === 'caller' || endReason === 'lost' || endReason === 'no-answer') return 'abandoned';
  return 'completed';
}

export class CallLog {
  private readonly live = new Map<string, LiveCall>();
  private dirty = new Map<string, CallRow>();
  private steps: CallStepRow[] = [];
  private counters = new Map<string, NodeCounter>();
  private timer: NodeJS.Timeout | null = null;
  /** The flush in progress (flushes are chained, never concurrent). */
  private writing: Promise<void> | null = null;
  private readonly nodeTotal;
  private readonly callsTotal;

  constructor(private readonly ctx: Infra, private readonly repo: CallStore, private readonly flushMs = 500) {
    this.nodeTotal = ctx.metrics.counter('hotline_ivr_node_total', 'IVR funnel: node entries, inputs, timeouts, invalid inputs and hang-ups per flow node');
    this.callsTotal = ctx.metrics.counter('hotline_voice_calls_total', 'Calls ended, by outcome');
  }

  /** Retention: calls (and their steps) that ended before `iso`. */
  purgeEndedBefore(iso: string): Promise<number> { return this.repo.purgeBefore(iso); }

  async start(): Promise<void> {
    await this.closeUnfinished();
    // Counters survive restarts: seed the in-memory Prometheus counter with the persisted totals.
    for (const c of await this.repo.counters()) this.nodeTotal.inc({ flow: c.flowId, node: c.node, kind: c.kind }, c.count);
    this.ctx.metrics.gauge('hotline_voice_active_calls', 'Calls in progress', () => this.live.size);
    this.timer = setInterval(() => {
      this.flush().catch((e) => this.ctx.log.child('voice').error('call log flush failed', { error: (e as Error).message }));
    }, this.flushMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  /**
   * Calls an earlier run left open are marked lost. On a full disk at start they stay open until the
   * next start. On PostgreSQL other hosts' instances share the database and may be running: only
   * calls of this host's dead instances (and rows without an owner) are closed — a crashed host's
   * calls are closed when it starts again.
   */
  private async closeUnfinished(): Promise<void> {
    try {
      // Only calls of instances that are gone: never those of a live server (even one sharing the database by mistake).
      const self = this.ctx.instance;
      const shared = this.ctx.store.engine === 'postgres';
      const isGone = (owner: string | null): boolean => {
        if (owner === self) return false;
        if (owner === null) return true;
        if (shared && owner.split('/')[0] !== hostname()) return false;
        return !instanceMayBeAlive(owner, self);
      };
      const lost = await this.repo.closeUnfinished(this.ctx.now().toISOString(), isGone);
      if (lost) this.ctx.log.child('voice').warn(`${lost} call(s) left open by an earlier run marked lost`);
    } catch (e) {
      if (!this.ctx.storage.failure(e, 'voice call log start')) throw e;
    }
  }

  /**
   * A queued call's operator recording is saved: note it on the call row. The row may still be in
   * the buffer (a call shorter than the flush interval), so what is buffered is written first.
   */
  async setOperatorRecording(callId: string, path: string): Promise<boolean> {
    await this.flush();
    return this.repo.setOperatorRecording(callId, path);
  }

  /**
   * Write what is buffered (one transaction). Never rejects (failures are logged, or kept for the
   * next flush on a full disk). A flush asked for while one is writing follows it.
   */
  flush(): Promise<void> {
    const p = this.writing ? this.writing.then(() => this.writeBuffered()) : this.writeBuffered();
    this.writing = p;
    void p.finally(() => { if (this.writing === p) this.writing = null; });
    return p;
  }

  private async writeBuffered(): Promise<void> {
    if (!this.dirty.size && !this.steps.length && !this.counters.size) return;
    const batch = { calls: [...this.dirty.values()], steps: this.steps, counters: [...this.counters.values()] };
    this.dirty = new Map();
    this.steps = [];
    this.counters = new Map();
    try {
      await this.repo.write(batch);
      this.ctx.storage.success();
    } catch (e) {
      if (!this.ctx.storage.failure(e, 'voice call log')) {
        this.ctx.log.child('voice').error('call log write failed', { error: (e as Error).message, calls: batch.calls.length, steps: batch.steps.length });
        return;
      }
      // Full disk: keep the batch for the next flush (newer rows win; steps bounded), the calls go on.
      for (const c of batch.calls) if (!this.dirty.has(c.callId)) this.dirty.set(c.callId, c);
      this.steps = batch.steps.concat(this.steps).slice(-MAX_BUFFERED_STEPS);
      for (const n of batch.counters) {
        const key = `${n.flowId}\0${n.node}\0${n.kind}`;
        const cur = this.counters.get(key);
        if (cur) cur.count += n.count; else this.counters.set(key, n);
      }
    }
  }

  private touch(c: LiveCall): void {
    const { startMs: _s, node: _n, state: _st, pathList: _p, ...row } = c;
    this.dirty.set(c.callId, { ...row, path: c.pathList.join('>'), lastNode: c.node || null });
  }

  /** Full caller number: the panel masks for display (src/admin/sms-port.ts). */
  private view(c: LiveCall): CallView {
    return { callId: c.callId, caller: c.caller, node: c.node, startedAt: c.startedAt, state: c.state };
  }

  /** Bus events reach every live-panel client: the caller is masked. */
  private publish(c: LiveCall): void {
    this.ctx.bus.emit('call.updated', { ...this.view(c), caller: maskPhone(c.caller), direction: c.direction, flowId: c.flowId });
  }

  started(o: { callId: string; direction: 'inbound' | 'outbound'; flowId: string; caller: string; called: string; state?: string }): void {
    const now = this.ctx.now();
    const c: LiveCall = {
      callId: o.callId, direction: o.direction, flowId: o.flowId, caller: o.caller, called: o.called, startedAt: now.toISOString(),
      answeredAt: null, endedAt: null, durationSec: null, outcome: null, outcomes: null, endReason: null, lastNode: null, path: null,
      feedbackRef: null, recovered: false, owner: this.ctx.instance, startMs: now.getTime(), node: '', state: o.state ?? 'ringing', pathList: [],
    };
    this.live.set(o.callId, c);
    this.touch(c);
    this.publish(c);
  }

  answered(callId: string): void {
    const c = this.live.get(callId);
    if (!c || c.answeredAt) return;
    c.answeredAt = this.ctx.now().toISOString();
    c.state = 'answered';
    this.touch(c);
    this.publish(c);
  }

  state(callId: string, state: string): void {
    const c = this.live.get(callId);
    if (!c || c.state === state) return;
    c.state = state;
    this.publish(c);
  }

  recovered(callId: string): void {
    const c = this.live.get(callId);
    if (!c) return;
    c.recovered = true;
    this.touch(c);
  }

  async feedbackRef(callId: string, ref: string): Promise<void> {
    const c = this.live.get(callId);
    if (c) { c.feedbackRef = ref; this.touch(c); return; }
    // The feedback of a call that already ended (hang-up during the recording): update the stored row.
    let row = this.dirty.get(callId);
    if (!row) {
      if (this.writing) await this.writing; // its row may be in the batch being written
      row = this.dirty.get(callId) ?? await this.repo.byId(callId);
    }
    if (row) this.dirty.set(callId, { ...(this.dirty.get(callId) ?? row), feedbackRef: ref, outcome: 'complaint_recorded' });
  }

  /** One engine `log` action: a step in the call log, a funnel count, and on 'enter' a live node change. */
  step(callId: string, flowId: string, nodeId: string, kind: LogKind, detail?: string): void {
    const node = nodeId || '(flow)';
    const key = `${flowId}\0${node}\0${kind}`;
    const n = this.counters.get(key);
    if (n) n.count++;
    else this.counters.set(key, { flowId, node, kind, count: 1 });
    this.nodeTotal.inc({ flow: flowId, node, kind });
    const c = this.live.get(callId);
    if (!c) return;
    this.steps.push({ callId, at: this.ctx.now().toISOString(), node, kind, detail: detail === undefined ? null : detail.slice(0, 200) });
    if (kind === 'enter') {
      c.node = node;
      c.pathList.push(node);
      if (c.pathList.length > PATH_CAP) c.pathList.splice(0, c.pathList.length - PATH_CAP);
      this.touch(c);
      this.publish(c);
    }
  }

  /** The call is over; returns its outcome. */
  ended(callId: string, o: { outcomes: readonly string[]; endReason: string | null; satisfaction?: boolean }): string {
    const c = this.live.get(callId);
    if (!c) return 'unknown';
    this.live.delete(callId);
    const now = this.ctx.now();
    c.endedAt = now.toISOString();
    c.durationSec = Math.max(0, Math.round((now.getTime() - c.startMs) / 100) / 10);
    c.outcome = classifyOutcome(o.outcomes, o.endReason, { satisfaction: o.satisfaction });
    c.outcomes = o.outcomes.join(',') || null;
    c.endReason = o.endReason;
    c.state = 'ended';
    this.touch(c);
    this.callsTotal.inc({ outcome: c.outcome });
    this.ctx.bus.emit('call.ended', { callId, caller: maskPhone(c.caller), outcome: c.outcome, durationSec: c.durationSec, node: c.node, direction: c.direction });
    return c.outcome;
  }

  get activeCount(): number { return this.live.size; }

  activeCalls(): CallView[] {
    return [...this.live.values()].map((c) => this.view(c));
  }

  async recentCalls(limit = 50): Promise<CallRecord[]> {
    await this.flush();
    return (await this.repo.recent(limit)).map((r) => ({
      callId: r.callId, caller: r.caller, node: r.lastNode ?? '', startedAt: r.startedAt, state: r.endedAt ? 'ended' : (this.live.get(r.callId)?.state ?? 'active'),
      endedAt: r.endedAt, durationSec: r.durationSec, path: r.path, outcome: r.outcome, direction: r.direction, flowId: r.flowId, feedbackRef: r.feedbackRef,
    }));
  }
}
