/**
 * Declarations (applications) and their handling steps: create/update, apply status events
 * (idempotent, out-of-order safe), and the public status view for citizens.
 */
import type { DeclarationRepo, DepartmentRepo, SubscriptionRepo, TransactionRunner } from './ports.js';
import type { Declaration, DeclarationEvent, DeclarationStatus, Department, LookupResult, PublicStatusView } from './types.js';
import { DECIDED_STATUSES, STATUS_LABEL_ZH } from './types.js';
import type { EventBus } from './events.js';
import { classifyCode, newQueryCode } from './query-code.js';
import { maskName, maskPhone, normalisePhone } from './masking.js';
import type { WorkingCalendar } from './calendar.js';
import { conflict, forbidden, invalid, notFound } from './errors.js';

export interface DeclarationInput {
  itemName: string;
  applicantName?: string | null;
  applicantPhone?: string | null;
  acceptedAt?: string;
  /** Legal time limit in working days (承诺时限); or an explicit dueAt. */
  timeLimitDays?: number;
  dueAt?: string | null;
  status?: DeclarationStatus;
}

export interface StatusEventInput {
  eventId: string;
  stepName: string;
  status: DeclarationStatus;
  handlerName?: string | null;
  handlerTitle?: string | null;
  opinion?: string | null;
  details?: Record<string, string> | null;
  occurredAt: string;
}

export interface ApplyResult { event: DeclarationEvent; declaration: Declaration; duplicate: boolean; applied: boolean }

export interface DeclarationServiceDeps {
  declarations: DeclarationRepo;
  departments: DepartmentRepo;
  subscriptions: SubscriptionRepo;
  tx: TransactionRunner;
  bus: EventBus;
  calendar: WorkingCalendar;
  timeZone: string;
  now?: () => Date;
}

export class DeclarationService {
  private readonly now: () => Date;
  constructor(private readonly d: DeclarationServiceDeps) { this.now = d.now ?? (() => new Date()); }

  /**
   * Find a declaration by what a citizen or department typed: a platform query code (check digit
   * verified) or a department reference. Scoped to one department when given.
   */
  find(code: string, departmentId?: number): Declaration | undefined {
    const c = classifyCode(code);
    if (c.kind === 'platform') {
      const d = this.d.declarations.byQueryCode(c.code);
      if (d && (departmentId === undefined || d.departmentId === departmentId)) return d;
      // a department may use all-digit references that look like platform codes
    }
    const byRef = this.d.declarations.byDeptRef(code.trim(), departmentId);
    return byRef.length === 1 ? byRef[0] : undefined;
  }

  /** Create or update the declaration a department identifies by `code` (its own reference, or the platform code). */
  upsert(dept: Department, code: string, input: DeclarationInput, opts: { queryCode?: string } = {}): { declaration: Declaration; created: boolean } {
    const now = this.now();
    const nowIso = now.toISOString();
    const result = this.d.tx.transaction(() => {
      const existing = this.findForDepartment(dept, code);
      if (existing) {
        const fields: Parameters<DeclarationRepo['update']>[1] = { itemName: input.itemName };
        if (input.applicantName !== undefined) fields.applicantName = input.applicantName;
        if (input.applicantPhone !== undefined) fields.applicantPhone = input.applicantPhone ? normalisePhone(input.applicantPhone) : null;
        if (input.dueAt !== undefined) fields.dueAt = input.dueAt;
        else if (input.timeLimitDays !== undefined) fields.dueAt = this.d.calendar.dueAt(new Date(existing.acceptedAt), input.timeLimitDays, this.d.timeZone).toISOString();
        return { declaration: this.d.declarations.update(existing.id, fields, nowIso), created: false };
      }
      const classified = classifyCode(code);
      if (classified.kind === 'platform' || classified.kind === 'bad-check-digit') {
        // A platform-looking code that does not exist: platform codes are issued here, never chosen by the caller.
        if (classified.kind === 'platform' && this.d.declarations.queryCodeExists(classified.code)) throw forbidden('declaration belongs to another department');
      }
      if (classified.kind === 'invalid') throw invalid(`not a usable reference: ${code}`);
      const acceptedAt = input.acceptedAt ? new Date(input.acceptedAt) : now;
      if (Number.isNaN(acceptedAt.getTime())) throw invalid('acceptedAt is not a valid time');
      const dueAt = input.dueAt !== undefined && input.dueAt !== null ? input.dueAt
        : input.timeLimitDays !== undefined ? this.d.calendar.dueAt(acceptedAt, input.timeLimitDays, this.d.timeZone).toISOString() : null;
      let queryCode = opts.queryCode ?? newQueryCode();
      for (let i = 0; this.d.declarations.queryCodeExists(queryCode); i++) {
        if (i > 20) throw new Error('could not allocate a unique query code');
        queryCode = newQueryCode();
      }
      const status = input.status ?? 'accepted';
      const decl = this.d.declarations.insert({
        queryCode, departmentId: dept.id, deptRef: code.trim(), itemName: input.itemName,
        applicantName: input.applicantName ?? null, applicantPhone: input.applicantPhone ? normalisePhone(input.applicantPhone) : null,
        status, statusAt: acceptedAt.toISOString(), acceptedAt: acceptedAt.toISOString(), dueAt,
        closedAt: DECIDED_STATUSES.has(status) ? acceptedAt.toISOString() : null, now: nowIso,
      });
      const event = this.d.declarations.insertEvent({
        declarationId: decl.id, departmentId: dept.id, eventId: `accept:${decl.queryCode}`, stepName: '受理',
        status, handlerName: null, handlerTitle: null, opinion: null, details: null,
        occurredAt: acceptedAt.toISOString(), receivedAt: nowIso, applied: true,
      });
      // Emitted inside the transaction: the pushes it queues commit with the declaration, or neither does.
      this.d.bus.emit('declaration.changed', { declaration: decl, event, previousStatus: null, statusChanged: true, created: true });
      return { declaration: decl, created: true };
    });
    return result;
  }

  private findForDepartment(dept: Department, code: string): Declaration | undefined {
    const c = classifyCode(code);
    if (c.kind === 'platform') {
      const d = this.d.declarations.byQueryCode(c.code);
      if (d) {
        if (d.departmentId !== dept.id) throw forbidden('declaration belongs to another department');
        return d;
      }
    }
    return this.d.declarations.byDeptRef(code.trim(), dept.id)[0];
  }

  /** The department's view (with timeline) — 404 when unknown or not theirs (no existence leak by ref). */
  getForDepartment(dept: Department, code: string): { declaration: Declaration; timeline: DeclarationEvent[] } {
    const d = this.findForDepartment(dept, code);
    if (!d) throw notFound('declaration not found');
    return { declaration: d, timeline: this.d.declarations.events(d.id) };
  }

  /**
   * Append a handling step. Idempotent on (department, eventId): the same id again returns the stored
   * event. An event older than the current status is stored in the timeline but does not move the status.
   */
  applyStatusEvent(dept: Department, code: string, input: StatusEventInput): ApplyResult {
    const occurred = new Date(input.occurredAt);
    if (Number.isNaN(occurred.getTime())) throw invalid('occurredAt is not a valid time');
    const nowIso = this.now().toISOString();
    const result = this.d.tx.transaction((): ApplyResult => {
      const decl = this.findForDepartment(dept, code);
      if (!decl) throw notFound('declaration not found');
      const dup = this.d.declarations.eventByEventId(dept.id, input.eventId);
      if (dup) {
        if (dup.declarationId !== decl.id || dup.status !== input.status || dup.stepName !== input.stepName) {
          throw conflict(`event id ${input.eventId} was already used for a different step`);
        }
        return { event: dup, declaration: decl, duplicate: true, applied: dup.applied };
      }
      const occurredIso = occurred.toISOString();
      const inOrder = occurredIso >= decl.statusAt;
      const event = this.d.declarations.insertEvent({
        declarationId: decl.id, departmentId: dept.id, eventId: input.eventId, stepName: input.stepName, status: input.status,
        handlerName: input.handlerName ?? null, handlerTitle: input.handlerTitle ?? null, opinion: input.opinion ?? null,
        details: input.details ?? null, occurredAt: occurredIso, receivedAt: nowIso, applied: inOrder,
      });
      if (!inOrder) return { event, declaration: decl, duplicate: false, applied: false };
      const decided = DECIDED_STATUSES.has(input.status);
      const updated = this.d.declarations.update(decl.id, {
        status: input.status, statusAt: occurredIso,
        closedAt: decided ? (decl.closedAt ?? occurredIso) : null,
      }, nowIso, decl);
      // Inside the transaction: the pushes commit with the step, or neither does.
      this.d.bus.emit('declaration.changed', { declaration: updated, event, previousStatus: decl.status, statusChanged: decl.status !== input.status, created: false });
      return { event, declaration: updated, duplicate: false, applied: true };
    });
    return result;
  }

  /** What a caller or texter may learn about a code. Unknown code → typed not-found, never an exception. */
  lookupStatus(code: string): LookupResult {
    const c = classifyCode(code);
    if (c.kind === 'bad-check-digit') return { found: false, reason: 'bad-check-digit' };
    if (c.kind === 'invalid') return { found: false, reason: 'invalid' };
    const decl = c.kind === 'platform' ? this.d.declarations.byQueryCode(c.code) ?? this.single(code) : this.single(c.ref);
    if (!decl) return { found: false, reason: 'not-found' };
    return { found: true, view: this.publicView(decl), declaration: decl };
  }

  private single(ref: string): Declaration | undefined {
    const all = this.d.declarations.byDeptRef(ref);
    return all.length === 1 ? all[0] : undefined;
  }

  publicView(decl: Declaration): PublicStatusView {
    const last = this.d.declarations.lastAppliedEvent(decl.id);
    return {
      queryCode: decl.queryCode, itemName: decl.itemName, departmentName: decl.departmentName,
      status: decl.status, statusLabel: STATUS_LABEL_ZH[decl.status],
      lastStep: last ? { name: last.stepName, at: last.occurredAt, handlerName: last.handlerName, opinion: last.opinion } : null,
      acceptedAt: decl.acceptedAt, dueAt: decl.dueAt, overdue: isOverdue(decl, this.now()),
      applicantName: maskName(decl.applicantName), applicantPhone: maskPhone(decl.applicantPhone),
    };
  }

  timeline(declarationId: number): DeclarationEvent[] { return this.d.declarations.events(declarationId); }
}

/** Overdue: the legal due time has passed and no decision was made. */
export function isOverdue(decl: Pick<Declaration, 'dueAt' | 'closedAt'>, now: Date): boolean {
  return !!decl.dueAt && !decl.closedAt && new Date(decl.dueAt).getTime() < now.getTime();
}
