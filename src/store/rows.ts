/** Row ↔ domain mapping for the core tables. */
import type { Declaration, DeclarationEvent, Department, Feedback, Subscription } from '../domain/types.js';

export function toDepartment(r: any): Department {
  return { id: r.id, code: r.code, name: r.name, contactPhone: r.contact_phone ?? null, createdAt: r.created_at };
}

export function toDeclaration(r: any): Declaration {
  return {
    id: r.id, queryCode: r.query_code, departmentId: r.department_id, departmentCode: r.dept_code, departmentName: r.dept_name,
    deptRef: r.dept_ref ?? null, itemName: r.item_name, applicantName: r.applicant_name ?? null, applicantPhone: r.applicant_phone ?? null,
    status: r.status, statusAt: r.status_at, acceptedAt: r.accepted_at, dueAt: r.due_at ?? null, closedAt: r.closed_at ?? null,
    createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

export function toDeclarationEvent(r: any): DeclarationEvent {
  return {
    id: r.id, declarationId: r.declaration_id, eventId: r.event_id, stepName: r.step_name, status: r.status,
    handlerName: r.handler_name ?? null, handlerTitle: r.handler_title ?? null, opinion: r.opinion ?? null,
    details: r.details ? JSON.parse(r.details) : null, occurredAt: r.occurred_at, receivedAt: r.received_at, applied: !!r.applied,
    voidedAt: r.voided_at ?? null, voidReason: r.void_reason ?? null,
  };
}

export function toFeedback(r: any): Feedback {
  return {
    id: r.id, ref: r.ref, kind: r.kind, channel: r.channel, phone: r.phone ?? null, text: r.text ?? null,
    recordingPath: r.recording_path ?? null, recordingDuration: r.recording_duration ?? null,
    transcript: r.transcript ?? null, transcribedBy: r.transcribed_by ?? null, transcribedAt: r.transcribed_at ?? null,
    status: r.status, departmentId: r.department_id ?? null, departmentName: r.dept_name ?? null, declarationId: r.declaration_id ?? null,
    answer: r.answer ?? null, answeredBy: r.answered_by ?? null, answeredAt: r.answered_at ?? null,
    satisfaction: r.satisfaction ?? null, satisfactionAt: r.satisfaction_at ?? null, reopenCount: r.reopen_count ?? 0,
    callId: r.call_id ?? null, flowPath: r.flow_path ?? null, createdAt: r.created_at, updatedAt: r.updated_at,
    notifyPhone: r.notify_phone === undefined ? true : !!r.notify_phone, publishable: !!r.publishable,
  };
}

export function toSubscription(r: any): Subscription {
  return { id: r.id, phone: r.phone, declarationId: r.declaration_id, channel: r.channel, createdAt: r.created_at, endedAt: r.ended_at ?? null };
}
