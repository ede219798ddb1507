/** The work order (工单) as the domain sees it: a feedback item with its handling-cycle fields. Plain data. */
import type { Feedback } from '../domain/types.js';
import type { Urgency } from './categories.js';

export const RETURN_REASONS = ['not_ours', 'wrong_category', 'incomplete'] as const;
export type ReturnReason = (typeof RETURN_REASONS)[number];
export const RETURN_REASON_ZH: Record<ReturnReason, string> = { not_ours: '非本单位职责', wrong_category: '分类错误', incomplete: '信息不全' };

export const REPLY_BY = ['sms', 'call', 'none'] as const;
export type ReplyBy = (typeof REPLY_BY)[number];

/** An assisting department's part (协办): its instruction and its own answer to the lead department. */
export interface AssistPart {
  departmentId: number;
  departmentName: string;
  instruction: string | null;
  status: 'open' | 'answered';
  answer: string | null;
  answeredBy: string | null;
  answeredAt: string | null;
}

/** A pending 申请延期 (one at a time). */
export interface PendingExtension {
  id: number | null;
  departmentId: number;
  requestedBy: string;
  requestedByName: string;
  reason: string;
  days: number;
  requestedAt: string;
}

export interface WorkOrder extends Feedback {
  category: string | null;
  urgency: Urgency;
  address: string | null;
  summary: string | null;
  replyBy: ReplyBy | null;
  instruction: string | null;
  dispatchedAt: string | null;
  dispatchedBy: string | null;
  signDueAt: string | null;
  signWarnAt: string | null;
  signedAt: string | null;
  signedBy: string | null;
  finishDueAt: string | null;
  finishWarnAt: string | null;
  /** The deadline running now (签收 while assigned, 办结 while handling; null when no clock runs): the queues' index. */
  dueAt: string | null;
  warnAt: string | null;
  returnCount: number;
  returnReason: ReturnReason | null;
  /** 0: no dispute; 1: the dispatcher upheld a return (a second return is a dispute for a supervisor); 2: a supervisor decided (no more returns). */
  disputeLevel: number;
  urgeCount: number;
  extensionCount: number;
  interimCount: number;
  parentId: number | null;
  claimedBy: string | null;
  closedAt: string | null;
  closeReason: string | null;
  escalatedAt: string | null;
  parts: AssistPart[];
  extension: PendingExtension | null;
}

/** Who acts: staff (by role; department staff scoped to their department), a department over the API, the citizen, the system. */
export interface Actor {
  role: 'admin' | 'supervisor' | 'operator' | 'department' | 'citizen' | 'system';
  /** staff:wang, dept:SCJG:李四, citizen, system */
  id: string;
  /** Display name for the timeline (王芳, 市市场监督管理局 李四, 市民). */
  name: string;
  departmentId: number | null;
  departmentName: string | null;
}

/** One step of the timeline, with who did it. */
export interface TimelineEntry {
  action: string;
  /** Chinese action name (派单, 签收 …). */
  label: string;
  actor: string;
  actorName: string;
  departmentId: number | null;
  departmentName: string | null;
  opinion: string | null;
  detail: Record<string, unknown> | null;
  at: string;
}

/** What the cycle tells people: the citizen (by their channel), a department's contact, supervisors, dispatchers. */
export type Notice =
  | { to: 'citizen'; kind: 'answer' | 'interim' | 'closed'; text: string }
  | { to: 'department'; departmentId: number; kind: 'dispatched' | 'assist' | 'urged' | 'redo' | 'upheld' | 'extension_approved' | 'extension_refused'; text: string }
  | { to: 'supervisors'; kind: 'dispute' | 'escalated' | 'extension_requested' | 'dissatisfied'; text: string }
  | { to: 'dispatchers'; kind: 'returned'; text: string };
