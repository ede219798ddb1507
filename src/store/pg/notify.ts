/**
 * Events other instances must see (declaration.changed, a new work order, call events for the live
 * panel) travel by PostgreSQL LISTEN/NOTIFY. One dedicated connection listens; sending is
 * pg_notify(channel, payload) on any connection — inside a transaction it is delivered at commit, so
 * listeners never hear of a change that was rolled back. Payloads are JSON (PostgreSQL limit: 8000 bytes).
 * The bus bridge (event-bridge.ts) uses them.
 */
import type pg from 'pg';
import type { Pool, Queryable } from './pool.js';

export const NOTIFY_PAYLOAD_LIMIT = 7999;

export async function notify(q: Queryable, channel: string, payload: unknown): Promise<void> {
  const text = JSON.stringify(payload);
  if (Buffer.byteLength(text) > NOTIFY_PAYLOAD_LIMIT) throw new Error(`notify ${channel}: payload of ${Buffer.byteLength(text)} bytes exceeds PostgreSQL's limit`);
  await q.query('SELECT pg_notify($1, $2)', [channel, text]);
}

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

export class PgListener {
  private client: pg.PoolClient | null = null;
  private readonly handlers = new Map<string, Set<(payload: unknown) => void>>();
  constructor(private readonly pool: Pool, private readonly onError: (e: Error) => void = () => undefined) {}

  /** Start hearing `channel`; returns a function that stops this handler. */
  async listen(channel: string, handler: (payload: unknown) => void): Promise<() => void> {
    if (!CHANNEL.test(channel)) throw new Error(`bad channel name ${channel}`);
    const c = await this.connection();
    let set = this.handlers.get(channel);
    if (!set) { this.handlers.set(channel, set = new Set()); await c.query(`LISTEN ${channel}`); }
    set.add(handler);
    return () => { set.delete(handler); };
  }

  private async connection(): Promise<pg.PoolClient> {
    if (this.client) return this.client;
    const c = await this.pool.connect();
    c.on('notification', (m) => {
      const hs = this.handlers.get(m.channel);
      if (!hs) return;
      let payload: unknown = m.payload;
      try { payload = m.payload ? JSON.parse(m.payload) : null; } catch { /* not JSON: passed as text */ }
      for (const h of hs) h(payload);
    });
    c.on('error', (e) => { this.onError(e); this.client = null; });
    this.client = c;
    return c;
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    this.handlers.clear();
    if (c) { await c.query('UNLISTEN *').catch(() => undefined); c.release(); }
  }
}
