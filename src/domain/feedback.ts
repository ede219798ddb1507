/**
 * Citizen feedback (complaints, consultations, suggestions) from every channel, and its handling:
 * transcribe → assign → answer → survey → close (or reopen on 不满意).
 */
import { citizenText } from './text-safety.js';
import type { FeedbackRepo, NewFeedback, SubscriptionRepo, DeclarationRepo, TransactionRunner } from './ports.js';
import type { Declaration, Feedback, FeedbackStatus, Subscription, FeedbackChannel, FeedbackKind } from './types.js';
import { FEEDBACK_KINDS } from './types.js';
import type { EventBus } from './events.js';
import { localParts, pad } from './time.js';
import { invalid, notFound, conflict } from './errors.js';
import { normalisePhone } from './masking.js';

export interface FeedbackServiceDeps {
  feedback: FeedbackRepo;
  subscriptions: SubscriptionRepo;
  declarations: DeclarationRepo;
  tx: TransactionRunner;
  bus: EventBus;
  timeZone: string;
  /** How long after an answer a 1/2/3 reply counts as the survey answer. */
  surveyWindowHours: number;
  now?: () => Date;
}

/** Reference numbers: yymmdd + a 4-digit daily sequence (more digits past 9999) — easy to read out digit by digit. */
export function formatRef(day: string, seq: number): string {
  return day + String(seq).padStart(4, '0');
}

export class FeedbackService {
  private readonly now: () => Date;
  private workOrderSurvey: ((id: number, score: 1 | 2 | 3, actor: string) => Promise<Feedback | null>) | null = null;
  constructor(private readonly d: FeedbackServiceDeps) { this.now = d.now ?? (() => new Date()); }

  /**
   * The satisfaction answer of a dispatched work order goes through the work-order cycle (回访: closes,
   * or 重办 with its limit and 转督办; src/workorders/service.ts); fn answers null for an item that was
   * never dispatched as a work order (handled here as before).
   */
  delegateSurvey(fn: (id: number, score: 1 | 2 | 3, actor: string) => Promise<Feedback | null>): void { this.workOrderSurvey = fn; }

  async create(input: NewFeedback, actor = 'citizen'): Promise<Feedback> {
    const now = this.now();
    const p = localParts(now, this.d.timeZone);
    const day = `${String(p.year).slice(2)}${pad(p.month)}${pad(p.day)}`;
    return this.d.tx.transaction(async () => {
      const ref = formatRef(day, await this.d.feedback.nextRefSeq(day));
      const created = await this.d.feedback.insert({ ...input, text: citizenText(input.text), phone: input.phone ? normalisePhone(citizenText(input.phone)) : null }, ref, now.toISOString());
      await this.d.feedback.addTimeline(created.id, 'created', actor, `${input.channel}`, now.toISOString());
      await this.d.bus.emitTx('feedback.created', { feedback: created });
      return created;
    });
  }

  async get(ref: string): Promise<Feedback> {
    const f = await this.d.feedback.byRef(ref);
    if (!f) throw notFound('feedback not found');
    return f;
  }

  byId(id: number): Promise<Feedback | undefined> { return this.d.feedback.byId(id); }

  timeline(id: number) { return this.d.feedback.timeline(id); }

  private change(f: Feedback, fields: Parameters<FeedbackRepo['update']>[1], action: string, actor: string, detail: string | null): Promise<Feedback> {
    const nowIso = this.now().toISOString();
    return this.d.tx.transaction(async () => {
      const u = await this.d.feedback.update(f.id, fields, nowIso);
      await this.d.feedback.addTimeline(f.id, action, actor, detail, nowIso);
      await this.d.bus.emitTx('feedback.updated', { feedback: u, action, actor });
      return u;
    });
  }

  async transcribe(id: number, transcript: string, actor: string): Promise<Feedback> {
    const f = await this.must(id);
    const status: FeedbackStatus = f.status === 'new' ? 'transcribed' : f.status;
    return this.change(f, { transcript, transcribedBy: actor, transcribedAt: this.now().toISOString(), status }, 'transcribed', actor, null);
  }

  async assign(id: number, departmentId: number, actor: string): Promise<Feedback> {
    const f = await this.must(id);
    if (f.status === 'closed') throw conflict('feedback is closed');
    const status: FeedbackStatus = f.status === 'answered' ? 'answered' : 'assigned';
    return this.change(f, { departmentId, status }, 'assigned', actor, String(departmentId));
  }

  /** Record the answer; the channels deliver it (SMS to mobiles, a voice callback to landlines). */
  async answer(id: number, answer: string, actor: string): Promise<Feedback> {
    const f = await this.must(id);
    if (f.status === 'closed') throw conflict('feedback is closed');
    if (!answer.trim()) throw invalid('answer is empty');
    const nowIso = this.now().toISOString();
    // One transaction with what the channels queue on 'feedback.answered' (the SMS answer and survey):
    // an answer is never stored without its delivery, even when the disk fills in between.
    return this.d.tx.transaction(async () => {
      const updated = await this.change(f, { answer, answeredBy: actor, answeredAt: nowIso, status: 'answered', satisfaction: null, satisfactionAt: null }, 'answered', actor, answer);
      await this.d.bus.emitTx('feedback.answered', { feedback: updated });
      return updated;
    });
  }

  /** Staff classify an item (a 诉求 recorded from free text becomes a complaint, a consultation …). */
  async setKind(id: number, kind: FeedbackKind, actor: string): Promise<Feedback> {
    const f = await this.must(id);
    if (!(FEEDBACK_KINDS as readonly string[]).includes(kind)) throw invalid(`kind must be one of ${FEEDBACK_KINDS.join(', ')}`);
    if (f.kind === kind) return f;
    return this.change(f, { kind }, 'classified', actor, `${f.kind}→${kind}`);
  }

  async close(id: number, actor: string): Promise<Feedback> {
    const f = await this.must(id);
    return this.change(f, { status: 'closed' }, 'closed', actor, null);
  }

  /** The complaint of this phone whose survey is still open, if any. */
  async awaitingSurvey(phone: string): Promise<Feedback | undefined> {
    const since = new Date(this.now().getTime() - this.d.surveyWindowHours * 3600_000).toISOString();
    return await this.d.feedback.awaitingSurvey(normalisePhone(phone), since);
  }

  /** 1 满意 / 2 基本满意 close the complaint; 3 不满意 reopens it for a second handling and alerts supervisors. */
  async recordSatisfaction(id: number, score: 1 | 2 | 3, actor = 'citizen'): Promise<Feedback> {
    const wo = this.workOrderSurvey ? await this.workOrderSurvey(id, score, actor) : null;
    if (wo) return wo;
    const f = await this.must(id);
    const nowIso = this.now().toISOString();
    if (score === 3) return this.d.tx.transaction(async () => {
      const reopened = await this.change(f, { satisfaction: 3, satisfactionAt: nowIso, status: 'assigned', reopenCount: f.reopenCount + 1 }, 'reopened', actor, '不满意');
      await this.d.bus.emitTx('feedback.reopened', { feedback: reopened });
      return reopened;
    });
    return this.change(f, { satisfaction: score, satisfactionAt: nowIso, status: 'closed' }, 'satisfaction', actor, String(score));
  }

  private async must(id: number): Promise<Feedback> {
    const f = await this.d.feedback.byId(id);
    if (!f) throw notFound('feedback not found');
    return f;
  }
}

export type SubscribeResult = { ok: true; subscription: Subscription; already: boolean; declaration: Declaration };

export class SubscriptionService {
  private readonly now: () => Date;
  constructor(private readonly d: Pick<FeedbackServiceDeps, 'subscriptions' | 'tx' | 'bus'> & { now?: () => Date }) { this.now = d.now ?? (() => new Date()); }

  /** Subscribe a phone to a declaration's updates. Subscribing again clears an earlier opt-out. Idempotent. */
  subscribe(phone: string, declaration: Declaration, channel: FeedbackChannel): Promise<SubscribeResult> {
    const p = normalisePhone(phone);
    return this.d.tx.transaction(async () => {
      await this.d.subscriptions.clearOptOut(p);
      const existing = await this.d.subscriptions.active(p, declaration.id);
      if (existing) return { ok: true as const, subscription: existing, already: true, declaration };
      return { ok: true as const, subscription: await this.d.subscriptions.insert(p, declaration.id, channel, this.now().toISOString()), already: false, declaration };
    });
  }

  /** Unsubscribe from one declaration, or from everything (declaration null → also opts the number out of pushes). */
  unsubscribe(phone: string, declaration: Declaration | null): Promise<{ ended: number }> {
    const p = normalisePhone(phone);
    const nowIso = this.now().toISOString();
    return this.d.tx.transaction(async () => {
      const ended = await this.d.subscriptions.end(p, declaration ? declaration.id : null, nowIso);
      if (!declaration) await this.d.subscriptions.setOptOut(p, nowIso);
      return { ended };
    });
  }

  isOptedOut(phone: string): Promise<boolean> { return this.d.subscriptions.isOptedOut(normalisePhone(phone)); }
  activeFor(declarationId: number): Promise<Subscription[]> { return this.d.subscriptions.activeFor(declarationId); }
}
