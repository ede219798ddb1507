/** Bulk seeding for benchmarks and load tests: many declarations in few transactions. */
import type { Db } from './db.js';

export interface BulkDeclaration { queryCode: string; deptRef: string; itemName: string; applicantName: string; applicantPhone: string; acceptedAt: string; dueAt: string }

export function bulkInsertDeclarations(db: Db, departmentId: number, rows: Iterable<BulkDeclaration>, batch = 20_000): number {
  const stmt = db.prepare(`INSERT INTO declarations (query_code, department_id, dept_ref, item_name, applicant_name, applicant_phone, status, status_at, accepted_at, due_at, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, 'accepted', ?, ?, ?, ?, ?)`);
  let n = 0;
  let buf: BulkDeclaration[] = [];
  const flush = db.transaction((items: BulkDeclaration[]) => {
    for (const r of items) stmt.run(r.queryCode, departmentId, r.deptRef, r.itemName, r.applicantName, r.applicantPhone, r.acceptedAt, r.acceptedAt, r.dueAt, r.acceptedAt, r.acceptedAt);
  });
  for (const r of rows) {
    buf.push(r);
    if (buf.length >= batch) { flush(buf); n += buf.length; buf = []; }
  }
  if (buf.length) { flush(buf); n += buf.length; }
  return n;
}
