/**
 * The one declarative route table of the panel's JSON API: every route with the roles allowed to
 * call it. The server enforces it in one onRequest hook (before body parsing), and the role × route
 * test walks it. Admin is the superuser role; department staff are further scoped to their own
 * department's feedback and declarations inside the handlers (another department's item → 404).
 */
import type { StaffRole } from '../store/repos/staff.js';

export type { StaffRole };
export const ALL_ROLES: readonly StaffRole[] = ['admin', 'supervisor', 'operator', 'department'];
const CENTRAL: readonly StaffRole[] = ['admin', 'supervisor', 'operator'];
const SUPERVISE: readonly StaffRole[] = ['admin', 'supervisor'];
const ADMIN: readonly StaffRole[] = ['admin'];
/** Who has a seat and takes queued calls. */
const SEAT: readonly StaffRole[] = ['admin', 'operator'];

export interface RouteSpec {
  method: 'GET' | 'POST';
  /** Path below /admin. */
  url: string;
  roles: readonly StaffRole[];
  summary: string;
}

export const ROUTES: readonly RouteSpec[] = [
  // session (login and logout are public/any and not in the matrix: see auth.ts)
  { method: 'GET', url: '/api/session', roles: ALL_ROLES, summary: '当前用户与 CSRF 令牌 (current user, CSRF token)' },
  { method: 'POST', url: '/api/me/password', roles: ALL_ROLES, summary: '修改本人密码 (change own password)' },
  { method: 'GET', url: '/api/badges', roles: ALL_ROLES, summary: '导航角标 (nav badges)' },
  { method: 'GET', url: '/api/health', roles: ALL_ROLES, summary: '组件状态 (component health)' },
  { method: 'GET', url: '/api/departments', roles: ALL_ROLES, summary: '部门列表 (departments)' },
  // feedback
  { method: 'GET', url: '/api/feedback', roles: ALL_ROLES, summary: '反馈列表 (feedback inbox)' },
  { method: 'GET', url: '/api/feedback/:id', roles: ALL_ROLES, summary: '反馈详情与时间线 (detail, timeline)' },
  { method: 'GET', url: '/api/feedback/:id/recording', roles: ALL_ROLES, summary: '录音 (recording, audio/wav)' },
  { method: 'GET', url: '/api/feedback/:id/call-recording', roles: ALL_ROLES, summary: '坐席通话录音 (the operator call of a queued call, audio/wav)' },
  { method: 'POST', url: '/api/feedback/:id/transcript', roles: CENTRAL, summary: '保存转写 (save transcript)' },
  { method: 'POST', url: '/api/feedback/:id/assign', roles: CENTRAL, summary: '分派/改派 (assign, reassign)' },
  { method: 'POST', url: '/api/feedback/:id/answer', roles: ['admin', 'department'], summary: '答复 (answer)' },
  { method: 'POST', url: '/api/feedback/:id/answer-preview', roles: ['admin', 'department'], summary: '答复短信预览（条数与原文）(answer SMS preview)' },
  { method: 'POST', url: '/api/feedback/:id/kind', roles: CENTRAL, summary: '分类（诉求→投诉/咨询…）(classify)' },
  { method: 'POST', url: '/api/feedback/:id/close', roles: CENTRAL, summary: '办结 (close)' },
  { method: 'POST', url: '/api/feedback/:id/reveal-phone', roles: CENTRAL, summary: '查看完整号码（留痕）(reveal phone, audited)' },
  // work orders (工单): the dispatcher's, supervisor's and department staff's side; the reducer's own table
  // (src/workorders/machine.ts ACTIONS) decides per order state, department staff only on their department's orders
  { method: 'GET', url: '/api/work-orders', roles: ALL_ROLES, summary: '工单队列（待派单、待签收、办理中、即将超时、已超时、待回访、重办、我的）(work-order queues)' },
  { method: 'GET', url: '/api/work-orders/:id', roles: ALL_ROLES, summary: '工单详情、时限与全程时间线 (work order, time left, timeline)' },
  { method: 'POST', url: '/api/work-orders/:id/details', roles: CENTRAL, summary: '登记信息（转写、分类、地址、紧急程度，可同时派单）(intake fields, optionally dispatch, one save)' },
  { method: 'POST', url: '/api/work-orders/:id/dispatch', roles: CENTRAL, summary: '派单/改派 (dispatch, re-dispatch)' },
  { method: 'POST', url: '/api/work-orders/:id/direct', roles: CENTRAL, summary: '直办（咨询当场答复）(answer a consultation at once)' },
  { method: 'POST', url: '/api/work-orders/:id/uphold', roles: CENTRAL, summary: '维持派单（退单不予同意）(uphold after a return)' },
  { method: 'POST', url: '/api/work-orders/:id/assist', roles: CENTRAL, summary: '增加协办单位 (add assisting departments)' },
  { method: 'POST', url: '/api/work-orders/:id/merge', roles: CENTRAL, summary: '合并到主工单 (merge into a parent)' },
  { method: 'POST', url: '/api/work-orders/:id/close', roles: CENTRAL, summary: '办结 (close)' },
  { method: 'POST', url: '/api/work-orders/:id/claim', roles: CENTRAL, summary: '认领/放弃认领 (claim, release)' },
  { method: 'POST', url: '/api/work-orders/:id/survey', roles: CENTRAL, summary: '人工回访结果 (staff phone visit)' },
  { method: 'POST', url: '/api/work-orders/:id/extension-decision', roles: SUPERVISE, summary: '延期审批 (approve or refuse an extension)' },
  { method: 'POST', url: '/api/work-orders/:id/redo', roles: SUPERVISE, summary: '重办 (send back to the department)' },
  { method: 'POST', url: '/api/work-orders/:id/urge', roles: SUPERVISE, summary: '催办 (urge)' },
  { method: 'POST', url: '/api/work-orders/:id/sign', roles: ['admin', 'department'], summary: '签收 (acknowledge)' },
  { method: 'POST', url: '/api/work-orders/:id/return', roles: ['admin', 'department'], summary: '退单 (return with a reason)' },
  { method: 'POST', url: '/api/work-orders/:id/extension', roles: ['admin', 'department'], summary: '申请延期 (ask for more time)' },
  { method: 'POST', url: '/api/work-orders/:id/interim', roles: ['admin', 'department'], summary: '阶段性答复 (interim answer)' },
  { method: 'POST', url: '/api/work-orders/:id/answer', roles: ['admin', 'department'], summary: '办结回复 (final answer)' },
  { method: 'POST', url: '/api/work-orders/:id/assist-answer', roles: ['admin', 'department'], summary: '协办答复 (assisting department\'s answer)' },
  { method: 'POST', url: '/api/work-orders', roles: CENTRAL, summary: '坐席新建工单（来电弹屏，渠道电话，关联通话）(new work order from the seat)' },
  // the operator's seat (src/admin/routes/seat/): operators take the calls; admin as the superuser
  { method: 'GET', url: '/api/seat', roles: SEAT, summary: '我的坐席（分机、状态、起始时间）(my seat)' },
  { method: 'POST', url: '/api/seat', roles: SEAT, summary: '签入/小休/签出 (set my seat state)' },
  { method: 'GET', url: '/api/seat/history', roles: SEAT, summary: '来电弹屏的市民历史（仅本坐席的来电）(caller history for the screen pop)' },
  // declarations
  { method: 'GET', url: '/api/declarations', roles: ALL_ROLES, summary: '申报件查询 (search declarations)' },
  { method: 'GET', url: '/api/declarations/:code', roles: ALL_ROLES, summary: '申报件详情 (declaration, timeline, subscribers)' },
  // SMS (through the SMS port)
  { method: 'GET', url: '/api/sms/outbox', roles: CENTRAL, summary: '短信发件箱 (outbox)' },
  { method: 'GET', url: '/api/sms/inbox', roles: CENTRAL, summary: '短信收件箱 (inbox)' },
  { method: 'GET', url: '/api/sms/stats', roles: CENTRAL, summary: '短信统计 (outbox stats)' },
  { method: 'POST', url: '/api/sms/:id/retry', roles: SUPERVISE, summary: '重发失败短信 (retry)' },
  { method: 'POST', url: '/api/sms/:id/cancel', roles: SUPERVISE, summary: '取消短信 (cancel)' },
  { method: 'POST', url: '/api/sms/send', roles: ADMIN, summary: '人工发送 (manual send)' },
  { method: 'POST', url: '/api/sms/bulk', roles: SUPERVISE, summary: '群发通知（一次多个号码，退订与免打扰时段照常）(bulk notice)' },
  { method: 'POST', url: '/api/sms/preview', roles: ADMIN, summary: '人工短信预览 (manual SMS preview)' },
  { method: 'GET', url: '/api/subscriptions', roles: CENTRAL, summary: '订阅与退订 (subscriptions, opt-outs)' },
  // calls
  { method: 'GET', url: '/api/calls', roles: CENTRAL, summary: '通话 (active and recent calls)' },
  // supervision
  { method: 'GET', url: '/api/stats', roles: SUPERVISE, summary: '督办统计 (per-department statistics)' },
  { method: 'GET', url: '/api/stats.csv', roles: SUPERVISE, summary: '督办统计 CSV (export)' },
  // 全程考核 (src/admin/routes/assessment/): department staff only their own department
  { method: 'GET', url: '/api/assessment', roles: ['admin', 'supervisor', 'department'], summary: '全程考核（部门、承办人）、热点与下钻（figure=…）(assessment, hot spots, drill-down)' },
  { method: 'GET', url: '/api/assessment.csv', roles: ['admin', 'supervisor', 'department'], summary: '全程考核 CSV (export)' },
  { method: 'GET', url: '/api/audit', roles: SUPERVISE, summary: '审计日志 (audit log)' },
  // administration
  { method: 'GET', url: '/api/users', roles: ADMIN, summary: '用户列表 (staff users)' },
  { method: 'POST', url: '/api/users', roles: ADMIN, summary: '新增用户 (add user)' },
  { method: 'POST', url: '/api/users/:id/password', roles: ADMIN, summary: '重置密码 (reset password)' },
  { method: 'POST', url: '/api/users/:id/disabled', roles: ADMIN, summary: '停用/启用 (disable/enable)' },
  { method: 'POST', url: '/api/users/:id/endpoint', roles: ADMIN, summary: '设置坐席分机 (set an operator\'s seat endpoint)' },
  { method: 'POST', url: '/api/users/:id/unlock', roles: ADMIN, summary: '解除登录锁定 (lift login lock-out)' },
  { method: 'POST', url: '/api/departments', roles: ADMIN, summary: '新增部门 (add department)' },
  { method: 'POST', url: '/api/departments/:code/rotate-key', roles: ADMIN, summary: '更换 API 密钥 (rotate API key)' },
  { method: 'GET', url: '/api/settings', roles: ADMIN, summary: '配置（已脱敏）(settings, redacted)' },
  // test phone (demo mode; 404 when no test phone is wired)
  { method: 'POST', url: '/api/testphone/call', roles: CENTRAL, summary: '测试电话拨号 (dial)' },
  { method: 'POST', url: '/api/testphone/call/:callId/press', roles: CENTRAL, summary: '按键 (DTMF)' },
  { method: 'POST', url: '/api/testphone/call/:callId/record', roles: CENTRAL, summary: '录一段话 (send a short recording)' },
  { method: 'POST', url: '/api/testphone/call/:callId/hangup', roles: CENTRAL, summary: '挂机 (hang up)' },
  { method: 'GET', url: '/api/testphone/operator', roles: CENTRAL, summary: '坐席话机：振铃/通话中的来电 (demo operator phone: calls ringing or talking)' },
  { method: 'POST', url: '/api/testphone/operator/:legId/answer', roles: CENTRAL, summary: '坐席话机接听 (answer on the operator phone)' },
  { method: 'POST', url: '/api/testphone/operator/:legId/hangup', roles: CENTRAL, summary: '坐席话机挂机 (hang up the operator phone)' },
  { method: 'POST', url: '/api/testphone/sms', roles: CENTRAL, summary: '测试手机发短信 (send SMS to 96365)' },
  { method: 'GET', url: '/api/testphone/sms', roles: CENTRAL, summary: '测试手机收到的短信 (SMS received)' },
  { method: 'POST', url: '/api/testphone/mail', roles: CENTRAL, summary: '测试邮箱写信给市民信箱 (send a mail to the citizens\' mailbox)' },
  { method: 'GET', url: '/api/testphone/mail', roles: CENTRAL, summary: '测试邮箱收到的邮件 (mail received)' },
  // the public web window (src/web/): 公开栏 flag, 挂牌上岗 titles, 办事指南, web attachments
  { method: 'POST', url: '/api/feedback/:id/publish', roles: SUPERVISE, summary: '设为公开/取消公开（公开栏，留痕）(publish on the public board, audited)' },
  { method: 'POST', url: '/api/users/:id/title', roles: ADMIN, summary: '设置职务（挂牌上岗）(staff title, public)' },
  { method: 'GET', url: '/api/guide', roles: SUPERVISE, summary: '办事指南事项 (service-guide items)' },
  { method: 'POST', url: '/api/guide', roles: ADMIN, summary: '保存办事指南事项 (save a service-guide item)' },
  { method: 'POST', url: '/api/guide/delete', roles: ADMIN, summary: '删除办事指南事项 (delete a service-guide item)' },
  { method: 'GET', url: '/api/feedback/:id/attachments', roles: ALL_ROLES, summary: '网站投诉的附件列表 (web attachments)' },
  { method: 'GET', url: '/api/feedback/:id/attachments/:aid', roles: ALL_ROLES, summary: '下载附件（留痕）(download an attachment, audited)' },
];

export function routeKey(r: Pick<RouteSpec, 'method' | 'url'>): string { return `${r.method} ${r.url}`; }
