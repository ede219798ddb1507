/** Small helpers shared by the PostgreSQL repositories. */
import type { Queryable } from '../pool.js';

export async function rows<T = any>(q: Queryable, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await q.query(sql, params)).rows as T[];
}
export async function row<T = any>(q: Queryable, sql: string, params: unknown[] = []): Promise<T | undefined> {
  return (await q.query(sql, params)).rows[0] as T | undefined;
}
export async function changes(q: Queryable, sql: string, params: unknown[] = []): Promise<number> {
  return (await q.query(sql, params)).rowCount ?? 0;
}

/** Raised where SQLite would raise a UNIQUE constraint error, but without aborting the enclosing transaction (ON CONFLICT DO NOTHING). */
export class UniqueViolationError extends Error {
  readonly code = 'UNIQUE';
  constructor(readonly constraint: string) { super(`UNIQUE constraint failed: ${constraint}`); }
}

/** UPDATE of a chosen subset of columns; column names come only from the fixed map, never from input (like ../partial-update.ts). */
export async function partialUpdate(q: Queryable, table: string, columns: Readonly<Record<string, string>>, id: number, fields: object, now: string): Promise<void> {
  const keys = Object.keys(fields).filter((k) => k in columns).sort();
  const params: unknown[] = [id, now];
  const sets = keys.map((k) => { params.push((fields as Record<string, unknown>)[k] ?? null); return `${columns[k]} = $${params.length}`; });
  sets.push('updated_at = $2');
  await q.query(`UPDATE ${table} SET ${sets.join(', ')} WHERE id = $1`, params);
}
