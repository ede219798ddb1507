import type { Db } from '../db.js';
import type { Department } from '../../domain/types.js';
import { toDepartment } from '../rows.js';

export class SqliteDepartmentRepo {
  private s;
  constructor(private db: Db) {
    this.s = {
      byId: db.prepare('SELECT * FROM departments WHERE id = ?'),
      byCode: db.prepare('SELECT * FROM departments WHERE code = ?'),
      byKeyHash: db.prepare('SELECT * FROM departments WHERE api_key_hash = ?'),
      all: db.prepare('SELECT * FROM departments ORDER BY code'),
      insert: db.prepare('INSERT INTO departments (code, name, contact_phone, api_key_hash, api_key_hint, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
      setKey: db.prepare('UPDATE departments SET api_key_hash = ?, api_key_hint = ? WHERE id = ?'),
      setContact: db.prepare('UPDATE departments SET name = ?, contact_phone = ? WHERE id = ?'),
    };
  }
  byId(id: number): Department | undefined { const r = this.s.byId.get(id); return r ? toDepartment(r) : undefined; }
  byCode(code: string): Department | undefined { const r = this.s.byCode.get(code); return r ? toDepartment(r) : undefined; }
  byApiKeyHash(hash: string): Department | undefined { const r = this.s.byKeyHash.get(hash); return r ? toDepartment(r) : undefined; }
  all(): Department[] { return this.s.all.all().map(toDepartment); }
  insert(code: string, name: string, contactPhone: string | null, keyHash: string | null, keyHint: string | null, now: string): Department {
    const info = this.s.insert.run(code, name, contactPhone, keyHash, keyHint, now);
    return this.byId(Number(info.lastInsertRowid))!;
  }
  setApiKey(id: number, keyHash: string, keyHint: string): void { this.s.setKey.run(keyHash, keyHint, id); }
  update(id: number, name: string, contactPhone: string | null): void { this.s.setContact.run(name, contactPhone, id); }
}
