/** The SQLite store: one object with a repository per concern. SQL lives only under src/store/. */
import { openDb, type Db, type OpenOptions } from './db.js';
import { SqliteDepartmentRepo } from './repos/departments.js';
import { SqliteDeclarationRepo } from './repos/declarations.js';
import { SqliteFeedbackRepo } from './repos/feedback.js';
import { SqliteSubscriptionRepo } from './repos/subscriptions.js';
import { SqliteAuditRepo } from './repos/audit.js';
import type { TransactionRunner } from '../domain/ports.js';

export { openDb, migrate, schemaVersion, LATEST_VERSION, SchemaTooNewError } from './db.js';
export type { Db } from './db.js';

export class Store implements TransactionRunner {
  readonly departments: SqliteDepartmentRepo;
  readonly declarations: SqliteDeclarationRepo;
  readonly feedback: SqliteFeedbackRepo;
  readonly subscriptions: SqliteSubscriptionRepo;
  readonly audit: SqliteAuditRepo;

  constructor(readonly db: Db) {
    this.departments = new SqliteDepartmentRepo(db);
    this.declarations = new SqliteDeclarationRepo(db);
    this.feedback = new SqliteFeedbackRepo(db);
    this.subscriptions = new SqliteSubscriptionRepo(db);
    this.audit = new SqliteAuditRepo(db);
  }

  static open(file: string, opts?: OpenOptions): Store { return new Store(openDb(file, opts)); }

  transaction<T>(fn: () => T): T {
    // better-sqlite3 turns nested transaction() calls into savepoints.
    return this.db.transaction(fn)();
  }

  healthy(): boolean {
    try { return this.db.prepare('SELECT 1').pluck().get() === 1; } catch { return false; }
  }

  close(): void { if (this.db.open) this.db.close(); }
}
