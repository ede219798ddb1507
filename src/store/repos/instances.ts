/**
 * The running instances (migration 10): each server registers at start, renews `seen_at` every few
 * seconds, and marks itself stopped on an orderly stop. An instance not seen within the lease is gone
 * (killed, its machine down): work it had claimed may be taken over.
 */
import type { Db } from '../db.js';

export interface InstanceRow { id: string; host: string; pid: number; startedAt: string; seenAt: string; stoppedAt: string | null }

export class SqliteInstanceRepo {
  private s;
  constructor(db: Db) {
    this.s = {
      register: db.prepare(`INSERT INTO instances (id, host, pid, started_at, seen_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at, stopped_at = NULL`),
      seen: db.prepare('UPDATE instances SET seen_at = ? WHERE id = ? AND stopped_at IS NULL'),
      stopped: db.prepare('UPDATE instances SET stopped_at = ?, seen_at = ? WHERE id = ?'),
      live: db.prepare(`SELECT id, host, pid, started_at AS startedAt, seen_at AS seenAt, stopped_at AS stoppedAt FROM instances
        WHERE stopped_at IS NULL AND seen_at >= ? ORDER BY started_at`),
      purge: db.prepare('DELETE FROM instances WHERE seen_at < ?'),
    };
  }
  register(id: string, host: string, pid: number, now: string): void { this.s.register.run(id, host, pid, now, now); }
  /** Renew the lease; false when the row is gone or marked stopped. */
  heartbeat(id: string, now: string): boolean { return this.s.seen.run(now, id).changes > 0; }
  stopped(id: string, now: string): void { this.s.stopped.run(now, now, id); }
  /** Instances seen at or after `since` and not stopped. */
  live(since: string): InstanceRow[] { return this.s.live.all(since) as InstanceRow[]; }
  /** Forget instances not seen since `before` (a week, say): the table stays small. */
  purge(before: string): number { return this.s.purge.run(before).changes; }
}
