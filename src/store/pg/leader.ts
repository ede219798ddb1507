/**
 * Scheduled jobs run once across the cluster: the instance holding a session-level advisory lock on
 * its own connection is the leader. Others try again every `retryMs`; when the leader's process or
 * connection dies, PostgreSQL releases the lock and the next try elsewhere takes over.
 * Wired by src/cluster: the job runner asks `isLeader()` at every run.
 */
import type pg from 'pg';
import { LOCK_NAMESPACE } from './migrate.js';
import type { Pool } from './pool.js';

export const LOCK_JOBS = 3;

export class PgLeader {
  private client: pg.PoolClient | null = null;
  private leader = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  constructor(private readonly pool: Pool, private readonly opts: { key?: number; retryMs?: number; onChange?: (leader: boolean) => void } = {}) {}

  isLeader(): boolean { return this.leader; }

  /** One attempt (start() repeats it): true when this instance holds the lock. */
  async tryAcquire(): Promise<boolean> {
    if (this.leader || this.stopped) return this.leader;
    let c = this.client;
    if (!c) {
      c = await this.pool.connect();
      // stop() ran while connecting: hand the connection back (a held one would keep pool.end() waiting).
      if (this.stopped) { c.release(true); return false; }
      c.on('error', () => this.lost());
      this.client = c;
    }
    const r = await c.query('SELECT pg_try_advisory_lock($1, $2) AS ok', [LOCK_NAMESPACE, this.opts.key ?? LOCK_JOBS]);
    // stop() ran during the query: stop() released the connection already (the lock, if taken, went with it).
    if (this.stopped) return false;
    if (r.rows[0].ok) this.set(true);
    return this.leader;
  }

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.tryAcquire().catch(() => this.lost()).finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.opts.retryMs ?? 5000);
      });
    };
    tick();
  }

  private set(v: boolean): void { if (this.leader !== v) { this.leader = v; this.opts.onChange?.(v); } }

  private lost(): void {
    const c = this.client;
    this.client = null;
    this.set(false);
    if (c) c.release(true);
  }

  /** Give up leadership (the lock goes with the connection). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const c = this.client;
    this.client = null;
    this.set(false);
    if (c) c.release(true); // destroy the connection: the session lock is released with it
  }
}
