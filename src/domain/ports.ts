/**
 * Repository interfaces the domain talks to: async, so that both stores implement them — SQLite
 * (src/store, through its gate: settled promises, same speed) and PostgreSQL (src/store/pg).
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
  byId(id: number): Promise<Department | undefined>;
  byCode(code: string): Promise<Department | undefined>;
  all(): Promise<Department[]>;
}

export interface DeclarationRepo {
  byId(id: number): Promise<Declaration | undefined>;
  byQueryCode(code: string): Promise<Declaration | undefined>;
  /** By the department's own reference; with departmentId to scope it, without to search all (SMS/voice). */
  byDeptRef(ref: string, departmentId?: number): Promise<Declaration[]>;
  queryCodeExists(code: string): Promise<boolean>;
  insert(d: NewDeclaration): Promise<Declaration>;
  update(id: number, fields: Partial<Pick<Declaration, 'itemName' | 'applicantName' | 'applicantPhone' | 'dueAt' | 'status' | 'statusAt' | 'closedAt' | 'deptRef'>>, now: string, current?: Declaration): Promise<Declaration>;
  events(declarationId: number): Promise<DeclarationEvent[]>;
  eventByEventId(departmentId: number, eventId: string): Promise<DeclarationEvent | undefined>;
  insertEvent(e: NewDeclarationEvent): Promise<DeclarationEvent>;
  lastAppliedEvent(declarationId: number): Promise<DeclarationEvent | undefined>;
  /** Mark a step voided (and not applied); false when it already was. */
  voidEvent(id: number, at: string, by: string, reason: string): Promise<boolean>;
  setEventApplied(id: number, applied: boolean): Promise<void>;
}

export interface NewFeedback {
  kind: FeedbackKind; channel: FeedbackChannel; phone: string | null; text: string | null;
  recordingPath?: string | null; recordingDuration?: number | null; departmentId?: number | null; declarationId?: number | null;
  callId?: string | null; flowPath?: string | null; status?: FeedbackStatus;
}

export interface FeedbackRepo {
  byId(id: number): Promise<Feedback | undefined>;
  byRef(ref: string): Promise<Feedback | undefined>;
  insert(f: NewFeedback, ref: string, now: string): Promise<Feedback>;
  update(id: number, fields: Partial<Omit<Feedback, 'id' | 'ref' | 'createdAt' | 'departmentName'>>, now: string): Promise<Feedback>;
  nextRefSeq(day: string): Promise<number>;
  addTimeline(feedbackId: number, action: string, actor: string, detail: string | null, at: string): Promise<void>;
  timeline(feedbackId: number): Promise<Array<{ action: string; actor: string; detail: string | null; at: string }>>;
  /** Latest answered complaint of this phone awaiting a survey reply (answered after `since`). */
  awaitingSurvey(phone: string, since: string): Promise<Feedback | undefined>;
}

export interface SubscriptionRepo {
  active(phone: string, declarationId: number): Promise<Subscription | undefined>;
  activeFor(declarationId: number): Promise<Subscription[]>;
  activeByPhone(phone: string): Promise<Subscription[]>;
  insert(phone: string, declarationId: number, channel: FeedbackChannel, now: string): Promise<Subscription>;
  end(phone: string, declarationId: number | null, now: string): Promise<number>;
  isOptedOut(phone: string): Promise<boolean>;
  setOptOut(phone: string, now: string): Promise<void>;
  clearOptOut(phone: string): Promise<void>;
}

export interface TransactionRunner {
  /**
   * Run fn inside one database transaction: repository calls made in fn (in its async context) belong
   * to it; nested calls become savepoints. fn must not await anything but the store.
   */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /** Run fn after the current transaction commits (at once outside one); never after a rollback. */
  afterCommit(fn: () => void): void;
}
