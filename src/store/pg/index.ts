/**
 * The PostgreSQL store (preview, issue 11): a pool and a repository per concern, each with the same
 * methods and arguments as its SQLite twin but returning promises (`implements AsyncOf<Sqlite…>`).
 * Not wired into the server yet: `hotline migrate` uses it when HOTLINE_DATA_URL is a postgres:// URL.
 */
import { createPool, withTransaction, type Pool, type PoolClient } from './pool.js';
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

export { createPool, withTransaction, isPostgresUrl, type Pool, type PoolClient, type Queryable } from './pool.js';
export { migratePg, pgSchemaVersion, PG_LATEST_VERSION } from './migrate.js';
export { UniqueViolationError } from './repos/util.js';
export { PgDepartmentRepo, PgDeclarationRepo, PgFeedbackRepo, PgSubscriptionRepo, PgAuditRepo, PgStaffRepo, PgAdminQueries, PgCallRepo, PgSmsRepo, PgRetentionRepo };

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
  constructor(q: Pool | PoolClient) {
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
  }
}

export class PgStore extends PgRepos {
  private constructor(readonly pool: Pool) { super(pool); }

  static async open(url: string, opts: { migrate?: boolean; max?: number } = {}): Promise<PgStore> {
    const store = new PgStore(createPool(url, { max: opts.max }));
    if (opts.migrate !== false) {
      try { await migratePg(store.pool); } catch (e) { await store.close(); throw e; }
    }
    return store;
  }

  /** fn gets the repositories bound to one transaction (nested calls become savepoints). */
  transaction<T>(fn: (tx: PgRepos) => Promise<T>): Promise<T> {
    return withTransaction(this.pool, (c) => fn(new PgRepos(c)));
  }

  async healthy(): Promise<boolean> {
    try { return (await this.pool.query('SELECT 1 AS one')).rows[0].one === 1; } catch { return false; }
  }

  close(): Promise<void> { return this.pool.end(); }
}

export { notify, PgListener } from './notify.js';
export { PgLeader, LOCK_JOBS } from './leader.js';
