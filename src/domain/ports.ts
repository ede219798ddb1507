/**
 * Repository interfaces the domain talks to. The SQLite store implements them (src/store);
 * a PostgreSQL store for a multi-node deployment would implement the same.
 */
import type {
  Declaration, DeclarationEvent, DeclarationStatus, Department, Feedback, FeedbackChannel, FeedbackKind, FeedbackStatus, Subscription,
} from './types.js';

export interface NewDeclaration {
  queryCode: string; departmentId: number; deptRef: string | null; itemName: string;
  applicantName: string | null; applicantPhone: string | null; status: DeclarationStatus; statusAt: string;
  acceptedAt: string; dueAt: string | null; closedAt: string | null; now: string;
}

export interface NewDeclarationEvent {
  declarationId: number; departmentId: number; eventId: string; stepName: string; status: DeclarationStatus;
  handlerName: string | null; handlerTitle: string | null; opinion: string | null; details: Record<string, string> | null;
  occurredAt: string; receivedAt: string; applied: boolean;
}

export interface DepartmentRepo {
  byId(id: number): Department | undefined;
  byCode(code: string): Department | undefined;
  all(): Department[];
}

export interface DeclarationRepo {
  byId(id: number): Declaration | undefined;
  byQueryCode(code: string): Declaration | undefined;
  /** By the department's own reference; with departmentId to scope it, without to search all (SMS/voice). */
  byDeptRef(ref: string, departmentId?: number): Declaration[];
  queryCodeExists(code: string): boolean;
  insert(d: NewDeclaration): Declaration;
  update(id: number, fields: Partial<Pick<Declaration, 'itemName' | 'applicantName' | 'applicantPhone' | 'dueAt' | 'status' | 'statusAt' | 'closedAt' | 'deptRef'>>, now: string, current?: Declaration): Declaration;
  events(declarationId: number): DeclarationEvent[];
  eventByEventId(departmentId: number, eventId: string): DeclarationEvent | undefined;
  insertEvent(e: NewDeclarationEvent): DeclarationEvent;
  lastAppliedEvent(declarationId: number): DeclarationEvent | undefined;
  /** Mark a step voided (and not applied); false when it already was. */
  voidEvent(id: number, at: string, by: string, reason: string): boolean;
  setEventApplied(id: number, applied: boolean): void;
}

export interface NewFeedback {
  kind: FeedbackKind; channel: FeedbackChannel; phone: string | null; text: string | null;
  recordingPath?: string | null; recordingDuration?: number | null; departmentId?: number | null; declarationId?: number | null;
  callId?: string | null; flowPath?: string | null; status?: FeedbackStatus;
}

export interface FeedbackRepo {
  byId(id: number): Feedback | undefined;
  byRef(ref: string): Feedback | undefined;
  insert(f: NewFeedback, ref: string, now: string): Feedback;
  update(id: number, fields: Partial<Omit<Feedback, 'id' | 'ref' | 'createdAt' | 'departmentName'>>, now: string): Feedback;
  nextRefSeq(day: string): number;
  addTimeline(feedbackId: number, action: string, actor: string, detail: string | null, at: string): void;
  timeline(feedbackId: number): Array<{ action: string; actor: string; detail: string | null; at: string }>;
  /** Latest answered complaint of this phone awaiting a survey reply (answered after `since`). */
  awaitingSurvey(phone: string, since: string): Feedback | undefined;
}

export interface SubscriptionRepo {
  active(phone: string, declarationId: number): Subscription | undefined;
  activeFor(declarationId: number): Subscription[];
  activeByPhone(phone: string): Subscription[];
  insert(phone: string, declarationId: number, channel: FeedbackChannel, now: string): Subscription;
  end(phone: string, declarationId: number | null, now: string): number;
  isOptedOut(phone: string): boolean;
  setOptOut(phone: string, now: string): void;
  clearOptOut(phone: string): void;
}

export interface TransactionRunner {
  /** Run fn inside one database transaction (nested calls join the outer one). */
  transaction<T>(fn: () => T): T;
}
