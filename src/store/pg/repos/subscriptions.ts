import type { AsyncOf } from '../../async.js';
import type { SqliteSubscriptionRepo } from '../../repos/subscriptions.js';
import type { FeedbackChannel, Subscription } from '../../../domain/types.js';
import { toSubscription } from '../../rows.js';
import type { Queryable } from '../pool.js';
import { changes, row, rows } from './util.js';

export class PgSubscriptionRepo implements AsyncOf<SqliteSubscriptionRepo> {
  constructor(private readonly q: Queryable) {}
  withClient(q: Queryable): PgSubscriptionRepo { return new PgSubscriptionRepo(q); }
  async active(phone: string, declarationId: number): Promise<Subscription | undefined> {
    const r = await row(this.q, 'SELECT * FROM subscriptions WHERE phone = $1 AND declaration_id = $2 AND ended_at IS NULL', [phone, declarationId]);
    return r ? toSubscription(r) : undefined;
  }
  async activeFor(declarationId: number): Promise<Subscription[]> {
    return (await rows(this.q, 'SELECT * FROM subscriptions WHERE declaration_id = $1 AND ended_at IS NULL ORDER BY id', [declarationId])).map(toSubscription);
  }
  async activeByPhone(phone: string): Promise<Subscription[]> {
    return (await rows(this.q, 'SELECT * FROM subscriptions WHERE phone = $1 AND ended_at IS NULL ORDER BY id', [phone])).map(toSubscription);
  }
  async insert(phone: string, declarationId: number, channel: FeedbackChannel, now: string): Promise<Subscription> {
    return toSubscription(await row(this.q, 'INSERT INTO subscriptions (phone, declaration_id, channel, created_at) VALUES ($1, $2, $3, $4) RETURNING *', [phone, declarationId, channel, now]));
  }
  async end(phone: string, declarationId: number | null, now: string): Promise<number> {
    return declarationId === null
      ? changes(this.q, 'UPDATE subscriptions SET ended_at = $1 WHERE phone = $2 AND ended_at IS NULL', [now, phone])
      : changes(this.q, 'UPDATE subscriptions SET ended_at = $1 WHERE phone = $2 AND declaration_id = $3 AND ended_at IS NULL', [now, phone, declarationId]);
  }
  async isOptedOut(phone: string): Promise<boolean> { return !!(await row(this.q, 'SELECT 1 FROM opt_outs WHERE phone = $1', [phone])); }
  /** Which of these phones opted out: one query for the whole list (= ANY). */
  async optedOutAmong(phones: readonly string[]): Promise<string[]> {
    if (phones.length === 0) return [];
    const found = new Set((await rows(this.q, 'SELECT phone FROM opt_outs WHERE phone = ANY($1::text[])', [[...phones]])).map((r) => r.phone as string));
    return phones.filter((p) => found.has(p));
  }
  async setOptOut(phone: string, now: string): Promise<void> { await this.q.query('INSERT INTO opt_outs (phone, opted_out_at) VALUES ($1, $2) ON CONFLICT (phone) DO NOTHING', [phone, now]); }
  async clearOptOut(phone: string): Promise<void> { await this.q.query('DELETE FROM opt_outs WHERE phone = $1', [phone]); }
  async list(limit = 100, offset = 0): Promise<Array<Subscription & { queryCode: string }>> {
    const rs = await rows(this.q, `SELECT s.*, d.query_code FROM subscriptions s JOIN declarations d ON d.id = s.declaration_id ORDER BY s.id DESC LIMIT $1 OFFSET $2`, [limit, offset]);
    return rs.map((r) => ({ ...toSubscription(r), queryCode: r.query_code as string }));
  }
  async optOuts(limit = 100): Promise<Array<{ phone: string; at: string }>> {
    return rows(this.q, 'SELECT phone, opted_out_at AS at FROM opt_outs ORDER BY opted_out_at DESC LIMIT $1', [limit]);
  }
}
