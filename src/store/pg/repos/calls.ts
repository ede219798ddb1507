/** The call log on PostgreSQL (see ../../repos/calls.ts). */
import type { AsyncOf } from '../../async.js';
import type { CallLogBatch, CallRow, CallStepRow, NodeCounter, SqliteCallRepo } from '../../repos/calls.js';
import { withTransaction, type Queryable } from '../pool.js';
import { changes, row, rows } from './util.js';

function toCall(r: any): CallRow {
  return {
    callId: r.call_id, direction: r.direction, flowId: r.flow_id, caller: r.caller, called: r.called, startedAt: r.started_at,
    answeredAt: r.answered_at ?? null, endedAt: r.ended_at ?? null, durationSec: r.duration_sec ?? null, outcome: r.outcome ?? null,
    outcomes: r.outcomes ?? null, endReason: r.end_reason ?? null, lastNode: r.last_node ?? null, path: r.path ?? null,
    feedbackRef: r.feedback_ref ?? null, recovered: !!r.recovered, owner: r.owner ?? null, operatorRecording: r.operator_recording ?? null,
  };
}

export class PgCallRepo implements AsyncOf<SqliteCallRepo> {
  constructor(private readonly q: Queryable) {}
  withClient(q: Queryable): PgCallRepo { return new PgCallRepo(q); }

  async write(b: CallLogBatch): Promise<void> {
    if (!b.calls.length && !b.steps.length && !b.counters.length) return;
    await withTransaction(this.q, async (c) => {
      for (const x of b.calls) {
        await c.query(`INSERT INTO calls (call_id, direction, flow_id, caller, called, started_at, answered_at, ended_at, duration_sec, outcome, outcomes, end_reason, last_node, path, feedback_ref, recovered, owner)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
          ON CONFLICT (call_id) DO UPDATE SET answered_at = excluded.answered_at, ended_at = excluded.ended_at, duration_sec = excluded.duration_sec,
            outcome = excluded.outcome, outcomes = excluded.outcomes, end_reason = excluded.end_reason, last_node = excluded.last_node,
            path = excluded.path, feedback_ref = excluded.feedback_ref, recovered = excluded.recovered`,
        [x.callId, x.direction, x.flowId, x.caller, x.called, x.startedAt, x.answeredAt, x.endedAt, x.durationSec, x.outcome, x.outcomes, x.endReason, x.lastNode, x.path, x.feedbackRef, x.recovered ? 1 : 0, x.owner ?? null]);
      }
      if (b.steps.length) {
        // One statement for the batch's steps, in order (identity follows the array order).
        await c.query(`INSERT INTO call_steps (call_id, at, node, kind, detail) SELECT a, b, c, d, e FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS t(a, b, c, d, e, o) ORDER BY o`,
        [b.steps.map((s) => s.callId), b.steps.map((s) => s.at), b.steps.map((s) => s.node), b.steps.map((s) => s.kind), b.steps.map((s) => s.detail)]);
      }
      for (const n of b.counters) {
        if (n.count) await c.query(`INSERT INTO ivr_node_counters (flow_id, node, kind, count) VALUES ($1, $2, $3, $4)
          ON CONFLICT (flow_id, node, kind) DO UPDATE SET count = ivr_node_counters.count + excluded.count`, [n.flowId, n.node, n.kind, n.count]);
      }
    });
  }

  async recent(limit: number): Promise<CallRow[]> { return (await rows(this.q, 'SELECT * FROM calls ORDER BY started_at DESC, ord DESC LIMIT $1', [Math.max(1, Math.min(1000, limit))])).map(toCall); }
  async setOperatorRecording(callId: string, path: string): Promise<boolean> { return (await changes(this.q, 'UPDATE calls SET operator_recording = $1 WHERE call_id = $2', [path, callId])) > 0; }
  async byId(callId: string): Promise<CallRow | undefined> { const r = await row(this.q, 'SELECT * FROM calls WHERE call_id = $1', [callId]); return r ? toCall(r) : undefined; }
  async steps(callId: string): Promise<CallStepRow[]> {
    return (await rows(this.q, 'SELECT * FROM call_steps WHERE call_id = $1 ORDER BY id', [callId])).map((r) => ({ callId: r.call_id, at: r.at, node: r.node, kind: r.kind, detail: r.detail ?? null }));
  }
  async counters(): Promise<NodeCounter[]> {
    return (await rows(this.q, 'SELECT flow_id, node, kind, count FROM ivr_node_counters ORDER BY flow_id, node, kind')).map((r) => ({ flowId: r.flow_id, node: r.node, kind: r.kind, count: r.count }));
  }
  /** Calls left open by server instances that are gone: ended now as 'lost' (`isGone` decides per owner; null = rows without one). */
  async closeUnfinished(now: string, isGone: (owner: string | null) => boolean = () => true): Promise<number> {
    const owners = (await rows<{ owner: string | null }>(this.q, 'SELECT DISTINCT owner FROM calls WHERE ended_at IS NULL')).map((r) => r.owner).filter((o) => isGone(o));
    if (!owners.length) return 0;
    return withTransaction(this.q, async (c) => {
      let n = 0;
      for (const owner of owners) {
        n += await changes(c, `UPDATE calls SET ended_at = $1, end_reason = 'lost', outcome = COALESCE(outcome, 'abandoned') WHERE ended_at IS NULL AND owner IS NOT DISTINCT FROM $2::text`, [now, owner]);
      }
      return n;
    });
  }
  async operatorRecordingsBefore(iso: string): Promise<string[]> {
    return (await rows<{ path: string }>(this.q, 'SELECT operator_recording AS path FROM calls WHERE started_at < $1 AND operator_recording IS NOT NULL ORDER BY started_at', [iso])).map((r) => r.path);
  }

  async purgeBefore(iso: string): Promise<number> {
    return withTransaction(this.q, async (c) => {
      await c.query('DELETE FROM call_steps WHERE call_id IN (SELECT call_id FROM calls WHERE started_at < $1)', [iso]);
      return changes(c, 'DELETE FROM calls WHERE started_at < $1', [iso]);
    });
  }
}
