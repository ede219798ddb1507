/**
 * The store as the rest of the server sees it: one repository per concern, every method async, and
 * transactions. Two implementations: SQLite (./index.ts, the default: the file in the data dir) and
 * PostgreSQL (./pg, HOTLINE_DATA_URL=postgres://…, for two or more instances). SQL stays in src/store;
 * nothing outside it sees a database handle.
 *
 * The method lists are those of the SQLite repositories (AsyncOf): the PostgreSQL ones
 * `implements AsyncOf<Sqlite…>`, so the compiler proves both engines offer the same calls.
 */
import type { AsyncOf } from './async.js';
import type { SqliteDepartmentRepo } from './repos/departments.js';
import type { SqliteDeclarationRepo } from './repos/declarations.js';
import type { SqliteFeedbackRepo } from './repos/feedback.js';
import type { SqliteSubscriptionRepo } from './repos/subscriptions.js';
import type { SqliteAuditRepo } from './repos/audit.js';
import type { SqliteAdminQueries, SqliteStaffRepo } from './repos/staff.js';
import type { SqliteCallRepo } from './repos/calls.js';
import type { SqliteSmsRepo } from './repos/sms.js';
import type { SqliteRetentionRepo } from './repos/retention.js';
import type { SqliteInstanceRepo } from './repos/instances.js';
import type { SqliteWorkOrderRepo } from './repos/work-orders.js';
import type { SqliteCallQueueRepo } from './repos/call-queue.js';
import type { SqliteMailRepo } from './repos/mail.js';
import type { SqliteWebRepo } from './repos/web.js';
import type { TransactionRunner } from '../domain/ports.js';

export type DepartmentStore = AsyncOf<SqliteDepartmentRepo>;
export type DeclarationStore = AsyncOf<SqliteDeclarationRepo>;
export type FeedbackStore = AsyncOf<SqliteFeedbackRepo>;
export type SubscriptionStore = AsyncOf<SqliteSubscriptionRepo>;
export type AuditStore = AsyncOf<SqliteAuditRepo>;
export type StaffStore = AsyncOf<SqliteStaffRepo>;
export type AdminQueryStore = AsyncOf<SqliteAdminQueries>;
export type CallStore = AsyncOf<SqliteCallRepo>;
export type SmsStore = AsyncOf<SqliteSmsRepo> & {
  /** Called when a recipient's concatenation references wrap within a day (a warning for the log). */
  onRefWrap: ((phone: string, bits: 8 | 16) => void) | null;
};
export type RetentionStore = AsyncOf<SqliteRetentionRepo>;
export type InstanceStore = AsyncOf<SqliteInstanceRepo>;
export type WorkOrderStore = AsyncOf<SqliteWorkOrderRepo>;
/** Operator seats, callers waiting, call-back requests (issue 13). */
export type CallQueueStore = AsyncOf<SqliteCallQueueRepo>;
/** The citizens' mailbox (issue 14): inbound mail, threads, the mail outbox, bounces, e-mail subscriptions. */
export type MailStore = AsyncOf<SqliteMailRepo>;
/** The public web window (issue 14): 办事指南, 公开栏, titles, one-time codes, attachments. */
export type WebStore = AsyncOf<SqliteWebRepo>;

export interface Repositories {
  departments: DepartmentStore;
  declarations: DeclarationStore;
  feedback: FeedbackStore;
  subscriptions: SubscriptionStore;
  audit: AuditStore;
  staff: StaffStore;
  adminQueries: AdminQueryStore;
  calls: CallStore;
  sms: SmsStore;
  retention: RetentionStore;
  instances: InstanceStore;
  workOrders: WorkOrderStore;
  callQueue: CallQueueStore;
  mail: MailStore;
  web: WebStore;
}

export type Engine = 'sqlite' | 'postgres';

export interface DataStore extends Repositories, TransactionRunner {
  readonly engine: Engine;
  /** Where the data lives, for logs (the file, or the URL without its password). */
  readonly location: string;
  /** Reachable and answering. */
  healthy(): Promise<boolean>;
  /** The last health answer without waiting (for /health and the live panel). */
  healthySync(): boolean;
  /** Bytes the database can still grow by under its own limit (SQLite), null when not known (PostgreSQL: the server's business). */
  headroomBytes(): number | null;
  /** Ready to serve: PostgreSQL migrates here (SQLite did at open). */
  prepare(): Promise<void>;
  /** Whether the store is still open. */
  readonly isOpen: boolean;
  close(): Promise<void>;
}
