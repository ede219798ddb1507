/**
 * Rules for what departments send (pure): which declaration and step inputs are refused (422 with the
 * field named), and the status of a declaration derived from its steps — used when a step is voided.
 */
import type { DeclarationStatus } from './types.js';
import { DECIDED_STATUSES } from './types.js';
import { blankButNotEmpty, isReachablePhone, textProblem } from './text-safety.js';

export interface FieldProblem { field: string; message: string }

const problem = (field: string, message: string): FieldProblem => ({ field, message: `${field}: ${message}` });

function checkText(field: string, v: unknown, opts: { name?: boolean } = {}): FieldProblem | null {
  if (typeof v !== 'string') return null;
  const p = textProblem(v);
  if (p) return problem(field, p);
  if (opts.name && (blankButNotEmpty(v) || v.length === 0)) return problem(field, '不能为空白 (must not be blank)');
  return null;
}

function checkTime(field: string, iso: string | null | undefined, nowMs: number, skewMs: number): FieldProblem | null {
  if (iso === undefined || iso === null) return null;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return problem(field, '不是有效的时间 (not a valid time)');
  if (t > nowMs + skewMs) return problem(field, `时间晚于当前时间，超出允许的时钟误差 ${Math.round(skewMs / 60000)} 分钟 (in the future beyond the clock-skew allowance)`);
  return null;
}

export interface DeclarationFields {
  itemName: string;
  applicantName?: string | null;
  applicantPhone?: string | null;
  acceptedAt?: string;
  dueAt?: string | null;
}

/**
 * Refusals for a declaration create/update: NUL, lone surrogates or control characters in any string,
 * blank names, a phone number that is not one, acceptance in the future, a due time before acceptance.
 * `acceptedAt` is the acceptance in force (the stored one for an update).
 */
export function checkDeclarationInput(input: DeclarationFields, ctx: { nowMs: number; skewMs: number; acceptedAt?: string }): FieldProblem | null {
  return checkText('itemName', input.itemName, { name: true })
    ?? checkText('applicantName', input.applicantName, { name: true })
    ?? checkText('applicantPhone', input.applicantPhone)
    ?? (typeof input.applicantPhone === 'string' && input.applicantPhone !== '' && !isReachablePhone(input.applicantPhone) ? problem('applicantPhone', '不是有效的电话号码（手机号或带区号的固定电话）(not a phone number)') : null)
    ?? checkTime('acceptedAt', input.acceptedAt, ctx.nowMs, ctx.skewMs)
    ?? checkDue(input.dueAt, input.acceptedAt ?? ctx.acceptedAt ?? new Date(ctx.nowMs).toISOString());
}

function checkDue(dueAt: string | null | undefined, acceptedAt: string): FieldProblem | null {
  if (dueAt === undefined || dueAt === null) return null;
  const due = Date.parse(dueAt);
  if (Number.isNaN(due)) return problem('dueAt', '不是有效的时间 (not a valid time)');
  if (due < Date.parse(acceptedAt)) return problem('dueAt', '办结期限早于受理时间 (due before acceptance)');
  return null;
}

export interface EventFields {
  eventId: string;
  stepName: string;
  handlerName?: string | null;
  handlerTitle?: string | null;
  opinion?: string | null;
  details?: Record<string, string> | null;
  occurredAt: string;
}

/** Refusals for a handling step: bad text anywhere, blank names, a time in the future. */
export function checkEventInput(input: EventFields, ctx: { nowMs: number; skewMs: number }): FieldProblem | null {
  const simple = checkText('eventId', input.eventId, { name: true })
    ?? checkText('stepName', input.stepName, { name: true })
    ?? checkText('handlerName', input.handlerName, { name: true })
    ?? checkText('handlerTitle', input.handlerTitle)
    ?? checkText('opinion', input.opinion);
  if (simple) return simple;
  for (const [k, v] of Object.entries(input.details ?? {})) {
    const p = checkText('details', k) ?? checkText(`details.${k}`, v);
    if (p) return p;
  }
  return checkTime('occurredAt', input.occurredAt, ctx.nowMs, ctx.skewMs);
}

export interface StepForDerivation { id: number; status: DeclarationStatus; occurredAt: string; voided: boolean }

export interface DerivedStatus {
  status: DeclarationStatus;
  statusAt: string;
  closedAt: string | null;
  /** Step id → does it move the status (false: voided, or older than the status when it arrived). */
  applied: Map<number, boolean>;
  /** The step that set the status. */
  statusStepId: number;
}

/**
 * The status from the steps that are not voided, replayed in the order they arrived (ids) with the
 * same rule as when they arrived: a step applies when it is not older than the status so far; a
 * decision sets closedAt once, a later non-decision clears it. Null when no step is left.
 */
export function deriveStatus(steps: readonly StepForDerivation[]): DerivedStatus | null {
  const ordered = [...steps].sort((a, b) => a.id - b.id);
  const applied = new Map<number, boolean>();
  let last: StepForDerivation | null = null;
  let closedAt: string | null = null;
  for (const s of ordered) {
    if (s.voided || (last !== null && s.occurredAt < last.occurredAt)) { applied.set(s.id, false); continue; }
    applied.set(s.id, true);
    closedAt = DECIDED_STATUSES.has(s.status) ? (closedAt ?? s.occurredAt) : null;
    last = s;
  }
  if (last === null) return null;
  return { status: last.status, statusAt: last.occurredAt, closedAt, applied, statusStepId: last.id };
}
