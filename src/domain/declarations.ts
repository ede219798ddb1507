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
import { conflict, invalid, notFound } from './errors.js';
import { checkDeclarationInput, checkEventInput, deriveStatus } from './declaration-rules.js';
import { stripBidi, textProblem } from './text-safety.js';

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
export interface VoidResult { event: DeclarationEvent; declaration: Declaration; alreadyVoided: boolean; statusChanged: boolean }

/** Who may be meant by a look-up (SMS: the department code the citizen named, and the sender). */
export interface LookupHint { department?: string | null; phone?: string | null }

/** The strings of a department's input, sanitised where they enter (bidi controls removed; NUL etc. are refused later). */
function cleanStrings<T extends object>(input: T): T {
  const out: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  for (const [k, v] of Object.entries(out)) {
    if (typeof v === 'string') out[k] = stripBidi(v);
    else if (v && typeof v === 'object' && !Array.isArray(v)) {
      out[k] = Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([a, b]) => [stripBidi(a), typeof b === 'string' ? stripBidi(b) : b]));
    }
  }
  return out as T;
}

export interface DeclarationServiceDeps {
  declarations: DeclarationRepo;
  departments: DepartmentRepo;
  subscriptions: SubscriptionRepo;
  tx: TransactionRunner;
  bus: EventBus;
  calendar: WorkingCalendar;
  timeZone: string;
  now?: () => Date;
  /** How far in the future a step or acceptance may be dated (clock skew; default 10 minutes). */
  clockSkewMs?: number;
}

export class DeclarationService {
  private readonly now: () => Date;
  private readonly skewMs: number;
  constructor(private readonly d: DeclarationServiceDeps) { this.now = d.now ?? (() => new Date()); this.skewMs = d.clockSkewMs ?? 600_000; }

  /**
   * Find a declaration by what a citizen or department typed: a platform query code (check digit
   * verified) or a department reference. Scoped to one department when given.
   */
  async find(code: string, departmentId?: number): Promise<Declaration | undefined> {
    const c = classifyCode(code);
    if (c.kind === 'platform') {
      const d = await this.d.declarations.byQueryCode(c.code);
      if (d && (departmentId === undefined || d.departmentId === departmentId)) return d;
      // a department may use all-digit references that look like platform codes
    }
    const byRef = await this.d.declarations.byDeptRef(code.trim(), departmentId);
    return byRef.length === 1 ? byRef[0] : undefined;
  }

  /** Create or update the declaration a department identifies by `code` (its own reference, or the platform code). */
  async upsert(dept: Department, code: string, rawInput: DeclarationInput, opts: { queryCode?: string } = {}): Promise<{ declaration: Declaration; created: boolean }> {
    const now = this.now();
    const nowIso = now.toISOString();
    const input = cleanStrings(rawInput);
    const result = await this.d.tx.transaction(async () => {
      const existing = await this.findForDepartment(dept, code);
      const bad = checkDeclarationInput(input, { nowMs: now.getTime(), skewMs: this.skewMs, acceptedAt: existing?.acceptedAt });
      if (bad) throw invalid(bad.message, bad.field);
      if (existing) {
        const fields: Parameters<DeclarationRepo['update']>[1] = { itemName: input.itemName };
        if (input.applicantName !== undefined) fields.applicantName = input.applicantName;
        if (input.applicantPhone !== undefined) fields.applicantPhone = input.applicantPhone ? normalisePhone(input.applicantPhone) : null;
        if (input.dueAt !== undefined) fields.dueAt = input.dueAt;
        else if (input.timeLimitDays !== undefined) fields.dueAt = this.d.calendar.dueAt(new Date(existing.acceptedAt), input.timeLimitDays, this.d.timeZone).toISOString();
        return { declaration: await this.d.declarations.update(existing.id, fields, nowIso), created: false };
      }
      // A platform-looking code that is not this department's is taken as its own reference (another
      // department's code is invisible here: the same answer as for an unknown one, no existence leak).
      const classified = classifyCode(code);
      if (classified.kind === 'invalid') throw invalid(`not a usable reference: ${code}`, 'code');
      const acceptedAt = input.acceptedAt ? new Date(input.acceptedAt) : now;
      if (Number.isNaN(acceptedAt.getTime())) throw invalid('acceptedAt is not a valid time');
      const dueAt = input.dueAt !== undefined && input.dueAt !== null ? input.dueAt
        : input.timeLimitDays !== undefined ? this.d.calendar.dueAt(acceptedAt, input.timeLimitDays, this.d.timeZone).toISOString() : null;
      let queryCode = opts.queryCode ?? newQueryCode();
      for (let i = 0; await this.d.declarations.queryCodeExists(queryCode); i++) {
        if (i > 20) throw new Error('could not allocate a unique query code');
        queryCode = newQueryCode();
      }
      const status = input.status ?? 'accepted';
      const decl = await this.d.declarations.insert({
        queryCode, departmentId: dept.id, deptRef: code.trim(), itemName: input.itemName,
        applicantName: input.applicantName ?? null, applicantPhone: input.applicantPhone ? normalisePhone(input.applicantPhone) : null,
        status, statusAt: acceptedAt.toISOString(), acceptedAt: acceptedAt.toISOString(), dueAt,
        closedAt: DECIDED_STATUSES.has(status) ? acceptedAt.toISOString() : null, now: nowIso,
      });
      const event = await this.d.declarations.insertEvent({
        declarationId: decl.id, departmentId: dept.id, eventId: `accept:${decl.queryCode}`, stepName: '受理',
        status, handlerName: null, handlerTitle: null, opinion: null, details: null,
        occurredAt: acceptedAt.toISOString(), receivedAt: nowIso, applied: true,
      });
      // Emitted inside the transaction: the pushes it queues commit with the declaration, or neither does.
      await this.d.bus.emitTx('declaration.changed', { declaration: decl, event, previousStatus: null, statusChanged: true, created: true });
      return { declaration: decl, created: true };
    });
    return result;
  }

  /** This department's declaration by platform code or own reference; another department's is not seen (404, as for an unknown one). */
  private async findForDepartment(dept: Department, code: string): Promise<Declaration | undefined> {
    const c = classifyCode(code);
    if (c.kind === 'platform') {
      const d = await this.d.declarations.byQueryCode(c.code);
      if (d && d.departmentId === dept.id) return d;
    }
    return (await this.d.declarations.byDeptRef(code.trim(), dept.id))[0];
  }

  /** The department's view (with timeline) — 404 when unknown or not theirs (no existence leak by ref). */
  async getForDepartment(dept: Department, code: string): Promise<{ declaration: Declaration; timeline: DeclarationEvent[] }> {
    const d = await this.findForDepartment(dept, code);
    if (!d) throw notFound('declaration not found');
    return { declaration: d, timeline: await this.d.declarations.events(d.id) };
  }

  /**
   * Append a handling step. Idempotent on (department, eventId): the same id again returns the stored
   * event. An event older than the current status is stored in the timeline but does not move the status.
   */
  async applyStatusEvent(dept: Department, code: string, rawInput: StatusEventInput): Promise<ApplyResult> {
    const input = cleanStrings(rawInput);
    const occurred = new Date(input.occurredAt);
    if (Number.isNaN(occurred.getTime())) throw invalid('occurredAt: 不是有效的时间 (not a valid time)', 'occurredAt');
    const now = this.now();
    const bad = checkEventInput(input, { nowMs: now.getTime(), skewMs: this.skewMs });
    if (bad) throw invalid(bad.message, bad.field);
    const nowIso = now.toISOString();
    const result = await this.d.tx.transaction(async (): Promise<ApplyResult> => {
      const decl = await this.findForDepartment(dept, code);
      if (!decl) throw notFound('declaration not found');
      const dup = await this.d.declarations.eventByEventId(dept.id, input.eventId);
      if (dup) {
        if (dup.declarationId !== decl.id || dup.status !== input.status || dup.stepName !== input.stepName) {
          throw conflict(`event id ${input.eventId} was already used for a different step`);
        }
        return { event: dup, declaration: decl, duplicate: true, applied: dup.applied };
      }
      const occurredIso = occurred.toISOString();
      const inOrder = occurredIso >= decl.statusAt;
      const event = await this.d.declarations.insertEvent({
        declarationId: decl.id, departmentId: dept.id, eventId: input.eventId, stepName: input.stepName, status: input.status,
        handlerName: input.handlerName ?? null, handlerTitle: input.handlerTitle ?? null, opinion: input.opinion ?? null,
        details: input.details ?? null, occurredAt: occurredIso, receivedAt: nowIso, applied: inOrder,
      });
      if (!inOrder) return { event, declaration: decl, duplicate: false, applied: false };
      const decided = DECIDED_STATUSES.has(input.status);
      const updated = await this.d.declarations.update(decl.id, {
        status: input.status, statusAt: occurredIso,
        closedAt: decided ? (decl.closedAt ?? occurredIso) : null,
      }, nowIso, decl);
      // Inside the transaction: the pushes commit with the step, or neither does.
      await this.d.bus.emitTx('declaration.changed', { declaration: updated, event, previousStatus: decl.status, statusChanged: decl.status !== input.status, created: false });
      return { event, declaration: updated, duplicate: false, applied: true };
    });
    return result;
  }

  /**
   * Void a wrong step by its event id (e.g. a typo dated 2062 that froze the status): it stays in the
   * timeline marked voided, and the status is re-derived from the remaining steps (deriveStatus). When
   * the status changes, 'declaration.changed' is emitted for the step that now sets it, so a notice
   * that was held back by the wrong step goes out (at most once: push dedupe keys). Idempotent.
   */
  async voidEvent(dept: Department, code: string, eventId: string, reason: string, actor: string): Promise<VoidResult> {
    const why = stripBidi(reason).trim();
    if (!why) throw invalid('reason: 撤销原因不能为空白 (reason must not be blank)', 'reason');
    const bad = textProblem(why);
    if (bad) throw invalid(`reason: ${bad}`, 'reason');
    const nowIso = this.now().toISOString();
    return this.d.tx.transaction(async (): Promise<VoidResult> => {
      const decl = await this.findForDepartment(dept, code);
      if (!decl) throw notFound('declaration not found');
      const ev = await this.d.declarations.eventByEventId(dept.id, eventId);
      if (!ev || ev.declarationId !== decl.id) throw notFound('event not found');
      if (ev.voidedAt) return { event: ev, declaration: decl, alreadyVoided: true, statusChanged: false };
      if (ev.eventId === `accept:${decl.queryCode}`) throw conflict('受理步骤不能撤销 (the acceptance step cannot be voided)');
      await this.d.declarations.voidEvent(ev.id, nowIso, actor, why);
      const steps = await this.d.declarations.events(decl.id);
      const derived = deriveStatus(steps.map((s) => ({ id: s.id, status: s.status, occurredAt: s.occurredAt, voided: s.voidedAt !== null })));
      if (!derived) throw conflict('no step would be left');
      for (const s of steps) {
        const a = derived.applied.get(s.id) ?? false;
        if (s.voidedAt === null && s.applied !== a) await this.d.declarations.setEventApplied(s.id, a);
      }
      const updated = await this.d.declarations.update(decl.id, { status: derived.status, statusAt: derived.statusAt, closedAt: derived.closedAt }, nowIso, decl);
      const voided = { ...ev, applied: false, voidedAt: nowIso, voidReason: why };
      const statusChanged = updated.status !== decl.status;
      if (statusChanged) {
        const setter = steps.find((s) => s.id === derived.statusStepId)!;
        // Inside the transaction (as for a new step): the notices commit with the void, or neither does.
        await this.d.bus.emitTx('declaration.changed', { declaration: updated, event: { ...setter, applied: true }, previousStatus: decl.status, statusChanged, created: false });
      }
      return { event: voided, declaration: updated, alreadyVoided: false, statusChanged };
    });
  }

  /**
   * What a caller or texter may learn about a code. Unknown code → typed not-found, never an exception.
   * A department reference several departments use is resolved by the department the citizen named,
   * else by the sender being the applicant of exactly one of them; otherwise the answer is 'ambiguous'
   * with the departments to choose from. References are matched as typed, then in upper case.
   */
  async lookupStatus(code: string, hint: LookupHint = {}): Promise<LookupResult> {
    const c = classifyCode(code);
    if (c.kind === 'bad-check-digit') return { found: false, reason: 'bad-check-digit' };
    if (c.kind === 'invalid') return { found: false, reason: 'invalid' };
    if (c.kind === 'platform') {
      const d = await this.d.declarations.byQueryCode(c.code);
      if (d && (!hint.department || d.departmentCode.toUpperCase() === hint.department.toUpperCase())) return { found: true, view: await this.publicView(d), declaration: d };
    }
    const ref = c.kind === 'platform' ? c.code : c.ref;
    let all = await this.d.declarations.byDeptRef(ref);
    if (all.length === 0 && ref.toUpperCase() !== ref) all = await this.d.declarations.byDeptRef(ref.toUpperCase());
    if (hint.department) all = all.filter((d) => d.departmentCode.toUpperCase() === hint.department!.toUpperCase());
    if (all.length > 1 && hint.phone) {
      const phone = normalisePhone(hint.phone);
      const mine = all.filter((d) => d.applicantPhone === phone);
      if (mine.length === 1) all = mine;
    }
    if (all.length === 0) return { found: false, reason: 'not-found' };
    if (all.length > 1) return { found: false, reason: 'ambiguous', departments: all.map((d) => ({ code: d.departmentCode, name: d.departmentName })) };
    return { found: true, view: await this.publicView(all[0]), declaration: all[0] };
  }

  async publicView(decl: Declaration): Promise<PublicStatusView> {
    const last = await this.d.declarations.lastAppliedEvent(decl.id);
    return {
      queryCode: decl.queryCode, itemName: decl.itemName, departmentName: decl.departmentName,
      status: decl.status, statusLabel: STATUS_LABEL_ZH[decl.status],
      lastStep: last ? { name: last.stepName, at: last.occurredAt, handlerName: last.handlerName, opinion: last.opinion } : null,
      acceptedAt: decl.acceptedAt, dueAt: decl.dueAt, overdue: isOverdue(decl, this.now()),
      applicantName: maskName(decl.applicantName), applicantPhone: maskPhone(decl.applicantPhone),
    };
  }

  timeline(declarationId: number): Promise<DeclarationEvent[]> { return this.d.declarations.events(declarationId); }
}

/** Overdue: the legal due time has passed and no decision was made. */
export function isOverdue(decl: Pick<Declaration, 'dueAt' | 'closedAt'>, now: Date): boolean {
  return !!decl.dueAt && !decl.closedAt && new Date(decl.dueAt).getTime() < now.getTime();
}
