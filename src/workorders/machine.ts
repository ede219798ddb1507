/**
 * The work-order cycle as one pure reducer: (order, action, actor, now, env) → the order after it, the
 * timeline entries, the notices to send, or a defined Chinese error. No I/O: the service
 * (./service.ts) persists the result and sends the notices in one store transaction.
 *
 * Who may do what, from which status, is the table ACTIONS below (roles: admin, supervisor, operator,
 * department — department staff and department API keys only on their own department's items).
 */
import type { FeedbackKind, FeedbackStatus } from '../domain/types.js';
import { FEEDBACK_KINDS, FEEDBACK_KIND_ZH, SURVEYED_KINDS } from '../domain/types.js';
import { formatLocal } from '../domain/time.js';
import { limitsFor, URGENCIES, type CategoryTree, type Urgency } from './categories.js';
import { deadlines, extendDue, warnAt, type WorkClock } from './time-limits.js';
import { REPLY_BY, RETURN_REASONS, RETURN_REASON_ZH, type ReplyBy, type Actor, type AssistPart, type Notice, type ReturnReason, type TimelineEntry, type WorkOrder } from './model.js';

export type WorkOrderAction =
  | { type: 'dispatch'; departmentId: number; departmentName: string; instruction?: string | null; category?: string | null; urgency?: Urgency; assists?: Array<{ departmentId: number; departmentName: string; instruction?: string | null }> }
  | { type: 'direct'; answer: string }
  | { type: 'sign'; opinion?: string | null }
  | { type: 'return'; reason: ReturnReason; opinion: string }
  | { type: 'uphold'; opinion: string }
  | { type: 'assist'; assists: Array<{ departmentId: number; departmentName: string; instruction?: string | null }> }
  /** departmentId: which part an admin answers for (a department answers its own). */
  | { type: 'assist_answer'; answer: string; departmentId?: number }
  | { type: 'request_extension'; days: number; reason: string; requestId?: number | null }
  | { type: 'decide_extension'; approve: boolean; opinion: string; days?: number }
  | { type: 'interim'; answer: string }
  | { type: 'answer'; answer: string }
  | { type: 'survey'; score: 1 | 2 | 3; via: 'sms' | 'call' | 'staff'; opinion?: string | null }
  | { type: 'redo'; opinion: string }
  | { type: 'urge'; opinion: string }
  | { type: 'merge'; parentId: number; parentRef: string; parentStatus: FeedbackStatus; parentParentId: number | null }
  | { type: 'parent_answered'; answer: string; parentRef: string }
  | { type: 'close'; reason?: string | null }
  | { type: 'claim'; release?: boolean }
  /** 登记信息: the intake fields staff fill in (with the transcript, before or while dispatching). */
  | { type: 'edit'; category?: string | null; urgency?: Urgency; address?: string | null; summary?: string | null; replyBy?: ReplyBy | null; kind?: FeedbackKind };

export type ActionType = WorkOrderAction['type'];

type Role = Actor['role'];
const CENTRAL: Role[] = ['admin', 'supervisor', 'operator'];
const SUPERVISE: Role[] = ['admin', 'supervisor'];
const LEAD: Role[] = ['admin', 'department'];
const OPEN: FeedbackStatus[] = ['new', 'transcribed', 'assigned', 'handling', 'returned', 'answered', 'escalated'];

/**
 * The permission and transition table: Chinese name, roles allowed, statuses it may start from, and
 * `scope` for department actors: 'lead' = the order's department, 'assist' = an assisting department.
 */
export const ACTIONS: Record<ActionType, { label: string; roles: readonly Role[]; from: readonly FeedbackStatus[]; scope?: 'lead' | 'assist' }> = {
  dispatch: { label: '派单', roles: CENTRAL, from: ['new', 'transcribed', 'assigned', 'returned'] },
  direct: { label: '直办', roles: CENTRAL, from: ['new', 'transcribed'] },
  sign: { label: '签收', roles: LEAD, from: ['assigned'], scope: 'lead' },
  return: { label: '退单', roles: LEAD, from: ['assigned', 'handling'], scope: 'lead' },
  uphold: { label: '维持派单', roles: CENTRAL, from: ['returned'] },
  assist: { label: '协办', roles: CENTRAL, from: ['assigned', 'handling'] },
  assist_answer: { label: '协办答复', roles: LEAD, from: ['assigned', 'handling'], scope: 'assist' },
  request_extension: { label: '申请延期', roles: LEAD, from: ['handling'], scope: 'lead' },
  decide_extension: { label: '延期审批', roles: SUPERVISE, from: ['handling'] },
  interim: { label: '阶段性答复', roles: LEAD, from: ['handling'], scope: 'lead' },
  answer: { label: '办结回复', roles: LEAD, from: ['handling'], scope: 'lead' },
  survey: { label: '回访', roles: ['citizen', 'system', 'admin', 'supervisor', 'operator'], from: ['answered'] },
  redo: { label: '重办', roles: SUPERVISE, from: ['answered', 'escalated'] },
  urge: { label: '催办', roles: SUPERVISE, from: ['assigned', 'handling'] },
  merge: { label: '合并', roles: CENTRAL, from: ['new', 'transcribed', 'assigned'] },
  parent_answered: { label: '合并答复', roles: ['system'], from: ['merged'] },
  close: { label: '办结', roles: CENTRAL, from: OPEN },
  claim: { label: '认领', roles: CENTRAL, from: OPEN },
  edit: { label: '登记信息', roles: CENTRAL, from: OPEN },
};

export const SATISFACTION_ZH: Record<1 | 2 | 3, string> = { 1: '满意', 2: '基本满意', 3: '不满意' };

export interface MachineEnv {
  tree: CategoryTree;
  clock: WorkClock;
  /** Early warning at this share of a limit (0.8). */
  warnRatio: number;
  /** 不满意 → 重办 at most this many times; the next one goes to a supervisor (escalated). */
  redoLimit: number;
}

export type WorkOrderError = { code: 'not_found' | 'forbidden' | 'conflict' | 'invalid'; message: string };

export type ReduceResult =
  | { ok: true; order: WorkOrder; entries: TimelineEntry[]; notices: Notice[] }
  | { ok: false; error: WorkOrderError };

const fail = (code: WorkOrderError['code'], message: string): ReduceResult => ({ ok: false, error: { code, message } });
const text = (s: string | null | undefined): string => (s ?? '').trim();

export const STATUS_ZH: Record<FeedbackStatus, string> = {
  new: '待派单', transcribed: '待派单', assigned: '待签收', handling: '办理中', returned: '退单待审核',
  answered: '已答复待回访', escalated: '待督办', closed: '已办结', merged: '已合并',
};

/** Apply one action. */
export function reduce(order: WorkOrder, action: WorkOrderAction, actor: Actor, now: Date, env: MachineEnv): ReduceResult {
  const spec = ACTIONS[action.type];
  if (!spec) return fail('invalid', '未知的操作');
  // A department sees only its own items: another department's order does not exist for it.
  if (actor.role === 'department') {
    const own = spec.scope === 'assist' ? order.parts.some((p) => p.departmentId === actor.departmentId) : order.departmentId !== null && order.departmentId === actor.departmentId;
    const visible = own || order.departmentId === actor.departmentId || order.parts.some((p) => p.departmentId === actor.departmentId);
    if (!visible) return fail('not_found', '工单不存在');
    if (!spec.roles.includes('department') || !own) return fail('forbidden', `本单位无权对该工单执行“${spec.label}”`);
  } else if (!spec.roles.includes(actor.role)) return fail('forbidden', `无权执行“${spec.label}”`);
  if (!spec.from.includes(order.status)) return fail('conflict', `工单当前状态为“${STATUS_ZH[order.status]}”，不能${spec.label}`);

  const at = now.toISOString();
  const entry = (opinion: string | null, detail: Record<string, unknown> | null = null, type: string = action.type, label = spec.label): TimelineEntry => ({
    action: type, label, actor: actor.id, actorName: actor.name, departmentId: actor.departmentId, departmentName: actor.departmentName,
    opinion: opinion || null, detail, at,
  });
  const fmt = (iso: string | null) => (iso ? formatLocal(iso, env.clock.tz) : '');
  const clockFrom = (o: WorkOrder, from: Date, category = o.category, urgency = o.urgency): Partial<WorkOrder> => {
    const d = deadlines(from, limitsFor(env.tree, category, urgency), env.clock, env.warnRatio);
    return { signDueAt: d.signDueAt, signWarnAt: d.signWarnAt, finishDueAt: d.finishDueAt, finishWarnAt: d.finishWarnAt, dueAt: d.signDueAt, warnAt: d.signWarnAt, signedAt: null, signedBy: null };
  };
  const done = (patch: Partial<WorkOrder>, entries: TimelineEntry[], notices: Notice[] = []): ReduceResult => ({ ok: true, order: { ...order, ...patch, updatedAt: at }, entries, notices });
  const ref = order.ref;

  switch (action.type) {
    case 'dispatch': {
      const urgency = action.urgency ?? order.urgency;
      if (!(URGENCIES as readonly string[]).includes(urgency)) return fail('invalid', '紧急程度应为“一般”或“紧急”');
      const category = action.category === undefined ? order.category : action.category;
      if (category && !env.tree.categories.has(category)) return fail('invalid', `未知的诉求分类“${category}”`);
      if (!category) return fail('invalid', '派单前请选择诉求分类');
      const assists = action.assists ?? [];
      if (assists.some((a) => a.departmentId === action.departmentId)) return fail('invalid', '主办单位不能同时是协办单位');
      if (new Set(assists.map((a) => a.departmentId)).size !== assists.length) return fail('invalid', '协办单位重复');
      // A return in dispute (upheld once, returned again) is for a supervisor to decide.
      if (order.status === 'returned' && order.disputeLevel >= 1 && !SUPERVISE.includes(actor.role)) return fail('forbidden', '该退单有争议，须由督办（班长）裁定');
      const redispatch = order.dispatchedAt !== null;
      const clock = clockFrom(order, now, category, urgency);
      const parts: AssistPart[] = assists.map((a) => ({ departmentId: a.departmentId, departmentName: a.departmentName, instruction: text(a.instruction) || null, status: 'open', answer: null, answeredBy: null, answeredAt: null }));
      const instruction = text(action.instruction) || null;
      const notices: Notice[] = [{ to: 'department', departmentId: action.departmentId, kind: 'dispatched',
        text: `工单${ref}（${env.tree.categories.get(category)?.path ?? category}${urgency === 'urgent' ? '，紧急' : ''}）已派至贵单位，请于${fmt(clock.signDueAt!)}前签收、${fmt(clock.finishDueAt!)}前办结。${instruction ?? ''}` }];
      for (const p of parts) notices.push({ to: 'department', departmentId: p.departmentId, kind: 'assist', text: `工单${ref}请贵单位协办（主办：${action.departmentName}）。${p.instruction ?? ''}` });
      return done({
        ...clock, status: 'assigned', departmentId: action.departmentId, departmentName: action.departmentName, category, urgency, instruction,
        dispatchedAt: at, dispatchedBy: actor.id, parts, returnReason: null, extension: null,
        disputeLevel: order.status === 'returned' && order.departmentId !== action.departmentId ? 0 : order.disputeLevel,
      }, [entry(instruction, { department: action.departmentName, category, urgency, signDueAt: clock.signDueAt, finishDueAt: clock.finishDueAt, assists: parts.map((p) => p.departmentName) }, redispatch ? 'redispatch' : 'dispatch', redispatch ? '改派' : '派单')], notices);
    }
    case 'direct': {
      const answer = text(action.answer);
      if (!answer) return fail('invalid', '答复内容不能为空');
      if (order.kind !== 'consultation') return fail('conflict', '只有咨询件可以直办');
      return done({ status: 'closed', answer, answeredBy: actor.id, answeredAt: at, closedAt: at, closeReason: '直办答复', dueAt: null, warnAt: null },
        [entry(answer)], [{ to: 'citizen', kind: 'answer', text: answer }]);
    }
    case 'sign':
      return done({ status: 'handling', signedAt: at, signedBy: actor.id, dueAt: order.finishDueAt, warnAt: order.finishWarnAt },
        [entry(text(action.opinion) || null, { late: order.signDueAt !== null && at > order.signDueAt })]);
    case 'return': {
      if (!(RETURN_REASONS as readonly string[]).includes(action.reason)) return fail('invalid', `退单原因应为：${RETURN_REASONS.map((r) => RETURN_REASON_ZH[r]).join('、')}`);
      const opinion = text(action.opinion);
      if (!opinion) return fail('invalid', '请写明退单理由');
      if (order.disputeLevel >= 2) return fail('conflict', '督办已裁定由贵单位办理，不能再次退单');
      const dispute = order.disputeLevel === 1;
      const notices: Notice[] = [{ to: 'dispatchers', kind: 'returned', text: `工单${ref}被${actor.departmentName ?? ''}退回：${RETURN_REASON_ZH[action.reason]}。${opinion}` }];
      if (dispute) notices.push({ to: 'supervisors', kind: 'dispute', text: `工单${ref}维持派单后再次被退回，请裁定。` });
      return done({ status: 'returned', returnCount: order.returnCount + 1, returnReason: action.reason, dueAt: null, warnAt: null, extension: null },
        [entry(opinion, { reason: action.reason, reasonZh: RETURN_REASON_ZH[action.reason], dispute })], notices);
    }
    case 'uphold': {
      const opinion = text(action.opinion);
      if (!opinion) return fail('invalid', '请写明维持派单的理由');
      if (order.disputeLevel >= 1 && !SUPERVISE.includes(actor.role)) return fail('forbidden', '该退单有争议，须由督办（班长）裁定');
      if (order.departmentId === null) return fail('conflict', '工单没有承办单位，请派单');
      const clock = clockFrom(order, now);
      return done({ ...clock, status: 'assigned', returnReason: null, dispatchedAt: at, disputeLevel: SUPERVISE.includes(actor.role) && order.disputeLevel >= 1 ? 2 : 1 },
        [entry(opinion, { department: order.departmentName, signDueAt: clock.signDueAt, finishDueAt: clock.finishDueAt })],
        [{ to: 'department', departmentId: order.departmentId, kind: 'upheld', text: `工单${ref}退单未获同意，仍由贵单位办理：${opinion}` }]);
    }
    case 'assist': {
      if (!action.assists.length) return fail('invalid', '请选择协办单位');
      const have = new Set(order.parts.map((p) => p.departmentId));
      for (const a of action.assists) {
        if (a.departmentId === order.departmentId) return fail('invalid', '主办单位不能同时是协办单位');
        if (have.has(a.departmentId)) return fail('conflict', `${a.departmentName}已是协办单位`);
        have.add(a.departmentId);
      }
      const added: AssistPart[] = action.assists.map((a) => ({ departmentId: a.departmentId, departmentName: a.departmentName, instruction: text(a.instruction) || null, status: 'open', answer: null, answeredBy: null, answeredAt: null }));
      return done({ parts: [...order.parts, ...added] }, [entry(null, { assists: added.map((p) => p.departmentName) })],
        added.map((p) => ({ to: 'department' as const, departmentId: p.departmentId, kind: 'assist' as const, text: `工单${ref}请贵单位协办（主办：${order.departmentName ?? ''}）。${p.instruction ?? ''}` })));
    }
    case 'assist_answer': {
      const answer = text(action.answer);
      if (!answer) return fail('invalid', '协办答复不能为空');
      const part = actor.role === 'department' ? order.parts.find((p) => p.departmentId === actor.departmentId)
        : action.departmentId ? order.parts.find((p) => p.departmentId === action.departmentId) : order.parts.find((p) => p.status === 'open');
      if (!part) return fail(actor.role === 'department' ? 'forbidden' : 'conflict', actor.role === 'department' ? '贵单位不是该工单的协办单位' : '没有待答复的协办单位');
      if (part.status === 'answered') return fail('conflict', '贵单位已提交协办答复');
      const parts = order.parts.map((p) => (p === part ? { ...p, status: 'answered' as const, answer, answeredBy: actor.id, answeredAt: at } : p));
      return done({ parts }, [entry(answer, actor.role === 'department' ? null : { department: part.departmentName })]);
    }
    case 'request_extension': {
      const reason = text(action.reason);
      if (!reason) return fail('invalid', '请写明延期理由');
      if (!Number.isInteger(action.days) || action.days < 1 || action.days > 60) return fail('invalid', '延期天数应为 1 到 60 个工作日');
      if (order.extension) return fail('conflict', '已有一项延期申请待审批');
      return done({ extensionCount: order.extensionCount + 1, extension: { id: action.requestId ?? null, departmentId: actor.departmentId ?? order.departmentId!, requestedBy: actor.id, requestedByName: actor.name, reason, days: action.days, requestedAt: at } },
        [entry(reason, { days: action.days })],
        [{ to: 'supervisors', kind: 'extension_requested', text: `工单${ref}申请延期 ${action.days} 个工作日：${reason}` }]);
    }
    case 'decide_extension': {
      const ext = order.extension;
      if (!ext) return fail('conflict', '没有待审批的延期申请');
      const opinion = text(action.opinion);
      if (!action.approve && !opinion) return fail('invalid', '不同意延期请写明理由');
      const days = action.days ?? ext.days;
      if (!Number.isInteger(days) || days < 1 || days > 60) return fail('invalid', '延期天数应为 1 到 60 个工作日');
      if (!action.approve) {
        return done({ extension: null }, [entry(opinion, { approved: false, extensionId: ext.id }, 'refuse_extension', '不同意延期')],
          [{ to: 'department', departmentId: order.departmentId!, kind: 'extension_refused', text: `工单${ref}延期申请未获同意：${opinion}` }]);
      }
      const due = extendDue(new Date(order.finishDueAt ?? at), days, env.clock);
      const start = new Date(order.dispatchedAt ?? at);
      const warn = warnAt(start, due, env.clock, env.warnRatio); // in working time, like the first deadline
      return done({ extension: null, finishDueAt: due.toISOString(), finishWarnAt: warn.toISOString(), dueAt: due.toISOString(), warnAt: warn.toISOString() },
        [entry(opinion || null, { approved: true, days, finishDueAt: due.toISOString(), extensionId: ext.id }, 'approve_extension', '同意延期')],
        [{ to: 'department', departmentId: order.departmentId!, kind: 'extension_approved', text: `工单${ref}延期已同意，办结期限延至${fmt(due.toISOString())}。` }]);
    }
    case 'interim': {
      const answer = text(action.answer);
      if (!answer) return fail('invalid', '阶段性答复不能为空');
      return done({ interimCount: order.interimCount + 1 }, [entry(answer)], [{ to: 'citizen', kind: 'interim', text: answer }]);
    }
    case 'answer': {
      const answer = text(action.answer);
      if (!answer) return fail('invalid', '办结回复不能为空');
      const open = order.parts.filter((p) => p.status !== 'answered');
      if (open.length) return fail('conflict', `协办单位尚未答复：${open.map((p) => p.departmentName).join('、')}`);
      return done({ status: 'answered', answer, answeredBy: actor.id, answeredAt: at, satisfaction: null, satisfactionAt: null, dueAt: null, warnAt: null, extension: null },
        [entry(answer, { late: order.finishDueAt !== null && at > order.finishDueAt })], [{ to: 'citizen', kind: 'answer', text: answer }]);
    }
    case 'survey': {
      if (![1, 2, 3].includes(action.score)) return fail('invalid', '满意度应为 1 满意、2 基本满意、3 不满意');
      const label = SATISFACTION_ZH[action.score];
      const via = action.via === 'sms' ? '短信回访' : action.via === 'call' ? '电话按键回访' : '人工电话回访';
      const e = entry(text(action.opinion) || label, { score: action.score, satisfaction: label, via });
      if (action.score !== 3) {
        return done({ status: 'closed', satisfaction: action.score, satisfactionAt: at, closedAt: at, closeReason: `回访${label}`, dueAt: null, warnAt: null },
          [e, { ...entry(`回访${label}，办结`, null, 'close', '办结') }]);
      }
      if (order.reopenCount >= env.redoLimit || order.departmentId === null) {
        return done({ status: 'escalated', satisfaction: 3, satisfactionAt: at, escalatedAt: at, dueAt: null, warnAt: null },
          [e, entry(`已重办 ${order.reopenCount} 次仍不满意，转督办`, { redoCount: order.reopenCount }, 'escalate', '转督办')],
          [{ to: 'supervisors', kind: 'escalated', text: `工单${ref}已重办 ${order.reopenCount} 次，市民仍不满意，请督办。` }]);
      }
      return redo(order, `回访不满意，重办`, { ...e }, true);
    }
    case 'redo': {
      const opinion = text(action.opinion);
      if (!opinion) return fail('invalid', '请写明重办要求');
      if (order.departmentId === null) return fail('conflict', '工单没有承办单位，请派单');
      return redo(order, opinion, null, false);
    }
    case 'urge': {
      const opinion = text(action.opinion);
      if (!opinion) return fail('invalid', '请写明催办意见');
      return done({ urgeCount: order.urgeCount + 1 }, [entry(opinion, { count: order.urgeCount + 1 })],
        [{ to: 'department', departmentId: order.departmentId!, kind: 'urged', text: `督办催办：工单${ref}请抓紧办理。${opinion}` }]);
    }
    case 'merge': {
      if (action.parentId === order.id) return fail('invalid', '不能并入自身');
      if (action.parentParentId !== null || action.parentStatus === 'merged') return fail('conflict', `工单${action.parentRef}本身已被合并，请并入其主工单`);
      if (action.parentStatus === 'closed') return fail('conflict', `工单${action.parentRef}已办结，不能并入`);
      return done({ status: 'merged', parentId: action.parentId, dueAt: null, warnAt: null }, [entry(null, { parentId: action.parentId, parentRef: action.parentRef })]);
    }
    case 'parent_answered': {
      const answer = text(action.answer);
      if (!answer) return fail('invalid', '答复内容不能为空');
      return done({ status: 'answered', answer, answeredBy: actor.id, answeredAt: at, satisfaction: null, satisfactionAt: null },
        [entry(answer, { parentRef: action.parentRef })], [{ to: 'citizen', kind: 'answer', text: answer }]);
    }
    case 'close': {
      const reason = text(action.reason);
      if (!order.answeredAt && !reason) return fail('invalid', '尚未发出办结回复，办结须写明理由');
      const why = reason || '已答复';
      return done({ status: 'closed', closedAt: at, closeReason: why, dueAt: null, warnAt: null, extension: null },
        [entry(why)], [{ to: 'citizen', kind: 'closed', text: `您反映的问题（工单${ref}）已办结：${why}` }]);
    }
    case 'edit': {
      const patch: Partial<WorkOrder> = {};
      const changed: Record<string, unknown> = {};
      if (action.category !== undefined && action.category !== order.category) {
        if (action.category && !env.tree.categories.has(action.category)) return fail('invalid', `未知的诉求分类“${action.category}”`);
        patch.category = action.category || null; changed.category = patch.category;
      }
      if (action.urgency !== undefined && action.urgency !== order.urgency) {
        if (!(URGENCIES as readonly string[]).includes(action.urgency)) return fail('invalid', '紧急程度应为“一般”或“紧急”');
        patch.urgency = action.urgency; changed.urgency = action.urgency;
      }
      if (action.kind !== undefined && action.kind !== order.kind) {
        if (!(FEEDBACK_KINDS as readonly string[]).includes(action.kind)) return fail('invalid', `类型应为：${FEEDBACK_KINDS.map((k) => FEEDBACK_KIND_ZH[k]).join('、')}`);
        patch.kind = action.kind; changed.kind = action.kind;
      }
      if (action.replyBy !== undefined && action.replyBy !== order.replyBy) {
        if (action.replyBy !== null && !(REPLY_BY as readonly string[]).includes(action.replyBy)) return fail('invalid', '答复方式应为 sms、call 或 none');
        patch.replyBy = action.replyBy; changed.replyBy = action.replyBy;
      }
      for (const k of ['address', 'summary'] as const) {
        const v = action[k] === undefined ? undefined : text(action[k]) || null;
        if (v !== undefined && v !== order[k]) { patch[k] = v; changed[k] = v; }
      }
      // A change of category or urgency after dispatch does not move the running deadlines (派单 again does).
      if (!Object.keys(changed).length) return done({}, []);
      return done(patch, [entry(null, changed)]);
    }
    case 'claim': {
      if (action.release) {
        if (order.claimedBy !== actor.id && !SUPERVISE.includes(actor.role)) return fail('forbidden', '只能放弃本人认领的工单');
        return done({ claimedBy: null }, [entry(null, null, 'release', '放弃认领')]);
      }
      if (order.claimedBy && order.claimedBy !== actor.id) return fail('conflict', `已被${order.claimedBy}认领`);
      if (order.claimedBy === actor.id) return done({}, []);
      return done({ claimedBy: actor.id }, [entry(null)]);
    }
  }

  /** 重办: back to the same department, clock restarted, counted; assisting parts reopened. */
  function redo(o: WorkOrder, opinion: string, first: TimelineEntry | null, bySurvey: boolean): ReduceResult {
    const clock = clockFrom(o, now);
    const count = o.reopenCount + 1;
    const parts = o.parts.map((p) => ({ ...p, status: 'open' as const, answer: null, answeredBy: null, answeredAt: null }));
    const entries = [...(first ? [first] : []), entry(opinion, { count, department: o.departmentName, signDueAt: clock.signDueAt, finishDueAt: clock.finishDueAt }, 'redo', '重办')];
    const notices: Notice[] = [{ to: 'department', departmentId: o.departmentId!, kind: 'redo', text: `工单${o.ref}${bySurvey ? '回访不满意，' : ''}请重办（第 ${count} 次），于${fmt(clock.signDueAt!)}前签收。` }];
    if (bySurvey) notices.push({ to: 'supervisors', kind: 'dissatisfied', text: `工单${o.ref}回访不满意，已第 ${count} 次重办。` });
    return done({ ...clock, status: 'assigned', reopenCount: count, parts, escalatedAt: null, dispatchedAt: at, answer: o.answer, ...(bySurvey ? { satisfaction: 3 as const, satisfactionAt: at } : {}) }, entries, notices);
  }
}

/** The survey is asked only for handled problems (投诉、举报、诉求), as before. */
export function surveyed(o: Pick<WorkOrder, 'kind'>): boolean { return SURVEYED_KINDS.includes(o.kind); }
