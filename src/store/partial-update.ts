/**
 * UPDATE of a chosen subset of columns with prepared statements cached per column set. Column names
 * come only from the fixed field → column map given at construction, never from input.
 */
import type { Db } from './db.js';

export class PartialUpdate {
  private readonly cache = new Map<string, ReturnType<Db['prepare']>>();
  constructor(private readonly db: Db, private readonly table: string, private readonly columns: Readonly<Record<string, string>>) {}

  run(id: number, fields: object, now: string): void {
    const keys = Object.keys(fields).filter((k) => k in this.columns).sort();
    const sig = keys.join(',');
    let stmt = this.cache.get(sig);
    if (!stmt) {
      const sets = keys.map((k) => `${this.columns[k]} = @${k}`).concat('updated_at = @now').join(', ');
      stmt = this.db.prepare(`UPDATE ${this.table} SET ${sets} WHERE id = @id`);
      this.cache.set(sig, stmt);
    }
    const params: Record<string, unknown> = { id, now };
    for (const k of keys) params[k] = (fields as Record<string, unknown>)[k] ?? null;
    stmt.run(params);
  }
}
