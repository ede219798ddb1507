/**
 * SQL shared by both engines' work-order repositories: the column map, row mapping and the inbox
 * queues. Placeholders are written `:name` and turned into SQLite's `@name` or PostgreSQL's `$n`.
 */
import type { AssistPart, PendingExtension, TimelineEntry, WorkOrder } from '../workorders/model.js';
import { toFeedback } from './rows.js';
import type { OrderFact } from '../workorders/assessment.js';

/** Work-order field → column (the feedback item's own fields included: one partial update for both). */
export const WO_COLS: Record<string, string> = {
  kind: 'kind', phone: 'phone', text: 'text', transcript: 'transcript', transcribedBy: 'transcribed_by', transcribedAt: 'transcribed_at',
  status: 'status', departmentId: 'department_id', answer: 'answer', answeredBy: 'answered_by', answeredAt: 'answered_at',
  satisfaction: 'satisfaction', satisfactionAt: 'satisfaction_at', reopenCount: 'reopen_count',
  category: 'category', urgency: 'urgency', address: 'address', summary: 'summary', replyBy: 'reply_by', instruction: 'instruction',
  dispatchedAt: 'dispatched_at', dispatchedBy: 'dispatched_by', signDueAt: 'sign_due_at', signWarnAt: 'sign_warn_at', signedAt: 'signed_at',
  signedBy: 'signed_by', finishDueAt: 'finish_due_at', finishWarnAt: 'finish_warn_at', dueAt: 'due_at', warnAt: 'warn_at',
  returnCount: 'return_count', returnReason: 'return_reason', disputeLevel: 'dispute_level', urgeCount: 'urge_count',
  extensionCount: 'extension_count', interimCount: 'interim_count', parentId: 'parent_id', claimedBy: 'claimed_by',
  closedAt: 'closed_at', closeReason: 'close_reason', escalatedAt: 'escalated_at',
};

export const WO_SELECT = `SELECT f.*, p.name AS dept_name FROM feedback f LEFT JOIN departments p ON p.id = f.department_id`;

export function toWorkOrder(r: any, parts: AssistPart[], extension: PendingExtension | null): WorkOrder {
  return {
    ...toFeedback(r),
    category: r.category ?? null, urgency: r.urgency ?? 'normal', address: r.address ?? null, summary: r.summary ?? null, replyBy: r.reply_by ?? null,
    instruction: r.instruction ?? null, dispatchedAt: r.dispatched_at ?? null, dispatchedBy: r.dispatched_by ?? null,
    signDueAt: r.sign_due_at ?? null, signWarnAt: r.sign_warn_at ?? null, signedAt: r.signed_at ?? null, signedBy: r.signed_by ?? null,
    finishDueAt: r.finish_due_at ?? null, finishWarnAt: r.finish_warn_at ?? null, dueAt: r.due_at ?? null, warnAt: r.warn_at ?? null,
    returnCount: Number(r.return_count ?? 0), returnReason: r.return_reason ?? null, disputeLevel: Number(r.dispute_level ?? 0), urgeCount: Number(r.urge_count ?? 0),
    extensionCount: Number(r.extension_count ?? 0), interimCount: Number(r.interim_count ?? 0), parentId: r.parent_id === null || r.parent_id === undefined ? null : Number(r.parent_id),
    claimedBy: r.claimed_by ?? null, closedAt: r.closed_at ?? null, closeReason: r.close_reason ?? null, escalatedAt: r.escalated_at ?? null,
    parts, extension,
  };
}

export function toPart(r: any): AssistPart {
  return { departmentId: Number(r.department_id), departmentName: r.department_name, instruction: r.instruction ?? null, status: r.status, answer: r.answer ?? null, answeredBy: r.answered_by ?? null, answeredAt: r.answered_at ?? null };
}

export function toPendingExtension(r: any): PendingExtension {
  return { id: Number(r.id), departmentId: Number(r.department_id), requestedBy: r.requested_by, requestedByName: r.requested_by_name, reason: r.reason, days: Number(r.days), requestedAt: r.requested_at };
}

export interface ExtensionRow extends PendingExtension {
  status: 'pending' | 'approved' | 'refused';
  decidedBy: string | null; decidedByName: string | null; decidedAt: string | null; opinion: string | null; newDueAt: string | null;
}
export function toExtension(r: any): ExtensionRow {
  return { ...toPendingExtension(r), status: r.status, decidedBy: r.decided_by ?? null, decidedByName: r.decided_by_name ?? null, decidedAt: r.decided_at ?? null, opinion: r.opinion ?? null, newDueAt: r.new_due_at ?? null };
}

/** Chinese names of the timeline actions written before work orders (intake, the old panel). */
const LEGACY_LABELS: Record<string, string> = {
  created: '登记', transcribed: '转写', assigned: '分派', answered: '答复', reopened: '重办', satisfaction: '回访', classified: '分类', closed: '办结',
};

export function toEntry(r: any, labels: Record<string, string>): TimelineEntry {
  return {
    action: r.action, label: labels[r.action] ?? LEGACY_LABELS[r.action] ?? r.action, actor: r.actor, actorName: r.actor_name ?? r.actor,
    departmentId: r.department_id === null || r.department_id === undefined ? null : Number(r.department_id), departmentName: r.department_name ?? null,
    opinion: r.opinion ?? (r.actor_name === null || r.actor_name === undefined ? r.detail ?? null : null), detail: r.data ? JSON.parse(r.data) : null, at: r.at,
  };
}

export const QUEUES = ['to_dispatch', 'to_sign', 'handling', 'warning', 'overdue', 'survey', 'redo', 'mine', 'all'] as const;
export type Queue = (typeof QUEUES)[number];
export const QUEUE_ZH: Record<Queue, string> = {
  to_dispatch: '待派单', to_sign: '待签收', handling: '办理中', warning: '即将超时', overdue: '已超时', survey: '待回访', redo: '重办', mine: '我的工单', all: '全部',
};

export interface QueueFilter {
  now: string;
  /** A department's view: its own orders as lead, and those it assists. */
  departmentId?: number | null;
  /** For 'mine': the staff member's actor id. */
  claimedBy?: string | null;
  limit?: number;
  offset?: number;
}

/**
 * WHERE and ORDER BY of each queue, each served by an index of migration 011 (a page in index order, no
 * sort). `sqliteIndex`: where SQLite's planner, without statistics, would pick the status index and sort.
 */
export const QUEUE_SQL: Record<Queue, { where: string; order: string; sqliteIndex?: string }> = {
  to_dispatch: { where: `f.status IN ('new', 'transcribed', 'returned')`, order: 'f.created_at, f.id', sqliteIndex: 'feedback_wo_to_dispatch' },
  to_sign: { where: `f.status = 'assigned' AND f.due_at IS NOT NULL`, order: 'f.due_at, f.id' },
  handling: { where: `f.status = 'handling' AND f.due_at IS NOT NULL`, order: 'f.due_at, f.id' },
  warning: { where: `f.due_at IS NOT NULL AND f.warn_at <= :now AND f.due_at >= :now`, order: 'f.due_at, f.id' },
  overdue: { where: `f.due_at IS NOT NULL AND f.due_at < :now`, order: 'f.due_at, f.id' },
  survey: { where: `f.status = 'answered'`, order: 'f.answered_at, f.id', sqliteIndex: 'feedback_wo_answered' },
  redo: { where: `((f.reopen_count > 0 AND f.status IN ('assigned', 'handling')) OR f.status = 'escalated')`, order: 'f.updated_at DESC, f.id DESC', sqliteIndex: 'feedback_wo_redo' },
  mine: { where: `f.claimed_by = :me AND f.status NOT IN ('closed', 'merged')`, order: 'f.updated_at DESC, f.id DESC' },
  all: { where: '1 = 1', order: 'f.created_at DESC, f.id DESC' },
};

const LEAD = `f.department_id = :dept`;
const ASSIST = `COALESCE(f.department_id, 0) <> :dept AND f.id IN (SELECT wp.order_id FROM work_order_parts wp WHERE wp.department_id = :dept)`;

/**
 * A page of a queue. Central: the queue's index order. A department's view: its orders as lead (index
 * on department, status, due / created) and those it assists, each branch a page in index order, merged —
 * never a sort of the whole queue. `select`: WO_SELECT, possibly with an index hint.
 */
export function queuePageSql(q: Queue, scoped: boolean, select = WO_SELECT): string {
  const { where, order } = QUEUE_SQL[q];
  if (!scoped) return `${select} WHERE ${where} ORDER BY ${order} LIMIT :limit OFFSET :offset`;
  const outer = order.replace(/f\./g, 'x.');
  const branch = (cond: string) => `SELECT * FROM (${WO_SELECT} WHERE ${where} AND ${cond} ORDER BY ${order} LIMIT :lim) b`;
  return `SELECT * FROM (${branch(LEAD)} UNION ALL ${branch(ASSIST)}) x ORDER BY ${outer} LIMIT :limit OFFSET :offset`;
}

/** The count of a queue (a department's: lead + assisting). */
export function queueCountSql(q: Queue, scoped: boolean, countExpr = 'COUNT(*)'): string {
  const { where } = QUEUE_SQL[q];
  if (!scoped) return `SELECT ${countExpr} AS n FROM feedback f WHERE ${where}`;
  return `SELECT (SELECT ${countExpr} FROM feedback f WHERE ${where} AND ${LEAD}) + (SELECT ${countExpr} FROM feedback f WHERE ${where} AND ${ASSIST}) AS n`;
}

/** The queue's condition; `scoped`: one department's view (filter :dept, lead or assisting). */
export function queueWhere(q: Queue, scoped: boolean): string { return scoped ? `${QUEUE_SQL[q].where} AND ((${LEAD}) OR (${ASSIST}))` : QUEUE_SQL[q].where; }

/** The queues counted for the inbox tabs ('all' is not a work queue: not counted). */
export const COUNTED_QUEUES = QUEUES.filter((q) => q !== 'all');

/** `:name` → SQLite `@name`. */
export const sqliteParams = (sql: string) => sql.replace(/(?<!:):(\w+)/g, '@$1');
/** `:name` → PostgreSQL `$n` with the values in order (a name used twice gets one number). */
export function pgParams(sql: string, values: Record<string, unknown>): { text: string; params: unknown[] } {
  const names: string[] = [];
  const text = sql.replace(/(?<!:):(\w+)/g, (_m, n: string) => {
    let i = names.indexOf(n);
    if (i < 0) { names.push(n); i = names.length - 1; }
    const cast = n === 'dept' ? '::bigint' : n === 'limit' || n === 'offset' || n === 'lim' ? '::integer' : '::text';
    return `$${i + 1}${cast}`;
  });
  return { text, params: names.map((n) => values[n] ?? null) };
}

/** The columns of the assessment's facts, in the order toOrderFact reads them. */
export const FACT_COLS = ['id', 'ref', 'status', 'department_id', 'handler', 'category', 'address', 'created_at', 'dispatched_at', 'sign_due_at', 'signed_at',
  'finish_due_at', 'answered_at', 'closed_at', 'return_count', 'extension_count', 'urge_count', 'reopen_count', 'satisfaction'] as const;

/**
 * The assessment's facts (全程考核): one row per work order received (created) in [from, to), merged
 * duplicates left out; `scoped`: one department (lead). Index: feedback_created (central) or
 * feedback_wo_dept_created (a department) — a range scan in index order, no sort. No join: the department
 * names come from the (small) departments table, read once (a per-row join cost more than the rest).
 */
export function assessmentFactsSql(scoped: boolean): string {
  const cols = FACT_COLS.map((c) => (c === 'handler' ? 'COALESCE(f.answered_by, f.signed_by) AS handler' : `f.${c}`)).join(', ');
  return `SELECT ${cols} FROM feedback f
    WHERE f.created_at >= :from AND f.created_at < :to AND f.status <> 'merged'${scoped ? ' AND f.department_id = :dept' : ''}
    ORDER BY f.created_at, f.id`;
}

const num = (v: unknown) => Number(v ?? 0);
const orNull = <T>(v: T | null | undefined): T | null => (v === undefined ? null : v);
/** A facts row (values in FACT_COLS order) → OrderFact; `names`: department id → name. */
export function toOrderFact(v: readonly any[], names: ReadonlyMap<number, string>): OrderFact {
  const dept = v[3] === null || v[3] === undefined ? null : Number(v[3]);
  return {
    id: Number(v[0]), ref: v[1], status: v[2], departmentId: dept, departmentName: dept === null ? null : names.get(dept) ?? null, handler: orNull(v[4]),
    category: orNull(v[5]), address: orNull(v[6]), createdAt: v[7], dispatchedAt: orNull(v[8]), signDueAt: orNull(v[9]), signedAt: orNull(v[10]),
    finishDueAt: orNull(v[11]), answeredAt: orNull(v[12]), closedAt: orNull(v[13]), returnCount: num(v[14]), extensionCount: num(v[15]),
    urgeCount: num(v[16]), reopenCount: num(v[17]), satisfaction: v[18] === null || v[18] === undefined ? null : Number(v[18]),
  };
}
