/**
 * The SQLite store (the default engine): one object with an async repository per concern (ports.ts),
 * on one better-sqlite3 connection behind the gate (sqlite/gate.ts). SQL lives only under src/store/.
 */
import { migrate, openDb, type Db, type OpenOptions } from './db.js';
import { SqliteDepartmentRepo } from './repos/departments.js';
import { SqliteDeclarationRepo } from './repos/declarations.js';
import { SqliteFeedbackRepo } from './repos/feedback.js';
import { SqliteSubscriptionRepo } from './repos/subscriptions.js';
import { SqliteAuditRepo } from './repos/audit.js';
import { SqliteAdminQueries, SqliteStaffRepo } from './repos/staff.js';
import { SqliteCallRepo } from './repos/calls.js';
import { SqliteSmsRepo } from './repos/sms.js';
import { SqliteRetentionRepo } from './repos/retention.js';
import { SqliteInstanceRepo } from './repos/instances.js';
import { SqliteWorkOrderRepo } from './repos/work-orders.js';
import { SqliteCallQueueRepo } from './repos/call-queue.js';
import { SqliteMailRepo } from './repos/mail.js';
import { SqliteWebRepo } from './repos/web.js';
import { BackgroundCheckpointer } from './checkpointer.js';
import { gated, SqliteGate } from './sqlite/gate.js';
import type {
  AdminQueryStore, AuditStore, CallStore, DataStore, InstanceStore, DeclarationStore, DepartmentStore, FeedbackStore, RetentionStore, SmsStore, StaffStore, SubscriptionStore, WorkOrderStore, CallQueueStore, MailStore, WebStore,
} from './ports.js';

export { openDb, migrate, schemaVersion, LATEST_VERSION, SchemaTooNewError } from './db.js';
export type { Db } from './db.js';
export type * from './ports.js';

/** The synchronous repositories (inside src/store, and for tests that inspect the file). */
export interface SqliteRepos {
  departments: SqliteDepartmentRepo; declarations: SqliteDeclarationRepo; feedback: SqliteFeedbackRepo; subscriptions: SqliteSubscriptionRepo;
  audit: SqliteAuditRepo; staff: SqliteStaffRepo; adminQueries: SqliteAdminQueries; calls: SqliteCallRepo; sms: SqliteSmsRepo; retention: SqliteRetentionRepo; instances: SqliteInstanceRepo;
  workOrders: SqliteWorkOrderRepo; callQueue: SqliteCallQueueRepo; mail: SqliteMailRepo; web: SqliteWebRepo;
}

export class Store implements DataStore {
  readonly engine = 'sqlite' as const;
  readonly departments: DepartmentStore;
  readonly declarations: DeclarationStore;
  readonly feedback: FeedbackStore;
  readonly subscriptions: SubscriptionStore;
  readonly audit: AuditStore;
  readonly staff: StaffStore;
  readonly adminQueries: AdminQueryStore;
  readonly calls: CallStore;
  readonly sms: SmsStore;
  readonly retention: RetentionStore;
  readonly instances: InstanceStore;
  readonly workOrders: WorkOrderStore;
  readonly callQueue: CallQueueStore;
  readonly mail: MailStore;
  readonly web: WebStore;
  /** The synchronous repositories under the gate (store-internal batch work, tests). */
  readonly sync: SqliteRepos;
  readonly gate: SqliteGate;
  private lastHealthy = true;

  constructor(readonly db: Db, readonly location = ':memory:') {
    this.gate = new SqliteGate(db);
    const s: SqliteRepos = {
      departments: new SqliteDepartmentRepo(db), declarations: new SqliteDeclarationRepo(db), feedback: new SqliteFeedbackRepo(db),
      subscriptions: new SqliteSubscriptionRepo(db), audit: new SqliteAuditRepo(db), staff: new SqliteStaffRepo(db),
      adminQueries: new SqliteAdminQueries(db), calls: new SqliteCallRepo(db), sms: new SqliteSmsRepo(db), retention: new SqliteRetentionRepo(db), instances: new SqliteInstanceRepo(db),
      workOrders: new SqliteWorkOrderRepo(db), callQueue: new SqliteCallQueueRepo(db), mail: new SqliteMailRepo(db), web: new SqliteWebRepo(db),
    };
    this.sync = s;
    const g = this.gate;
    this.departments = gated(s.departments, g);
    this.declarations = gated(s.declarations, g);
    this.feedback = gated(s.feedback, g);
    this.subscriptions = gated(s.subscriptions, g);
    this.audit = gated(s.audit, g);
    this.staff = gated(s.staff, g);
    this.adminQueries = gated(s.adminQueries, g);
    this.calls = gated(s.calls, g);
    const sms = gated(s.sms, g) as SmsStore;
    Object.defineProperty(sms, 'onRefWrap', { get: () => s.sms.onRefWrap, set: (f) => { s.sms.onRefWrap = f; }, enumerable: true });
    this.sms = sms;
    this.retention = gated(s.retention, g);
    this.instances = gated(s.instances, g);
    this.workOrders = gated(s.workOrders, g);
    this.callQueue = gated(s.callQueue, g);
    this.mail = gated(s.mail, g);
    this.web = gated(s.web, g);
  }

  /** Set when WAL checkpoints run in a worker thread (see checkpointer.ts). */
  checkpointer: BackgroundCheckpointer | null = null;

  static open(file: string, opts?: OpenOptions): Store {
    const store = new Store(openDb(file, opts), file);
    if (opts?.checkpoint === 'background' && file !== ':memory:') {
      store.checkpointer = new BackgroundCheckpointer(store.db, file);
      store.checkpointer.start();
    }
    return store;
  }

  transaction<T>(fn: () => Promise<T>): Promise<T> { return this.gate.transaction(fn); }

  afterCommit(fn: () => void): void { this.gate.afterCommit(fn); }

  /**
   * A synchronous unit of work in one transaction, through the gate (store-internal batch writers: the
   * outbox dispatcher's batched results, inbound parts). Runs now when the connection is free.
   */
  batch<T>(fn: (repos: SqliteRepos) => T): Promise<T> {
    return this.gate.run(() => this.db.transaction(() => fn(this.sync))());
  }

  /**
   * Bytes the database can still grow by under SQLite's own page limit (PRAGMA max_page_count, free
   * pages included). The disk's free space is the other limit (src/store/health.ts reads it).
   */
  headroomBytes(): number | null {
    if (!this.db.open) return null;
    const n = (p: string) => this.db.pragma(p, { simple: true }) as number;
    return (n('max_page_count') - n('page_count') + n('freelist_count')) * n('page_size');
  }

  get isOpen(): boolean { return this.db.open; }

  async prepare(): Promise<void> { /* migrated at open */ }

  healthySync(): boolean {
    try { this.lastHealthy = this.db.prepare('SELECT 1').pluck().get() === 1; } catch { this.lastHealthy = false; }
    return this.lastHealthy;
  }

  async healthy(): Promise<boolean> { return this.healthySync(); }

  async close(): Promise<void> { this.closeSync(); }

  closeSync(): void {
    if (this.checkpointer) { void this.checkpointer.stop(); this.checkpointer = null; }
    if (this.db.open) this.db.close();
  }
}

/** `hotline migrate` on SQLite: apply what is missing; refuses a newer schema (SchemaTooNewError). */
export function migrateSqliteFile(file: string): { from: number; to: number; applied: string[] } {
  const store = Store.open(file, { migrate: false });
  try { return migrate(store.db); } finally { store.closeSync(); }
}
