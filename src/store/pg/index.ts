/**
 * The PostgreSQL store (preview, issue 11): a pool and a repository per concern, each with the same
 * methods and arguments as its SQLite twin but returning promises (`implements AsyncOf<Sqlite…>`).
 * Not wired into the server yet: `hotline migrate` uses it when HOTLINE_DATA_URL is a postgres:// URL.
 */
import { AmbientDb, createPool, type Pool, type PoolClient } from './pool.js';
import type { DataStore } from '../ports.js';
import { migratePg } from './migrate.js';
import { PgDepartmentRepo } from './repos/departments.js';
import { PgDeclarationRepo } from './repos/declarations.js';
import { PgFeedbackRepo } from './repos/feedback.js';
import { PgSubscriptionRepo } from './repos/subscriptions.js';
import { PgAuditRepo } from './repos/audit.js';
import { PgAdminQueries, PgStaffRepo } from './repos/staff.js';
import { PgCallRepo } from './repos/calls.js';
import { PgSmsRepo } from './repos/sms.js';
import { PgRetentionRepo } from './repos/retention.js';
import { PgInstanceRepo } from './repos/instances.js';
import { PgCallQueueRepo } from './repos/call-queue.js';
import { PgWorkOrderRepo } from './repos/work-orders.js';
import { PgMailRepo } from './repos/mail.js';
import { PgWebRepo } from './repos/web.js';

export { AmbientDb, createPool, withTransaction, isPostgresUrl, type Pool, type PoolClient, type Queryable } from './pool.js';
export { migratePg, pgSchemaVersion, PG_LATEST_VERSION } from './migrate.js';
export { UniqueViolationError } from './repos/util.js';
export { PgDepartmentRepo, PgDeclarationRepo, PgFeedbackRepo, PgSubscriptionRepo, PgAuditRepo, PgStaffRepo, PgAdminQueries, PgCallRepo, PgSmsRepo, PgRetentionRepo, PgInstanceRepo, PgWorkOrderRepo, PgCallQueueRepo, PgMailRepo, PgWebRepo };

/** The repositories bound to one Queryable: the pool, or a transaction's client. */
export class PgRepos {
  readonly departments: PgDepartmentRepo;
  readonly declarations: PgDeclarationRepo;
  readonly feedback: PgFeedbackRepo;
  readonly subscriptions: PgSubscriptionRepo;
  readonly audit: PgAuditRepo;
  readonly staff: PgStaffRepo;
  readonly adminQueries: PgAdminQueries;
  readonly calls: PgCallRepo;
  readonly sms: PgSmsRepo;
  readonly retention: PgRetentionRepo;
  readonly instances: PgInstanceRepo;
  readonly workOrders: PgWorkOrderRepo;
  readonly callQueue: PgCallQueueRepo;
  readonly mail: PgMailRepo;
  readonly web: PgWebRepo;
  constructor(q: Pool | PoolClient | AmbientDb) {
    this.departments = new PgDepartmentRepo(q);
    this.declarations = new PgDeclarationRepo(q);
    this.feedback = new PgFeedbackRepo(q);
    this.subscriptions = new PgSubscriptionRepo(q);
    this.audit = new PgAuditRepo(q);
    this.staff = new PgStaffRepo(q);
    this.adminQueries = new PgAdminQueries(q);
    this.calls = new PgCallRepo(q);
    this.sms = new PgSmsRepo(q);
    this.retention = new PgRetentionRepo(q);
    this.instances = new PgInstanceRepo(q);
    this.workOrders = new PgWorkOrderRepo(q);
    this.callQueue = new PgCallQueueRepo(q);
    this.mail = new PgMailRepo(q);
    this.web = new PgWebRepo(q);
  }
}

/**
 * The PostgreSQL store: one pool; the repositories send their SQL through the ambient connection, so a
 * call inside `transaction(fn)` joins that transaction wherever it is made.
 */
export class PgStore extends PgRepos implements DataStore {
  readonly engine = 'postgres' as const;
  readonly ambient: AmbientDb;
  private lastHealthy = true;
  private closed = false;
  private constructor(readonly pool: Pool, ambient: AmbientDb, readonly location: string) { super(ambient); this.ambient = ambient; }

  /** A store on `url`, not yet migrated (no connection is made until the first query): prepare() migrates. */
  static connect(url: string, opts: { max?: number; applicationName?: string; onError?: (e: Error) => void; synchronousCommit?: 'on' | 'off' } = {}): PgStore {
    const pool = createPool(url, { max: opts.max, applicationName: opts.applicationName, onError: opts.onError, synchronousCommit: opts.synchronousCommit });
    return new PgStore(pool, new AmbientDb(pool), redactUrl(url));
  }

  /** A store on `url`; migrates unless told not to (`hotline migrate` does it explicitly). */
  static async open(url: string, opts: { migrate?: boolean; max?: number; applicationName?: string; onError?: (e: Error) => void } = {}): Promise<PgStore> {
    const store = PgStore.connect(url, opts);
    if (opts.migrate !== false) {
      try { await store.prepare(); } catch (e) { await store.close(); throw e; }
    }
    return store;
  }

  /** Migrate (one instance at a time: an advisory lock); refuses a schema newer than this code. */
  async prepare(): Promise<void> { await migratePg(this.pool); }

  /** fn runs in one transaction (nested calls become savepoints); fn also gets the repositories, for code that prefers them explicit. */
  transaction<T>(fn: (tx: PgRepos) => Promise<T>): Promise<T> {
    return this.ambient.transaction(() => fn(this));
  }

  afterCommit(fn: () => void): void { this.ambient.afterCommit(fn); }

  async healthy(): Promise<boolean> {
    try { this.lastHealthy = (await this.pool.query('SELECT 1 AS one')).rows[0].one === 1; } catch { this.lastHealthy = false; }
    return this.lastHealthy;
  }

  healthySync(): boolean {
    void this.healthy();
    return this.lastHealthy && !this.closed;
  }

  headroomBytes(): number | null { return null; }

  get isOpen(): boolean { return !this.closed; }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

/** The URL for logs: its password replaced by ***. */
export function redactUrl(url: string): string {
  try { const u = new URL(url); if (u.password) u.password = '***'; return u.toString(); } catch { return 'postgres://…'; }
}

export { notify, PgListener } from './notify.js';
export { PgLeader, LOCK_JOBS } from './leader.js';
export { PgEventBridge, EVENTS_CHANNEL, SHARED_EVENTS } from './event-bridge.js';
