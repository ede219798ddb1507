/** The work-order cycle, table by table: each row is `action by actor on an order in state X → status, timeline, notices | error`. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { WorkingCalendar, type CalendarData } from '../../src/domain/calendar.js';
import { loadCategoriesFile } from '../../src/workorders/categories-file.js';
import { ACTIONS, reduce, type MachineEnv, type WorkOrderAction } from '../../src/workorders/machine.js';
import type { Actor, WorkOrder } from '../../src/workorders/model.js';
import { formatLocal } from '../../src/domain/time.js';

const TZ = 'Asia/Shanghai';
const env: MachineEnv = {
  tree: loadCategoriesFile('data/categories.yaml'),
  clock: { calendar: new WorkingCalendar(JSON.parse(readFileSync('data/calendar.json', 'utf8')) as CalendarData), tz: TZ, hours: [[510, 720], [810, 1050]] },
  warnRatio: 0.8, redoLimit: 2,
};
const NOW = new Date('2026-03-02T01:00:00Z'); // Monday 09:00 local
const SCJG = 1, CGJ = 2, RSJ = 3;

const actors = {
  operator: { role: 'operator', id: 'staff:li', name: '李娜', departmentId: null, departmentName: null },
  supervisor: { role: 'supervisor', id: 'staff:zhao', name: '赵强', departmentId: null, departmentName: null },
  admin: { role: 'admin', id: 'staff:admin', name: '管理员', departmentId: null, departmentName: null },
  scjg: { role: 'department', id: 'dept:SCJG:王芳', name: '王芳', departmentId: SCJG, departmentName: '市市场监督管理局' },
  cgj: { role: 'department', id: 'dept:CGJ', name: '市城市管理局', departmentId: CGJ, departmentName: '市城市管理局' },
  rsj: { role: 'department', id: 'dept:RSJ', name: '市人社局', departmentId: RSJ, departmentName: '市人社局' },
  citizen: { role: 'citizen', id: 'citizen', name: '市民', departmentId: null, departmentName: null },
  system: { role: 'system', id: 'system', name: '系统', departmentId: null, departmentName: null },
} satisfies Record<string, Actor>;
type Who = keyof typeof actors;

function order(over: Partial<WorkOrder> = {}): WorkOrder {
  return {
    id: 7, ref: '2603020001', kind: 'complaint', channel: 'sms', phone: '8613800138000', text: '超市卖过期食品', recordingPath: null, recordingDuration: null,
    transcript: null, transcribedBy: null, transcribedAt: null, status: 'new', departmentId: null, departmentName: null, declarationId: null,
    answer: null, answeredBy: null, answeredAt: null, satisfaction: null, satisfactionAt: null, reopenCount: 0, callId: null, flowPath: null,
    createdAt: '2026-03-02T00:00:00.000Z', updatedAt: '2026-03-02T00:00:00.000Z',
    category: 'SCJG.FOOD', urgency: 'normal', address: '人民路 1 号', summary: null, replyBy: 'sms', instruction: null,
    dispatchedAt: null, dispatchedBy: null, signDueAt: null, signWarnAt: null, signedAt: null, signedBy: null, finishDueAt: null, finishWarnAt: null,
    dueAt: null, warnAt: null, returnCount: 0, returnReason: null, disputeLevel: 0, urgeCount: 0, extensionCount: 0, interimCount: 0,
    parentId: null, claimedBy: null, closedAt: null, closeReason: null, escalatedAt: null, parts: [], extension: null, ...over,
  };
}
const dispatched = (over: Partial<WorkOrder> = {}) => order({ status: 'assigned', departmentId: SCJG, departmentName: '市市场监督管理局', dispatchedAt: NOW.toISOString(), signDueAt: '2026-03-02T05:30:00.000Z', finishDueAt: '2026-03-09T15:59:59.999Z', ...over });
const handling = (over: Partial<WorkOrder> = {}) => dispatched({ status: 'handling', signedAt: NOW.toISOString(), ...over });
const answered = (over: Partial<WorkOrder> = {}) => handling({ status: 'answered', answer: '已查处', answeredAt: NOW.toISOString(), ...over });
const D = (id: number, name: string) => ({ departmentId: id, departmentName: name });

type Row = [string, WorkOrder, WorkOrderAction, Who, { status?: string; entries?: string[]; notices?: string[]; patch?: Partial<WorkOrder>; error?: [string, string] }];
function run(rows: Row[]) {
  it.each(rows)('%s', (_name, o, action, who, exp) => {
    const r = reduce(o, action, actors[who], NOW, env);
    if (exp.error) {
      expect(r).toEqual({ ok: false, error: { code: exp.error[0], message: expect.stringContaining(exp.error[1]) } });
      return;
    }
    if (!r.ok) throw new Error(`unexpected error: ${r.error.message}`);
    if (exp.status) expect(r.order.status).toBe(exp.status);
    if (exp.entries) expect(r.entries.map((e) => `${e.label}:${e.actorName}`)).toEqual(exp.entries);
    if (exp.notices) expect(r.notices.map((n) => `${n.to}:${n.kind}`)).toEqual(exp.notices);
    if (exp.patch) expect(r.order).toMatchObject(exp.patch);
    for (const e of r.entries) expect(e).toMatchObject({ at: NOW.toISOString(), actor: actors[who].id });
  });
}

describe('派单 dispatch / 改派 / 直办', () => {
  run([
    ['dispatch SCJG', order(), { type: 'dispatch', ...D(SCJG, '市市场监督管理局'), instruction: '请核查' }, 'operator',
      { status: 'assigned', entries: ['派单:李娜'], notices: ['department:dispatched'],
        patch: { departmentId: SCJG, instruction: '请核查', signDueAt: '2026-03-02T03:00:00.000Z', finishDueAt: '2026-03-09T15:59:59.999Z', dueAt: '2026-03-02T03:00:00.000Z', dispatchedBy: 'staff:li' } }],
    ['dispatch urgent with assists', order(), { type: 'dispatch', ...D(SCJG, '市市场监督管理局'), urgency: 'urgent', assists: [{ ...D(CGJ, '市城市管理局'), instruction: '查占道' }] }, 'supervisor',
      { status: 'assigned', notices: ['department:dispatched', 'department:assist'], patch: { urgency: 'urgent', signDueAt: '2026-03-02T02:00:00.000Z', parts: [expect.objectContaining({ departmentId: CGJ, status: 'open', instruction: '查占道' })] } }],
    ['re-dispatch a returned order (改派)', dispatched({ status: 'returned', returnReason: 'not_ours' }), { type: 'dispatch', ...D(CGJ, '市城市管理局'), category: 'CSGL.STALL' }, 'operator',
      { status: 'assigned', entries: ['改派:李娜'], patch: { departmentId: CGJ, category: 'CSGL.STALL', returnReason: null } }],
    ['dispatch without category', order({ category: null }), { type: 'dispatch', ...D(SCJG, 'x') }, 'operator', { error: ['invalid', '请选择诉求分类'] }],
    ['dispatch unknown category', order(), { type: 'dispatch', ...D(SCJG, 'x'), category: 'NOPE' }, 'operator', { error: ['invalid', '未知的诉求分类“NOPE”'] }],
    ['lead also assist', order(), { type: 'dispatch', ...D(SCJG, 'x'), assists: [D(SCJG, 'x')] }, 'operator', { error: ['invalid', '主办单位不能同时是协办单位'] }],
    ['department cannot dispatch', order({ departmentId: SCJG }), { type: 'dispatch', ...D(SCJG, 'x') }, 'scjg', { error: ['forbidden', '无权'] }],
    ['dispatch a closed order', order({ status: 'closed' }), { type: 'dispatch', ...D(SCJG, 'x') }, 'operator', { error: ['conflict', '工单当前状态为“已办结”，不能派单'] }],
    ['disputed return: operator may not decide', dispatched({ status: 'returned', disputeLevel: 1 }), { type: 'dispatch', ...D(CGJ, 'x') }, 'operator', { error: ['forbidden', '须由督办（班长）裁定'] }],
    ['直办 a consultation', order({ kind: 'consultation' }), { type: 'direct', answer: '办理时间为工作日' }, 'operator',
      { status: 'closed', entries: ['直办:李娜'], notices: ['citizen:answer'], patch: { answer: '办理时间为工作日', closeReason: '直办答复' } }],
    ['直办 a complaint', order(), { type: 'direct', answer: 'x' }, 'operator', { error: ['conflict', '只有咨询件可以直办'] }],
    ['直办 empty', order({ kind: 'consultation' }), { type: 'direct', answer: '  ' }, 'operator', { error: ['invalid', '答复内容不能为空'] }],
  ]);
});

describe('签收 / 退单 / 维持派单 (dispute to a supervisor)', () => {
  run([
    ['签收 by the department', dispatched(), { type: 'sign' }, 'scjg', { status: 'handling', entries: ['签收:王芳'], patch: { signedBy: 'dept:SCJG:王芳', dueAt: '2026-03-09T15:59:59.999Z' } }],
    ['签收 by another department → not found', dispatched(), { type: 'sign' }, 'cgj', { error: ['not_found', '工单不存在'] }],
    ['签收 twice', handling(), { type: 'sign' }, 'scjg', { error: ['conflict', '“办理中”，不能签收'] }],
    ['签收 by an operator', dispatched(), { type: 'sign' }, 'operator', { error: ['forbidden', '无权执行“签收”'] }],
    ['退单 非本单位职责', handling(), { type: 'return', reason: 'not_ours', opinion: '属城管职责' }, 'scjg',
      { status: 'returned', entries: ['退单:王芳'], notices: ['dispatchers:returned'], patch: { returnCount: 1, returnReason: 'not_ours', dueAt: null } }],
    ['退单 without a reason text', dispatched(), { type: 'return', reason: 'incomplete', opinion: '' }, 'scjg', { error: ['invalid', '请写明退单理由'] }],
    ['退单 with an unknown reason', dispatched(), { type: 'return', reason: 'lazy' as never, opinion: 'x' }, 'scjg', { error: ['invalid', '非本单位职责、分类错误、信息不全'] }],
    ['维持派单 by the dispatcher', dispatched({ status: 'returned', returnCount: 1 }), { type: 'uphold', opinion: '属食品安全' }, 'operator',
      { status: 'assigned', entries: ['维持派单:李娜'], notices: ['department:upheld'], patch: { disputeLevel: 1, departmentId: SCJG } }],
    ['second 退单 after upholding is a dispute', dispatched({ disputeLevel: 1 }), { type: 'return', reason: 'not_ours', opinion: '仍非我局' }, 'scjg',
      { status: 'returned', notices: ['dispatchers:returned', 'supervisors:dispute'] }],
    ['the supervisor decides the dispute', dispatched({ status: 'returned', disputeLevel: 1 }), { type: 'uphold', opinion: '由市场监管局办理' }, 'supervisor', { status: 'assigned', patch: { disputeLevel: 2 } }],
    ['no return after a supervisor decided', dispatched({ disputeLevel: 2 }), { type: 'return', reason: 'not_ours', opinion: 'x' }, 'scjg', { error: ['conflict', '督办已裁定'] }],
  ]);
});

describe('协办 / 申请延期 / 阶段性答复 / 办结回复', () => {
  const withPart = (status: 'open' | 'answered') => handling({ parts: [{ departmentId: CGJ, departmentName: '市城市管理局', instruction: null, status, answer: status === 'answered' ? '已清理' : null, answeredBy: null, answeredAt: null }] });
  const ext = { id: 5, departmentId: SCJG, requestedBy: 'dept:SCJG:王芳', requestedByName: '王芳', reason: '需检测', days: 5, requestedAt: NOW.toISOString() };
  run([
    ['协办 added later', handling(), { type: 'assist', assists: [D(CGJ, '市城市管理局')] }, 'operator', { entries: ['协办:李娜'], notices: ['department:assist'], patch: { parts: [expect.objectContaining({ departmentId: CGJ })] } }],
    ['协办 the same department twice', withPart('open'), { type: 'assist', assists: [D(CGJ, '市城市管理局')] }, 'operator', { error: ['conflict', '已是协办单位'] }],
    ['协办答复 by the assisting department', withPart('open'), { type: 'assist_answer', answer: '已清理' }, 'cgj',
      { status: 'handling', entries: ['协办答复:市城市管理局'], patch: { parts: [expect.objectContaining({ status: 'answered', answer: '已清理' })] } }],
    ['协办答复 by a department not assisting', withPart('open'), { type: 'assist_answer', answer: 'x' }, 'rsj', { error: ['not_found', '工单不存在'] }],
    ['协办答复 by the lead department', withPart('open'), { type: 'assist_answer', answer: 'x' }, 'scjg', { error: ['forbidden', '协办答复'] }],
    ['办结回复 with an assist still open', withPart('open'), { type: 'answer', answer: '已处理' }, 'scjg', { error: ['conflict', '协办单位尚未答复：市城市管理局'] }],
    ['办结回复 when the assists answered', withPart('answered'), { type: 'answer', answer: '已查处，罚款' }, 'scjg',
      { status: 'answered', entries: ['办结回复:王芳'], notices: ['citizen:answer'], patch: { answer: '已查处，罚款', dueAt: null } }],
    ['办结回复 before 签收', dispatched(), { type: 'answer', answer: 'x' }, 'scjg', { error: ['conflict', '“待签收”，不能办结回复'] }],
    ['阶段性答复', handling(), { type: 'interim', answer: '已立案调查' }, 'scjg', { status: 'handling', entries: ['阶段性答复:王芳'], notices: ['citizen:interim'], patch: { interimCount: 1 } }],
    ['申请延期', handling(), { type: 'request_extension', days: 5, reason: '需检测' }, 'scjg',
      { status: 'handling', entries: ['申请延期:王芳'], notices: ['supervisors:extension_requested'], patch: { extensionCount: 1, extension: expect.objectContaining({ days: 5, reason: '需检测' }) } }],
    ['申请延期 twice', handling({ extension: ext }), { type: 'request_extension', days: 2, reason: 'x' }, 'scjg', { error: ['conflict', '已有一项延期申请待审批'] }],
    ['申请延期 too long', handling(), { type: 'request_extension', days: 99, reason: 'x' }, 'scjg', { error: ['invalid', '1 到 60 个工作日'] }],
    ['同意延期: a new due date', handling({ extension: ext }), { type: 'decide_extension', approve: true, opinion: '' }, 'supervisor',
      { entries: ['同意延期:赵强'], notices: ['department:extension_approved'], patch: { extension: null, finishDueAt: '2026-03-16T15:59:59.999Z', dueAt: '2026-03-16T15:59:59.999Z' } }],
    ['不同意延期', handling({ extension: ext }), { type: 'decide_extension', approve: false, opinion: '按期办结' }, 'supervisor',
      { entries: ['不同意延期:赵强'], notices: ['department:extension_refused'], patch: { extension: null, finishDueAt: '2026-03-09T15:59:59.999Z' } }],
    ['延期审批 by an operator', handling({ extension: ext }), { type: 'decide_extension', approve: true, opinion: '' }, 'operator', { error: ['forbidden', '无权执行“延期审批”'] }],
    ['延期审批 with nothing pending', handling(), { type: 'decide_extension', approve: true, opinion: '' }, 'supervisor', { error: ['conflict', '没有待审批的延期申请'] }],
  ]);
});

describe('回访 / 重办 (limit, then a supervisor) / 催办', () => {
  run([
    ['回访 满意 closes', answered(), { type: 'survey', score: 1, via: 'sms' }, 'citizen', { status: 'closed', entries: ['回访:市民', '办结:市民'], notices: [], patch: { satisfaction: 1, closeReason: '回访满意' } }],
    ['回访 基本满意 by a staff phone visit', answered(), { type: 'survey', score: 2, via: 'staff' }, 'operator', { status: 'closed', patch: { satisfaction: 2 } }],
    ['回访 不满意 → 重办 to the same department', answered(), { type: 'survey', score: 3, via: 'sms' }, 'citizen',
      { status: 'assigned', entries: ['回访:市民', '重办:市民'], notices: ['department:redo', 'supervisors:dissatisfied'], patch: { reopenCount: 1, departmentId: SCJG, signedAt: null, satisfaction: 3 } }],
    ['不满意 past the redo limit → 督办', answered({ reopenCount: 2 }), { type: 'survey', score: 3, via: 'call' }, 'citizen',
      { status: 'escalated', entries: ['回访:市民', '转督办:市民'], notices: ['supervisors:escalated'], patch: { reopenCount: 2 } }],
    ['重办 by the supervisor after escalation', answered({ status: 'escalated', reopenCount: 2 }), { type: 'redo', opinion: '再查一次' }, 'supervisor', { status: 'assigned', entries: ['重办:赵强'], patch: { reopenCount: 3 } }],
    ['回访 before an answer', handling(), { type: 'survey', score: 1, via: 'sms' }, 'citizen', { error: ['conflict', '不能回访'] }],
    ['催办', handling(), { type: 'urge', opinion: '今日内答复' }, 'supervisor', { entries: ['催办:赵强'], notices: ['department:urged'], patch: { urgeCount: 1 } }],
    ['催办 by an operator', handling(), { type: 'urge', opinion: 'x' }, 'operator', { error: ['forbidden', '无权执行“催办”'] }],
    ['催办 a closed order', order({ status: 'closed' }), { type: 'urge', opinion: 'x' }, 'supervisor', { error: ['conflict', '不能催办'] }],
  ]);
});

describe('合并 / 办结 / 认领', () => {
  run([
    ['合并 into a parent', order(), { type: 'merge', parentId: 3, parentRef: '2603010009', parentStatus: 'handling', parentParentId: null }, 'operator', { status: 'merged', entries: ['合并:李娜'], patch: { parentId: 3 } }],
    ['合并 into a merged order', order(), { type: 'merge', parentId: 3, parentRef: 'R3', parentStatus: 'merged', parentParentId: 1 }, 'operator', { error: ['conflict', '本身已被合并'] }],
    ['合并 into itself', order(), { type: 'merge', parentId: 7, parentRef: 'R7', parentStatus: 'new', parentParentId: null }, 'operator', { error: ['invalid', '不能并入自身'] }],
    ['the parent answered: the merged citizen gets the answer', order({ status: 'merged', parentId: 3 }), { type: 'parent_answered', answer: '已查处', parentRef: 'R3' }, 'system',
      { status: 'answered', entries: ['合并答复:系统'], notices: ['citizen:answer'], patch: { answer: '已查处' } }],
    ['办结 with a sent answer', answered({ kind: 'consultation' }), { type: 'close' }, 'operator', { status: 'closed', entries: ['办结:李娜'], notices: ['citizen:closed'], patch: { closeReason: '已答复' } }],
    ['办结 without an answer needs a reason', handling(), { type: 'close' }, 'operator', { error: ['invalid', '办结须写明理由'] }],
    ['办结 without an answer, with a reason', order(), { type: 'close', reason: '重复来电，已电话告知' }, 'supervisor', { status: 'closed', notices: ['citizen:closed'], patch: { closeReason: '重复来电，已电话告知' } }],
    ['办结 by a department', answered(), { type: 'close' }, 'scjg', { error: ['forbidden', '办结'] }],
    ['认领', order(), { type: 'claim' }, 'operator', { entries: ['认领:李娜'], patch: { claimedBy: 'staff:li' } }],
    ['登记信息: category, urgency, address in one step', order({ category: null }), { type: 'edit', category: 'CSGL.STALL', urgency: 'urgent', address: ' 人民路 2 号 ', summary: '占道' }, 'operator',
      { status: 'new', entries: ['登记信息:李娜'], patch: { category: 'CSGL.STALL', urgency: 'urgent', address: '人民路 2 号', summary: '占道' } }],
    ['登记信息 unchanged: no entry', order(), { type: 'edit', category: 'SCJG.FOOD' }, 'operator', { entries: [] }],
    ['登记信息 with an unknown category', order(), { type: 'edit', category: 'X.Y' }, 'operator', { error: ['invalid', '未知的诉求分类“X.Y”'] }],
    ['登记信息 by a department', dispatched(), { type: 'edit', address: 'x' }, 'scjg', { error: ['forbidden', '登记信息'] }],
    ['认领 taken by someone else', order({ claimedBy: 'staff:wu' }), { type: 'claim' }, 'operator', { error: ['conflict', '已被staff:wu认领'] }],
  ]);
});

describe('the table', () => {
  it('every action has a Chinese name, roles and start statuses; departments only act on their own scope', () => {
    for (const [type, spec] of Object.entries(ACTIONS)) {
      expect(spec.label, type).toMatch(/[\u4e00-\u9fff]/);
      expect(spec.roles.length, type).toBeGreaterThan(0);
      if (spec.roles.includes('department')) expect(spec.scope, type).toBeDefined();
    }
  });
  it('the dispatch notice names the deadlines in local time', () => {
    const r = reduce(order(), { type: 'dispatch', ...D(SCJG, '市市场监督管理局') }, actors.operator, NOW, env);
    expect(r.ok && r.notices[0].text).toBe(`工单2603020001（市场监管/食品安全）已派至贵单位，请于${formatLocal('2026-03-02T03:00:00.000Z', TZ)}前签收、2026-03-09 23:59前办结。`);
  });
});
