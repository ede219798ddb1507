/** Domain types shared by every channel. Plain data; no I/O. */

export const DECLARATION_STATUSES = [
  'accepted',          // 已受理
  'in_progress',       // 办理中
  'supplement_needed', // 待补交材料
  'fee_due',           // 待缴费
  'approved',          // 已办结（准予许可）
  'ready_for_pickup',  // 证照待领取
  'rejected',          // 不予许可 / 退回
  'closed',            // 已办结归档
] as const;
export type DeclarationStatus = (typeof DECLARATION_STATUSES)[number];

export const STATUS_LABEL_ZH: Record<DeclarationStatus, string> = {
  accepted: '已受理',
  in_progress: '办理中',
  supplement_needed: '待补交材料',
  fee_due: '待缴费',
  approved: '已办结（准予许可）',
  ready_for_pickup: '证照待领取',
  rejected: '不予许可',
  closed: '已办结',
};

/** Statuses at which the legal clock stops (a decision was made). */
export const DECIDED_STATUSES: ReadonlySet<DeclarationStatus> = new Set(['approved', 'ready_for_pickup', 'rejected', 'closed']);

export interface Department {
  id: number;
  code: string;
  name: string;
  contactPhone: string | null;
  createdAt: string;
}

export interface Declaration {
  id: number;
  queryCode: string;
  departmentId: number;
  departmentCode: string;
  departmentName: string;
  deptRef: string | null;
  itemName: string;
  applicantName: string | null;
  applicantPhone: string | null;
  status: DeclarationStatus;
  statusAt: string;
  acceptedAt: string;
  dueAt: string | null;
  closedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface DeclarationEvent {
  id: number;
  declarationId: number;
  eventId: string;
  stepName: string;
  status: DeclarationStatus;
  handlerName: string | null;
  handlerTitle: string | null;
  opinion: string | null;
  /** Extra notice fields (what is missing, fee amount, pickup place…). */
  details: Record<string, string> | null;
  occurredAt: string;
  receivedAt: string;
  /** True when this event moved the declaration's status (false for a repeated, out-of-order or voided step). */
  applied: boolean;
  /** Voided by the department (a wrong step): kept in the timeline, no longer counts for the status. */
  voidedAt: string | null;
  voidReason: string | null;
}

/** `request` (诉求): a citizen's words without a keyword, recorded as they are for staff to classify. */
export const FEEDBACK_KINDS = ['complaint', 'consultation', 'suggestion', 'report', 'request'] as const;
export type FeedbackKind = (typeof FEEDBACK_KINDS)[number];
export const FEEDBACK_KIND_ZH: Record<FeedbackKind, string> = { complaint: '投诉', consultation: '咨询', suggestion: '建议', report: '举报', request: '诉求' };
/** Kinds whose answer is followed by the satisfaction survey (a handled problem, not a question or an idea). */
export const SURVEYED_KINDS: readonly FeedbackKind[] = ['complaint', 'report', 'request'];

export const FEEDBACK_CHANNELS = ['voice', 'sms', 'web', 'api', 'mail'] as const;
export type FeedbackChannel = (typeof FEEDBACK_CHANNELS)[number];

/**
 * A feedback item is a work order (工单, src/workorders/): new/transcribed = 待派单, assigned = dispatched,
 * waiting for the department's 签收, handling = 签收 done (办理中), returned = 退单 back to the dispatcher,
 * answered = final answer sent (待回访), escalated = 重办 limit reached (a supervisor decides), merged = a
 * duplicate merged into another order (it gets that order's answer).
 */
export const FEEDBACK_STATUSES = ['new', 'transcribed', 'assigned', 'handling', 'returned', 'answered', 'escalated', 'closed', 'merged'] as const;
export type FeedbackStatus = (typeof FEEDBACK_STATUSES)[number];
export const FEEDBACK_STATUS_ZH: Record<FeedbackStatus, string> = {
  new: '新建', transcribed: '已转写', assigned: '已分派', handling: '办理中', returned: '已退单', answered: '已答复', escalated: '待督办', closed: '已办结', merged: '已合并',
};

export interface Feedback {
  id: number;
  ref: string;
  kind: FeedbackKind;
  channel: FeedbackChannel;
  phone: string | null;
  text: string | null;
  recordingPath: string | null;
  recordingDuration: number | null;
  transcript: string | null;
  transcribedBy: string | null;
  transcribedAt: string | null;
  status: FeedbackStatus;
  departmentId: number | null;
  departmentName: string | null;
  declarationId: number | null;
  answer: string | null;
  answeredBy: string | null;
  answeredAt: string | null;
  satisfaction: 1 | 2 | 3 | null;
  satisfactionAt: string | null;
  reopenCount: number;
  callId: string | null;
  flowPath: string | null;
  createdAt: string;
  updatedAt: string;
  /** The citizen wants the answer on the phone (SMS, or a call-back to a landline); false only when a web form said no. */
  notifyPhone?: boolean;
  /** Staff marked it for the 公开栏 (public board). */
  publishable?: boolean;
}

export interface Subscription {
  id: number;
  phone: string;
  declarationId: number;
  channel: FeedbackChannel;
  createdAt: string;
  endedAt: string | null;
}

/** What a citizen may hear or read about a declaration. */
export interface PublicStatusView {
  queryCode: string;
  itemName: string;
  departmentName: string;
  status: DeclarationStatus;
  statusLabel: string;
  lastStep: { name: string; at: string; handlerName: string | null; opinion: string | null } | null;
  acceptedAt: string;
  dueAt: string | null;
  overdue: boolean;
  applicantName: string;
  applicantPhone: string;
}

export type LookupResult =
  | { found: true; view: PublicStatusView; declaration: Declaration }
  | { found: false; reason: 'not-found' | 'bad-check-digit' | 'invalid' }
  /** A department reference several departments use: which department is meant? */
  | { found: false; reason: 'ambiguous'; departments: Array<{ code: string; name: string }> };
