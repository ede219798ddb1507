/** The SQLite store: one object with a repository per concern. SQL lives only under src/store/. */
import { openDb, type Db, type OpenOptions } from './db.js';
import { SqliteDepartmentRepo } from './repos/departments.js';
import { SqliteDeclarationRepo } from './repos/declarations.js';
import { SqliteFeedbackRepo } from './repos/feedback.js';
import { SqliteSubscriptionRepo } from './repos/subscriptions.js';
import { SqliteAuditRepo } from './repos/audit.js';
import type { TransactionRunner } from '../domain/ports.js';
import { BackgroundCheckpointer } from './checkpointer.js';

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

  /** Set when WAL checkpoints run in a worker thread (see checkpointer.ts). */
  checkpointer: BackgroundCheckpointer | null = null;

  static open(file: string, opts?: OpenOptions): Store {
    const store = new Store(openDb(file, opts));
    if (opts?.checkpoint === 'background' && file !== ':memory:') {
      store.checkpointer = new BackgroundCheckpointer(store.db, file);
      store.checkpointer.start();
    }
    return store;
  }

  transaction<T>(fn: () => T): T {
    // better-sqlite3 turns nested transaction() calls into savepoints.
    return this.db.transaction(fn)();
  }

  /**
   * Bytes the database can still grow by under SQLite's own page limit (PRAGMA max_page_count, free
   * pages included). The disk's free space is the other limit (src/store/health.ts reads it).
   */
  headroomBytes(): number {
    const n = (p: string) => this.db.pragma(p, { simple: true }) as number;
    return (n('max_page_count') - n('page_count') + n('freelist_count')) * n('page_size');
  }

  healthy(): boolean {
    try { return this.db.prepare('SELECT 1').pluck().get() === 1; } catch { return false; }
  }

  close(): void {
    if (this.checkpointer) { void this.checkpointer.stop(); this.checkpointer = null; }
    if (this.db.open) this.db.close();
  }
}
