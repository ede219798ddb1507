/**
 * The store contract suite runs every case on both engines: SQLite (the SQLite repositories through
 * asyncify) and PostgreSQL (the Pg repositories on a fresh database of the test cluster). Each engine
 * gives the same async repositories plus `sql` for raw setup/inspection in tests.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AsyncOf } from '../../../src/store/async.js';
import { gated } from '../../../src/store/sqlite/gate.js';
import { Store } from '../../../src/store/index.js';
import { SqliteSmsRepo } from '../../../src/store/repos/sms.js';
import type { SqliteAdminQueries, SqliteStaffRepo } from '../../../src/store/repos/staff.js';
import type { SqliteCallRepo } from '../../../src/store/repos/calls.js';
import type { SqliteDepartmentRepo } from '../../../src/store/repos/departments.js';
import type { SqliteDeclarationRepo } from '../../../src/store/repos/declarations.js';
import type { SqliteFeedbackRepo } from '../../../src/store/repos/feedback.js';
import type { SqliteSubscriptionRepo } from '../../../src/store/repos/subscriptions.js';
import type { SqliteAuditRepo } from '../../../src/store/repos/audit.js';
import type { SqliteRetentionRepo } from '../../../src/store/repos/retention.js';
import type { SqliteWorkOrderRepo } from '../../../src/store/repos/work-orders.js';
import type { SqliteCallQueueRepo } from '../../../src/store/repos/call-queue.js';
import type { SqliteMailRepo } from '../../../src/store/repos/mail.js';
import type { SqliteWebRepo } from '../../../src/store/repos/web.js';
import { PgSmsRepo, PgStore } from '../../../src/store/pg/index.js';
import { tempDir } from '../../helpers/context.js';
import { createTestDatabase, pgSkipReason, pgTestUrl } from '../../helpers/pg.js';

export interface Repos {
  departments: AsyncOf<SqliteDepartmentRepo>;
  declarations: AsyncOf<SqliteDeclarationRepo>;
  feedback: AsyncOf<SqliteFeedbackRepo>;
  subscriptions: AsyncOf<SqliteSubscriptionRepo>;
  audit: AsyncOf<SqliteAuditRepo>;
  staff: AsyncOf<SqliteStaffRepo>;
  adminQueries: AsyncOf<SqliteAdminQueries>;
  calls: AsyncOf<SqliteCallRepo>;
  sms: AsyncOf<SqliteSmsRepo>;
  retention: AsyncOf<SqliteRetentionRepo>;
  workOrders: AsyncOf<SqliteWorkOrderRepo>;
  callQueue: AsyncOf<SqliteCallQueueRepo>;
  mail: AsyncOf<SqliteMailRepo>;
  web: AsyncOf<SqliteWebRepo>;
}

export interface Engine extends Repos {
  name: 'sqlite' | 'postgres';
  /** A new SMS repository on the same database (what a restart builds: no in-memory state carried over). */
  freshSms(): AsyncOf<SqliteSmsRepo>;
  /** Set the concat-reference wrap hook on `sms` (a plain property, not part of the async port). */
  onRefWrap(fn: ((phone: string, bits: 8 | 16) => void) | null): void;
  /** The store's transaction: repository calls awaited in fn join it. */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  afterCommit(fn: () => void): void;
  /** Raw SQL for test setup and inspection; `?` placeholders on both engines. */
  sql(text: string, params?: unknown[]): Promise<any[]>;
  close(): Promise<void>;
}

async function sqlite(): Promise<Engine> {
  const dir = tempDir('hotline-contract-');
  const store = Store.open(join(dir, 'c.db'));
  const db = store.db;
  return {
    name: 'sqlite',
    freshSms: () => gated(new SqliteSmsRepo(db), store.gate),
    onRefWrap(fn) { store.sms.onRefWrap = fn; },
    departments: store.departments, declarations: store.declarations, feedback: store.feedback, subscriptions: store.subscriptions,
    audit: store.audit, staff: store.staff, adminQueries: store.adminQueries, calls: store.calls, sms: store.sms, retention: store.retention, workOrders: store.workOrders, callQueue: store.callQueue, mail: store.mail, web: store.web,
    transaction: (fn) => store.transaction(fn),
    afterCommit: (fn) => store.afterCommit(fn),
    async sql(text, params = []) {
      const st = db.prepare(text);
      return st.reader ? st.all(...params) : (st.run(...params), []);
    },
    async close() { await store.close(); rmSync(dir, { recursive: true, force: true }); },
  };
}

async function postgres(): Promise<Engine> {
  const tdb = await createTestDatabase();
  const store = await PgStore.open(tdb.url, { max: 4 });
  return {
    name: 'postgres',
    freshSms: () => new PgSmsRepo(store.ambient),
    transaction: (fn) => store.transaction(() => fn()),
    afterCommit: (fn) => store.afterCommit(fn),
    onRefWrap(fn) { store.sms.onRefWrap = fn; },
    departments: store.departments, declarations: store.declarations, feedback: store.feedback, subscriptions: store.subscriptions,
    audit: store.audit, staff: store.staff, adminQueries: store.adminQueries, calls: store.calls, sms: store.sms, retention: store.retention, workOrders: store.workOrders, callQueue: store.callQueue, mail: store.mail, web: store.web,
    async sql(text, params = []) {
      let i = 0;
      return (await store.pool.query(text.replace(/\?/g, () => `$${++i}`), params)).rows;
    },
    async close() { await store.close(); await tdb.drop(); },
  };
}

/** [name, factory, skip] rows for describe.each: PostgreSQL is skipped (with the reason) when the cluster is not there. */
export const ENGINES: Array<{ name: string; open: () => Promise<Engine>; skip: boolean }> = [
  { name: 'sqlite', open: sqlite, skip: false },
  { name: pgTestUrl ? 'postgres' : `postgres (skipped: ${pgSkipReason})`, open: postgres, skip: !pgTestUrl },
];
