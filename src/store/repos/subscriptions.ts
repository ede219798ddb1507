import type { Db } from '../db.js';
import type { FeedbackChannel, Subscription } from '../../domain/types.js';
import { toSubscription } from '../rows.js';

export class SqliteSubscriptionRepo {
  private s;
  constructor(db: Db) {
    this.s = {
      active: db.prepare('SELECT * FROM subscriptions WHERE phone = ? AND declaration_id = ? AND ended_at IS NULL'),
      activeFor: db.prepare('SELECT * FROM subscriptions WHERE declaration_id = ? AND ended_at IS NULL ORDER BY id'),
      activeByPhone: db.prepare('SELECT * FROM subscriptions WHERE phone = ? AND ended_at IS NULL ORDER BY id'),
      byId: db.prepare('SELECT * FROM subscriptions WHERE id = ?'),
      insert: db.prepare('INSERT INTO subscriptions (phone, declaration_id, channel, created_at) VALUES (?, ?, ?, ?)'),
      endAll: db.prepare('UPDATE subscriptions SET ended_at = ? WHERE phone = ? AND ended_at IS NULL'),
      endOne: db.prepare('UPDATE subscriptions SET ended_at = ? WHERE phone = ? AND declaration_id = ? AND ended_at IS NULL'),
      optedOut: db.prepare('SELECT 1 FROM opt_outs WHERE phone = ?').pluck(),
      setOptOut: db.prepare('INSERT INTO opt_outs (phone, opted_out_at) VALUES (?, ?) ON CONFLICT(phone) DO NOTHING'),
      clearOptOut: db.prepare('DELETE FROM opt_outs WHERE phone = ?'),
      list: db.prepare(`SELECT s.*, d.query_code FROM subscriptions s JOIN declarations d ON d.id = s.declaration_id ORDER BY s.id DESC LIMIT ? OFFSET ?`),
      optOuts: db.prepare('SELECT phone, opted_out_at AS at FROM opt_outs ORDER BY opted_out_at DESC LIMIT ?'),
    };
  }
  active(phone: string, declarationId: number): Subscription | undefined { const r = this.s.active.get(phone, declarationId); return r ? toSubscription(r) : undefined; }
  activeFor(declarationId: number): Subscription[] { return this.s.activeFor.all(declarationId).map(toSubscription); }
  activeByPhone(phone: string): Subscription[] { return this.s.activeByPhone.all(phone).map(toSubscription); }
  insert(phone: string, declarationId: number, channel: FeedbackChannel, now: string): Subscription {
    const info = this.s.insert.run(phone, declarationId, channel, now);
    return toSubscription(this.s.byId.get(Number(info.lastInsertRowid)));
  }
  end(phone: string, declarationId: number | null, now: string): number {
    return (declarationId === null ? this.s.endAll.run(now, phone) : this.s.endOne.run(now, phone, declarationId)).changes;
  }
  isOptedOut(phone: string): boolean { return !!this.s.optedOut.get(phone); }
  /** Which of these (canonical) phones opted out (TD/退订): one look-up per phone, in the caller's transaction. */
  optedOutAmong(phones: readonly string[]): string[] { return phones.filter((p) => !!this.s.optedOut.get(p)); }
  setOptOut(phone: string, now: string): void { this.s.setOptOut.run(phone, now); }
  clearOptOut(phone: string): void { this.s.clearOptOut.run(phone); }
  list(limit = 100, offset = 0): Array<Subscription & { queryCode: string }> {
    return (this.s.list.all(limit, offset) as Array<Record<string, unknown>>).map((r) => ({ ...toSubscription(r), queryCode: r.query_code as string }));
  }
  optOuts(limit = 100): Array<{ phone: string; at: string }> { return this.s.optOuts.all(limit) as Array<{ phone: string; at: string }>; }
}
