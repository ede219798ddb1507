/** The call log: calls, their steps, and the per-node funnel counters. Written in batches by the voice channel. */
import type { Db } from '../db.js';
import { voiceSchema } from '../migrations/003_voice.js';

export interface CallRow {
  callId: string;
  direction: 'inbound' | 'outbound';
  flowId: string;
  caller: string;
  called: string;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  durationSec: number | null;
  outcome: string | null;
  outcomes: string | null;
  endReason: string | null;
  lastNode: string | null;
  path: string | null;
  feedbackRef: string | null;
  recovered: boolean;
  /** The server instance that handles the call (src/store/lock.ts newInstanceId); null in old rows. */
  owner?: string | null;
  /** The recording of the caller's talk with an operator (relative to <data dir>/recordings), when queue.record_calls. */
  operatorRecording?: string | null;
}

export interface CallStepRow {
  callId: string;
  at: string;
  node: string;
  kind: 'enter' | 'input' | 'timeout' | 'invalid' | 'hangup';
  detail: string | null;
}

export interface NodeCounter { flowId: string; node: string; kind: string; count: number }

export interface CallLogBatch {
  /** Calls to insert or update (whole rows; last write wins). */
  calls: CallRow[];
  steps: CallStepRow[];
  counters: NodeCounter[];
}

/** Create the voice tables when missing (databases migrated while 003 was a placeholder). Idempotent. */
export function ensureVoiceSchema(db: Db): void {
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'calls'").pluck().get();
  if (!has) db.exec(voiceSchema);
}

function toCall(r: any): CallRow {
  return {
    callId: r.call_id, direction: r.direction, flowId: r.flow_id, caller: r.caller, called: r.called, startedAt: r.started_at,
    answeredAt: r.answered_at ?? null, endedAt: r.ended_at ?? null, durationSec: r.duration_sec ?? null, outcome: r.outcome ?? null,
    outcomes: r.outcomes ?? null, endReason: r.end_reason ?? null, lastNode: r.last_node ?? null, path: r.path ?? null,
    feedbackRef: r.feedback_ref ?? null, recovered: !!r.recovered, owner: r.owner ?? null, operatorRecording: r.operator_recording ?? null,
  };
}

export class SqliteCallRepo {
  private s;
  constructor(private readonly db: Db) {
    ensureVoiceSchema(db);
    this.s = {
      upsert: db.prepare(`INSERT INTO calls (call_id, direction, flow_id, caller, called, started_at, answered_at, ended_at, duration_sec, outcome, outcomes, end_reason, last_node, path, feedback_ref, recovered, owner)
        VALUES (@callId, @direction, @flowId, @caller, @called, @startedAt, @answeredAt, @endedAt, @durationSec, @outcome, @outcomes, @endReason, @lastNode, @path, @feedbackRef, @recovered, @owner)
        ON CONFLICT(call_id) DO UPDATE SET answered_at = excluded.answered_at, ended_at = excluded.ended_at, duration_sec = excluded.duration_sec,
          outcome = excluded.outcome, outcomes = excluded.outcomes, end_reason = excluded.end_reason, last_node = excluded.last_node,
          path = excluded.path, feedback_ref = excluded.feedback_ref, recovered = excluded.recovered`),
      step: db.prepare('INSERT INTO call_steps (call_id, at, node, kind, detail) VALUES (?, ?, ?, ?, ?)'),
      counter: db.prepare(`INSERT INTO ivr_node_counters (flow_id, node, kind, count) VALUES (?, ?, ?, ?)
        ON CONFLICT(flow_id, node, kind) DO UPDATE SET count = count + excluded.count`),
      recent: db.prepare('SELECT * FROM calls ORDER BY started_at DESC, rowid DESC LIMIT ?'),
      byId: db.prepare('SELECT * FROM calls WHERE call_id = ?'),
      operatorRecording: db.prepare('UPDATE calls SET operator_recording = ? WHERE call_id = ?'),
      steps: db.prepare('SELECT * FROM call_steps WHERE call_id = ? ORDER BY id'),
      counters: db.prepare('SELECT flow_id, node, kind, count FROM ivr_node_counters ORDER BY flow_id, node, kind'),
      openOwners: db.prepare('SELECT DISTINCT owner FROM calls WHERE ended_at IS NULL'),
      unfinished: db.prepare(`UPDATE calls SET ended_at = @now, end_reason = 'lost', outcome = COALESCE(outcome, 'abandoned') WHERE ended_at IS NULL AND owner IS @owner`),
      purgeSteps: db.prepare('DELETE FROM call_steps WHERE call_id IN (SELECT call_id FROM calls WHERE started_at < ?)'),
      purgeCalls: db.prepare('DELETE FROM calls WHERE started_at < ?'),
      recordingsBefore: db.prepare('SELECT operator_recording AS path FROM calls WHERE started_at < ? AND operator_recording IS NOT NULL ORDER BY started_at').pluck(),
    };
  }

  /** Write one batch in a single transaction. */
  write(b: CallLogBatch): void {
    if (!b.calls.length && !b.steps.length && !b.counters.length) return;
    this.db.transaction(() => {
      for (const c of b.calls) this.s.upsert.run({ ...c, recovered: c.recovered ? 1 : 0, owner: c.owner ?? null });
      for (const st of b.steps) this.s.step.run(st.callId, st.at, st.node, st.kind, st.detail);
      for (const n of b.counters) if (n.count) this.s.counter.run(n.flowId, n.node, n.kind, n.count);
    })();
  }

  recent(limit: number): CallRow[] { return this.s.recent.all(Math.max(1, Math.min(1000, limit))).map(toCall); }
  /** The operator recording of a call (the call row exists: it was logged when the call came in); false when no such call. */
  setOperatorRecording(callId: string, path: string): boolean { return this.s.operatorRecording.run(path, callId).changes > 0; }
  byId(callId: string): CallRow | undefined { const r = this.s.byId.get(callId); return r ? toCall(r) : undefined; }
  steps(callId: string): CallStepRow[] {
    return (this.s.steps.all(callId) as any[]).map((r) => ({ callId: r.call_id, at: r.at, node: r.node, kind: r.kind, detail: r.detail ?? null }));
  }
  counters(): NodeCounter[] {
    return (this.s.counters.all() as any[]).map((r) => ({ flowId: r.flow_id, node: r.node, kind: r.kind, count: r.count }));
  }
  /**
   * Calls left open by server instances that are gone (crash, kill): ended now as 'lost'. `isGone`
   * decides per owner (null = rows from before owners were recorded); calls of a live instance are
   * never touched.
   */
  closeUnfinished(now: string, isGone: (owner: string | null) => boolean = () => true): number {
    const owners = (this.s.openOwners.all() as { owner: string | null }[]).map((r) => r.owner).filter((o) => isGone(o));
    if (!owners.length) return 0;
    return this.db.transaction(() => owners.reduce((n, owner) => n + this.s.unfinished.run({ now, owner }).changes, 0))();
  }
  /** Retention: the operator recordings (paths under <data>/recordings) of the calls purgeBefore(iso) removes; the caller deletes the files first. */
  operatorRecordingsBefore(iso: string): string[] { return this.s.recordingsBefore.all(iso) as string[]; }
  /** Retention: calls (and their steps) started before `iso`. */
  purgeBefore(iso: string): number {
    return this.db.transaction(() => { this.s.purgeSteps.run(iso); return this.s.purgeCalls.run(iso).changes; })();
  }
}
