/**
 * What the panel's JSON carries. Phone numbers are always masked here; the full number is only
 * given by the audited reveal action (admin, supervisor, operator — see README of the panel).
 */
import type { Declaration, DeclarationEvent, Feedback } from '../domain/types.js';
import { maskName, maskPhone } from '../domain/masking.js';
import type { StaffUser } from '../store/repos/staff.js';

const PHONE_KEYS = new Set(['phone', 'from', 'to', 'caller', 'called', 'callerId', 'destination', 'source', 'msisdn', 'sourceAddr', 'destAddr', 'applicantPhone']);

/** Mask phone-number fields anywhere in a (small) event payload. */
export function maskDeep(v: unknown, depth = 0): unknown {
  if (depth > 6 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.slice(0, 500).map((x) => maskDeep(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    out[k] = PHONE_KEYS.has(k) && typeof x === 'string' ? maskPhone(x) : maskDeep(x, depth + 1);
  }
  return out;
}

export function publicUser(u: StaffUser) {
  return {
    id: u.id, username: u.username, displayName: u.displayName, role: u.role, departmentId: u.departmentId,
    departmentCode: u.departmentCode, departmentName: u.departmentName, disabled: u.disabled, lastLoginAt: u.lastLoginAt, createdAt: u.createdAt,
    title: u.title ?? null,
  };
}

function excerpt(s: string | null, n = 140): string | null {
  if (s === null) return null;
  const chars = Array.from(s);
  return chars.length > n ? chars.slice(0, n).join('') + '…' : s;
}

/** A list row / live-feed item. */
export function feedbackSummary(f: Feedback) {
  return {
    id: f.id, ref: f.ref, kind: f.kind, channel: f.channel, status: f.status, phone: maskPhone(f.phone),
    excerpt: excerpt(f.transcript ?? f.text), hasRecording: !!f.recordingPath, recordingDuration: f.recordingDuration,
    departmentId: f.departmentId, departmentName: f.departmentName, satisfaction: f.satisfaction, reopenCount: f.reopenCount,
    createdAt: f.createdAt, updatedAt: f.updatedAt, answeredAt: f.answeredAt,
  };
}

/** Parts received / expected of the SMS an item came from (shown when it arrived incomplete: 收到 2/3 段). */
export type SmsParts = { received: number; expected: number } | null;

export function feedbackDetail(f: Feedback, timeline: Array<{ action: string; actor: string; detail: string | null; at: string }>, declaration: Declaration | undefined, smsParts: SmsParts = null) {
  return {
    ...feedbackSummary(f),
    smsParts,
    text: f.text, transcript: f.transcript, transcribedBy: f.transcribedBy, transcribedAt: f.transcribedAt,
    answer: f.answer, answeredBy: f.answeredBy, satisfactionAt: f.satisfactionAt, callId: f.callId, flowPath: f.flowPath,
    declaration: declaration ? { queryCode: declaration.queryCode, itemName: declaration.itemName } : null,
    publishable: f.publishable ?? false,
    timeline,
  };
}

export function declarationSummary(d: Declaration, overdue: boolean) {
  return {
    id: d.id, queryCode: d.queryCode, deptRef: d.deptRef, departmentId: d.departmentId, department: d.departmentCode, departmentName: d.departmentName,
    itemName: d.itemName, applicantName: maskName(d.applicantName), applicantPhone: maskPhone(d.applicantPhone), status: d.status,
    statusAt: d.statusAt, acceptedAt: d.acceptedAt, dueAt: d.dueAt, closedAt: d.closedAt, overdue,
  };
}

export function stepView(e: DeclarationEvent) {
  return {
    stepName: e.stepName, status: e.status, handlerName: e.handlerName, handlerTitle: e.handlerTitle, opinion: e.opinion,
    details: e.details, occurredAt: e.occurredAt, receivedAt: e.receivedAt, applied: e.applied,
    voided: e.voidedAt !== null, voidedAt: e.voidedAt, voidReason: e.voidReason,
  };
}
