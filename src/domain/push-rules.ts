/**
 * Push rules (pure): who gets which notice when a declaration changes.
 * Input: the change, the active subscribers, the opt-out check and settings. Output: the notices to queue,
 * each with a dedupe key so a repeated or replayed change never queues the same notice twice.
 */
import type { Declaration, DeclarationEvent, DeclarationStatus } from './types.js';
import { isMobileNumber } from './masking.js';
import { canonicalPhone } from './phone.js';

export interface PushSettings {
  /** Also notify the applicant's own phone (not only explicit subscribers). */
  notifyApplicant: boolean;
  /** Send a progress notice for a step that does not change the status. */
  notifyProgressSteps: boolean;
}

export interface PushNotice {
  phone: string;
  template: string;
  /** Stable per (declaration, event, phone): the outbox refuses a second row with the same key. */
  dedupeKey: string;
}

export const STATUS_TEMPLATE: Record<DeclarationStatus, string> = {
  accepted: 'push.accepted',
  in_progress: 'push.progress',
  supplement_needed: 'push.supplement_needed',
  fee_due: 'push.fee_due',
  approved: 'push.approved',
  ready_for_pickup: 'push.ready_for_pickup',
  rejected: 'push.rejected',
  closed: 'push.closed',
};

export interface ChangeInput {
  declaration: Declaration;
  event: DeclarationEvent;
  statusChanged: boolean;
  created: boolean;
}

export function pushNotices(change: ChangeInput, subscriberPhones: string[], isOptedOut: (phone: string) => boolean, s: PushSettings): PushNotice[] {
  if (!change.event.applied) return [];
  let template: string;
  if (change.created) template = 'push.accepted';
  else if (change.statusChanged) template = STATUS_TEMPLATE[change.declaration.status];
  else if (s.notifyProgressSteps) template = 'push.progress';
  else return [];
  const phones = new Set<string>();
  // One notice per person: numbers compared in their canonical form (src/domain/phone.ts).
  for (const p of subscriberPhones) phones.add(canonicalPhone(p));
  if (s.notifyApplicant && change.declaration.applicantPhone) phones.add(canonicalPhone(change.declaration.applicantPhone));
  const out: PushNotice[] = [];
  for (const phone of phones) {
    if (!isMobileNumber(phone)) continue;
    if (isOptedOut(phone)) continue;
    out.push({ phone, template, dedupeKey: `push:${change.declaration.id}:${change.event.id}:${phone}` });
  }
  return out;
}

/** Variables for a push template from the declaration and the step that triggered it. */
export function pushVars(decl: Declaration, event: DeclarationEvent, fmtDate: (iso: string) => string): Record<string, string> {
  const d = event.details ?? {};
  return {
    code: decl.queryCode, item: decl.itemName, dept: decl.departmentName,
    step: event.stepName, handler: [event.handlerTitle, event.handlerName].filter(Boolean).join(' '), opinion: event.opinion ?? '',
    due_date: decl.dueAt ? fmtDate(decl.dueAt) : '',
    missing: d.missing ?? event.opinion ?? '', amount: d.amount ?? '', how: d.how ?? '',
    place: d.place ?? '', time: d.time ?? '', reason: d.reason ?? event.opinion ?? '',
  };
}
