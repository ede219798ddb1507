/**
 * The template contract: every template name the server uses and the variables it may contain.
 * Template files (sms-templates/<locale>.yaml) must define exactly these names; a template may use
 * any subset of its variables.
 */

const STATUS_VARS = ['code', 'item', 'dept', 'status', 'last_step', 'last_step_at', 'due_date', 'overdue_note', 'applicant'] as const;

export const STATUS_TEMPLATE_KEYS = ['accepted', 'in_progress', 'supplement_needed', 'fee_due', 'approved', 'ready_for_pickup', 'rejected', 'closed'] as const;
export const FEEDBACK_TEMPLATE_KEYS = ['complaint', 'consultation', 'suggestion', 'report', 'request'] as const;
/** Kinds a citizen names with a keyword (a request has none, so it has no "empty" reply). */
export const FEEDBACK_EMPTY_KEYS = ['complaint', 'consultation', 'suggestion', 'report'] as const;

export const TEMPLATE_VARS: Readonly<Record<string, readonly string[]>> = {
  ...Object.fromEntries(STATUS_TEMPLATE_KEYS.map((s) => [`reply.status.${s}`, STATUS_VARS])),
  'reply.not_found': ['code'],
  'reply.bad_code': ['code'],
  'reply.ambiguous_ref': ['code', 'choices'],
  'reply.lookup_limit': [],
  ...Object.fromEntries(FEEDBACK_TEMPLATE_KEYS.map((k) => [`reply.feedback_received.${k}`, ['ref']])),
  ...Object.fromEntries(FEEDBACK_EMPTY_KEYS.map((k) => [`reply.feedback_empty.${k}`, []])),
  'reply.subscribed': ['code', 'item'],
  'reply.already_subscribed': ['code', 'item'],
  'reply.unsubscribed_all': [],
  'reply.unsubscribed_one': ['code'],
  'reply.not_subscribed': ['code'],
  'reply.help': [],
  'survey.ask': ['ref'],
  'survey.thanks': ['ref'],
  'survey.reopened': ['ref'],
  'push.accepted': ['code', 'item', 'dept', 'due_date'],
  'push.progress': ['code', 'item', 'step', 'handler', 'opinion'],
  'push.supplement_needed': ['code', 'item', 'missing', 'dept'],
  'push.fee_due': ['code', 'item', 'amount', 'how'],
  'push.approved': ['code', 'item'],
  'push.ready_for_pickup': ['code', 'item', 'place', 'time'],
  'push.rejected': ['code', 'item', 'reason'],
  'push.closed': ['code', 'item'],
  'push.answer': ['ref', 'answer', 'dept'],
  'push.notice': ['dept', 'text', 'code', 'item'],
  'voice.complaint_confirm': ['ref', 'kind'],
  'voice.queue_callback_failed': ['ref'],
  'reminder.overdue': ['dept', 'count', 'items'],
  'web.otp': ['otp', 'minutes'],
};

export type TemplateName = keyof typeof TEMPLATE_VARS & string;

/** Template name of the status reply for a declaration status. */
export function statusReplyName(status: string): string {
  return `reply.status.${status}`;
}

/** Variables holding free text (staff or department words): no length bound at load time. */
export const FREE_TEXT_VARS: ReadonlySet<string> = new Set(['opinion', 'missing', 'reason', 'answer', 'items', 'how']);

/**
 * Longest value a variable is expected to take, used for the length check at load time
 * (a template rendered with these must fit in maxSegments). Free-text variables (opinion,
 * missing, reason, answer, items, how) have no sensible bound and count as empty: at run time the
 * outbox planner's segment limit applies to them.
 */
export const VAR_SAMPLES: Readonly<Record<string, string>> = {
  code: '123456789012',
  item: '建设工程规划许可证核发（建筑类）续期', // 18
  dept: '市自然资源和规划局', // 9
  status: '已办结（准予许可）',
  last_step: '部门负责人审批签发', // 9
  last_step_at: '2026-11-26 15:30',
  due_date: '2026-12-31',
  overdue_note: '（已超期12个工作日）',
  applicant: '欧**明',
  ref: 'TS202611260001',
  kind: '投诉',
  step: '部门负责人审批签发',
  handler: '欧阳**',
  amount: '12,345.00',
  place: '市民中心二楼B区12号综合窗口', // 15
  time: '工作日9:00-12:00、13:30-17:00',
  count: '999',
  otp: '123456',
  minutes: '10',
  choices: 'SCJG 市市场监督管理局、RSJ 市人力资源和社会保障局',
};
