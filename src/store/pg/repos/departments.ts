import type { AsyncOf } from '../../async.js';
import type { SqliteDepartmentRepo } from '../../repos/departments.js';
import type { Department } from '../../../domain/types.js';
import { toDepartment } from '../../rows.js';
import type { Queryable } from '../pool.js';
import { row, rows } from './util.js';

export class PgDepartmentRepo implements AsyncOf<SqliteDepartmentRepo> {
  constructor(private readonly q: Queryable) {}
  withClient(q: Queryable): PgDepartmentRepo { return new PgDepartmentRepo(q); }
  async byId(id: number): Promise<Department | undefined> { const r = await row(this.q, 'SELECT * FROM departments WHERE id = $1', [id]); return r ? toDepartment(r) : undefined; }
  async byCode(code: string): Promise<Department | undefined> { const r = await row(this.q, 'SELECT * FROM departments WHERE code = $1', [code]); return r ? toDepartment(r) : undefined; }
  async byApiKeyHash(hash: string): Promise<Department | undefined> { const r = await row(this.q, 'SELECT * FROM departments WHERE api_key_hash = $1', [hash]); return r ? toDepartment(r) : undefined; }
  async all(): Promise<Department[]> { return (await rows(this.q, 'SELECT * FROM departments ORDER BY code')).map(toDepartment); }
  async insert(code: string, name: string, contactPhone: string | null, keyHash: string | null, keyHint: string | null, now: string): Promise<Department> {
    return toDepartment(await row(this.q, `INSERT INTO departments (code, name, contact_phone, api_key_hash, api_key_hint, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
      [code, name, contactPhone, keyHash, keyHint, now]));
  }
  async setApiKey(id: number, keyHash: string, keyHint: string): Promise<void> { await this.q.query('UPDATE departments SET api_key_hash = $1, api_key_hint = $2 WHERE id = $3', [keyHash, keyHint, id]); }
  async update(id: number, name: string, contactPhone: string | null): Promise<void> { await this.q.query('UPDATE departments SET name = $1, contact_phone = $2 WHERE id = $3', [name, contactPhone, id]); }
}
