import type { AsyncOf } from '../../async.js';
import type { InstanceRow, SqliteInstanceRepo } from '../../repos/instances.js';
import type { Queryable } from '../pool.js';
import { changes, rows } from './util.js';

export class PgInstanceRepo implements AsyncOf<SqliteInstanceRepo> {
  constructor(private readonly q: Queryable) {}
  async register(id: string, host: string, pid: number, now: string): Promise<void> {
    await this.q.query(`INSERT INTO instances (id, host, pid, started_at, seen_at) VALUES ($1, $2, $3, $4, $4)
      ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at, stopped_at = NULL`, [id, host, pid, now]);
  }
  async heartbeat(id: string, now: string): Promise<boolean> { return (await changes(this.q, 'UPDATE instances SET seen_at = $1 WHERE id = $2 AND stopped_at IS NULL', [now, id])) > 0; }
  async stopped(id: string, now: string): Promise<void> { await this.q.query('UPDATE instances SET stopped_at = $1, seen_at = $1 WHERE id = $2', [now, id]); }
  async live(since: string): Promise<InstanceRow[]> {
    return rows<InstanceRow>(this.q, `SELECT id, host, pid, started_at AS "startedAt", seen_at AS "seenAt", stopped_at AS "stoppedAt" FROM instances
      WHERE stopped_at IS NULL AND seen_at >= $1 ORDER BY started_at`, [since]);
  }
  async purge(before: string): Promise<number> { return changes(this.q, 'DELETE FROM instances WHERE seen_at < $1', [before]); }
}
