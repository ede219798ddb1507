/**
 * What an inbound text does: parse the command, act on the domain (lookup, feedback, subscriptions,
 * survey) and choose the reply. The effects, the reply row and the "processed" mark are written in one
 * transaction, so a crash never answers twice or forgets to answer.
 */
import type { AppContext } from '../../context.js';
import type { Templates } from '../templates/index.js';
import { statusReplyName } from '../templates/index.js';
import { parseCommand, type Command } from '../commands/index.js';
import type { Outbox } from '../outbox/outbox.js';
import type { InboundRow } from '../../store/repos/sms.js';
import type { SmsStore } from '../../store/ports.js';
import { classifyCode, isMalformedPlatformCode, QUERY_CODE_PATTERN } from '../../domain/query-code.js';
import { formatLocal, formatDateZh } from '../../domain/time.js';
import type { Declaration, PublicStatusView } from '../../domain/types.js';
import { canonicalPhone } from '../../domain/phone.js';
import { canReplyTo, classifySender, RATE_LIMIT_TEMPLATE, replyDecision } from './guard.js';

export { canReplyTo } from './guard.js';

export interface HandlerSettings {
  shortCode: string;
  /** Our own numbers (the short code included): never answered, their texts do nothing. Default [shortCode]. */
  ownNumbers?: string[];
  repliesPerHour: number;
  codePattern?: RegExp;
  /** A text without a keyword at least this long is a request (诉求); default 10. */
  minRequestChars?: number;
}

export interface HandleResult { command: Command['type']; outcome: string; reply: string | null; feedbackId: number | null; ignored?: boolean }

export class SmsCommandHandler {
  constructor(
    private readonly ctx: AppContext,
    private readonly repo: SmsStore,
    private readonly templates: Templates,
    private readonly outbox: Outbox,
    private readonly s: HandlerSettings,
  ) {}

  /** Process one persisted inbound row by id (idempotent: a processed row is skipped); the result and the row. */
  process(id: number): Promise<{ result: HandleResult; row: InboundRow } | null> {
    return this.ctx.store.transaction(async () => {
      // Still waiting and not being processed elsewhere (another instance on the same database).
      const fresh = await this.repo.claimInbound(id);
      if (!fresh) return null;
      const r = await this.handle(fresh);
      await this.repo.inboundDone(fresh.id, r.ignored || (r.command === 'empty' && !r.reply) ? 'ignored' : 'processed', r.command, r.outcome, r.feedbackId, this.ctx.now().toISOString());
      return { result: r, row: fresh };
    });
  }

  private get own(): string[] { return this.s.ownNumbers ?? [this.s.shortCode]; }

  private async handle(row: InboundRow): Promise<HandleResult> {
    const phone = canonicalPhone(row.phone);
    const sender = classifySender(phone, this.own);
    if (sender !== 'citizen') {
      // Our own short code / SP number or an alphanumeric id: stored and acknowledged, nothing else (no complaint, no reply, no loop).
      const cmd = parseCommand(row.text, { codePattern: this.s.codePattern ?? QUERY_CODE_PATTERN, surveyPending: false });
      this.ctx.log.warn(sender === 'own' ? 'SMS from our own number ignored (no complaint, no reply)' : 'SMS from an alphanumeric sender ignored (no complaint, no reply)', { phone, command: cmd.type });
      return { command: cmd.type, outcome: `ignored:${sender === 'own' ? 'own-number' : 'alphanumeric'}`, reply: null, feedbackId: null, ignored: true };
    }
    const survey = await this.ctx.feedback.awaitingSurvey(phone);
    const cmd = parseCommand(row.text, { codePattern: this.s.codePattern ?? QUERY_CODE_PATTERN, surveyPending: !!survey, minRequestChars: this.s.minRequestChars });
    let reply: { name: string; vars?: Record<string, string> } | null;
    let outcome = cmd.type as string;
    let feedbackId: number | null = null;
    switch (cmd.type) {
      case 'query': {
        const r = await this.lookup(cmd.code, phone, cmd.dept);
        if ('reply' in r) reply = r.reply;
        else reply = { name: statusReplyName(r.decl.status), vars: await this.statusVars(r.decl, r.view) };
        outcome = 'reply' in r ? r.outcome : 'status';
        break;
      }
      case 'feedback': {
        const f = await this.ctx.feedback.create({ kind: cmd.kind, channel: 'sms', phone, text: cmd.text });
        feedbackId = f.id;
        reply = { name: `reply.feedback_received.${cmd.kind}`, vars: { ref: f.ref } };
        outcome = `feedback:${f.ref}`;
        break;
      }
      case 'request': {
        // A citizen's own words without a keyword: recorded as a 诉求 for staff to classify, never thrown away.
        const f = await this.ctx.feedback.create({ kind: 'request', channel: 'sms', phone, text: cmd.text });
        feedbackId = f.id;
        reply = { name: 'reply.feedback_received.request', vars: { ref: f.ref } };
        outcome = `request:${f.ref}`;
        break;
      }
      case 'feedback-empty': reply = { name: `reply.feedback_empty.${cmd.kind}` }; break;
      case 'subscribe': {
        const r = await this.lookup(cmd.code, phone, cmd.dept);
        if ('reply' in r) { reply = r.reply; outcome = r.outcome; break; }
        const s = await this.ctx.subscriptions.subscribe(phone, r.decl, 'sms');
        reply = { name: s.already ? 'reply.already_subscribed' : 'reply.subscribed', vars: { code: r.decl.queryCode, item: r.decl.itemName } };
        outcome = s.already ? 'already-subscribed' : 'subscribed';
        break;
      }
      case 'unsubscribe': {
        if (cmd.code === null) {
          await this.ctx.subscriptions.unsubscribe(phone, null);
          reply = { name: 'reply.unsubscribed_all' };
          outcome = 'opted-out';
          break;
        }
        const r = await this.lookup(cmd.code);
        if ('reply' in r) { reply = r.reply; outcome = r.outcome; break; }
        const { ended } = await this.ctx.subscriptions.unsubscribe(phone, r.decl);
        reply = { name: ended ? 'reply.unsubscribed_one' : 'reply.not_subscribed', vars: { code: r.decl.queryCode } };
        outcome = ended ? 'unsubscribed' : 'not-subscribed';
        break;
      }
      case 'survey': {
        if (!survey) { reply = { name: 'reply.help' }; outcome = 'survey-not-pending'; break; }
        const f = await this.ctx.feedback.recordSatisfaction(survey.id, cmd.score);
        feedbackId = f.id;
        reply = { name: cmd.score === 3 ? 'survey.reopened' : 'survey.thanks', vars: { ref: f.ref } };
        outcome = `survey:${cmd.score}`;
        break;
      }
      case 'empty': reply = null; break;
      default: reply = { name: 'reply.help' };
    }
    let replyText: string | null = null;
    if (reply) {
      const since = new Date(this.ctx.now().getTime() - 3600_000).toISOString();
      const decision = !canReplyTo(phone, this.own) ? null
        : await this.repo.replyCounts(phone, RATE_LIMIT_TEMPLATE, since).then((n) => replyDecision(n.replies, n.template > 0, this.s.repliesPerHour));
      if (decision === null) outcome += ';no-reply:sender';
      else if (decision === 'silent') outcome += ';no-reply:rate-limit';
      else {
        if (decision === 'notice') {
          reply = { name: RATE_LIMIT_TEMPLATE };
          outcome += ';rate-limit-notice';
          this.ctx.log.warn('sms replies to this number stop for the hour (per-number limit reached): one notice sent', { phone, limit: this.s.repliesPerHour });
        }
        replyText = this.templates.renderFit(reply.name, reply.vars ?? {});
        await this.outbox.queue({ phone, text: replyText, reason: 'reply', template: reply.name, inboundId: row.id, dedupeKey: `reply:${row.id}` });
      }
    }
    return { command: cmd.type, outcome, reply: replyText, feedbackId };
  }

  private async lookup(code: string, phone?: string, dept?: string): Promise<{ decl: Declaration; view: PublicStatusView } | { reply: { name: string; vars?: Record<string, string> }; outcome: string }> {
    const c = classifyCode(code);
    if (c.kind === 'bad-check-digit' || c.kind === 'invalid') return { reply: { name: 'reply.bad_code', vars: { code } }, outcome: 'bad-code' };
    const r = await this.ctx.declarations.lookupStatus(code, { phone, department: dept });
    if (!r.found && r.reason === 'ambiguous') {
      return { reply: { name: 'reply.ambiguous_ref', vars: { code, choices: r.departments.map((d) => `${d.code} ${d.name}`).join('、') } }, outcome: 'ambiguous' };
    }
    // Digits of the wrong length (11, 13 …) are a mistyped platform code, not an unknown one — unless a
    // department reference of that form exists (looked up above).
    if (!r.found && r.reason === 'not-found' && isMalformedPlatformCode(code)) return { reply: { name: 'reply.bad_code', vars: { code } }, outcome: 'bad-format' };
    if (!r.found) return { reply: { name: r.reason === 'not-found' ? 'reply.not_found' : 'reply.bad_code', vars: { code } }, outcome: r.reason };
    return { decl: r.declaration, view: r.view };
  }

  /** The status reply's variables (the view the lookup already made, else made now). */
  async statusVars(decl: Declaration, known?: PublicStatusView): Promise<Record<string, string>> {
    const view = known ?? await this.ctx.declarations.publicView(decl);
    const tz = this.ctx.config.time.zone;
    let overdueNote = '';
    if (view.overdue && view.dueAt) overdueNote = '（已超过承诺办结时间）';
    return {
      code: view.queryCode, item: view.itemName, dept: view.departmentName, status: view.statusLabel,
      last_step: view.lastStep?.name ?? '', last_step_at: view.lastStep ? formatLocal(view.lastStep.at, tz) : '',
      due_date: view.dueAt ? formatDateZh(view.dueAt, tz) : '', overdue_note: overdueNote, applicant: view.applicantName,
    };
  }
}
