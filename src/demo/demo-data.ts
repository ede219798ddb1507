/**
 * Demo data for the try-it-now mode and `hotline demo-data`: three departments, declarations at every
 * stage with their steps, and a few complaints. Query codes are fixed so the README can name them.
 */
import type { AppContext } from '../context.js';
import { withCheckDigit } from '../domain/query-code.js';
import { addDepartment } from '../departments.js';
import type { DeclarationStatus } from '../domain/types.js';

export const DEMO_CODES = {
  inProgress: withCheckDigit('96365000001'),
  supplement: withCheckDigit('96365000002'),
  ready: withCheckDigit('96365000003'),
  overdue: withCheckDigit('96365000004'),
};

export interface DemoResult { created: boolean; departments: Array<{ code: string; name: string; apiKey: string | null }>; codes: typeof DEMO_CODES }

export async function seedDemoData(ctx: AppContext): Promise<DemoResult> {
  if (await ctx.store.departments.byCode('SCJG')) return { created: false, departments: [], codes: DEMO_CODES };
  const depts = [
    await addDepartment(ctx.store, 'SCJG', '市市场监督管理局', '13800000001'),
    await addDepartment(ctx.store, 'RSJ', '市人力资源和社会保障局', '13800000002'),
    await addDepartment(ctx.store, 'GAJ', '市公安局出入境管理支队', '13800000003'),
  ];
  const [scjg, rsj, gaj] = depts.map((d) => d.department);
  const now = ctx.now();
  const daysAgo = (n: number, h = 10) => new Date(now.getTime() - n * 86400_000 + (h - 10) * 3600_000).toISOString();
  type Step = [string, DeclarationStatus, string, string, string | null, number, Record<string, string>?];
  const make = async (dept: typeof scjg, ref: string, code: string, item: string, name: string, phone: string, accepted: number, limit: number, steps: Step[]) => {
    await ctx.declarations.upsert(dept, ref, { itemName: item, applicantName: name, applicantPhone: phone, acceptedAt: daysAgo(accepted), timeLimitDays: limit }, { queryCode: code });
    for (const [i, [step, status, handler, title, opinion, ago, details]] of steps.entries()) {
      await ctx.declarations.applyStatusEvent(dept, ref, { eventId: `${ref}-${i + 1}`, stepName: step, status, handlerName: handler, handlerTitle: title, opinion, occurredAt: daysAgo(ago, 11 + i), details: details ?? null });
    }
  };
  await make(scjg, 'SC2026-0001', DEMO_CODES.inProgress, '食品经营许可证新办', '张晓明', '13912345678', 3, 10, [
    ['材料初审', 'in_progress', '李娜', '窗口受理员', '材料齐全，转审批科室', 2],
    ['现场核查', 'in_progress', '王强', '审批科科员', '已安排现场核查', 1],
  ]);
  await make(rsj, 'RS2026-0107', DEMO_CODES.supplement, '社会保障卡补办', '欧阳小红', '13712345678', 2, 5, [
    ['材料审核', 'supplement_needed', '陈静', '社保经办员', '缺少近期免冠照片', 1, { missing: '近期白底免冠照片一张' }],
  ]);
  await make(gaj, 'CR-88231', DEMO_CODES.ready, '往来港澳通行证签注', '刘洋', '13612345678', 6, 7, [
    ['审批', 'approved', '赵敏', '审批民警', '准予签注', 2],
    ['制证完成', 'ready_for_pickup', '赵敏', '审批民警', null, 1, { place: '市民中心二楼出入境窗口', time: '工作日 9:00-17:00' }],
  ]);
  await make(scjg, 'SC2026-0002', DEMO_CODES.overdue, '个体工商户变更登记', '王五', '13512345678', 20, 5, [
    ['材料初审', 'in_progress', '李娜', '窗口受理员', '转审批', 19],
  ]);
  await ctx.feedback.create({ kind: 'complaint', channel: 'sms', phone: '13912345678', text: '办证窗口排队太久，希望增加窗口。' });
  const asked = await ctx.feedback.create({ kind: 'consultation', channel: 'sms', phone: '13512340000', text: '个体工商户变更经营场所，需要准备哪些材料？' });
  // One answered consultation on the web window's 公开栏 (published), so a newcomer sees the board filled.
  await ctx.workOrders.answerInOneStep(asked.id, '请携带营业执照正副本、经营者身份证、新经营场所使用证明，到市民中心一楼市场监管窗口办理，当场办结，不收费。', { role: 'operator', id: 'system:demo', name: '96365 热线（演示数据）', departmentId: null, departmentName: null });
  await ctx.store.web.setPublishable(asked.id, true, 'system', now.toISOString());
  await ctx.feedback.create({ kind: 'consultation', channel: 'sms', phone: '13712345678', text: '社保卡补办需要带哪些材料？' });
  await ctx.feedback.create({ kind: 'complaint', channel: 'web', phone: '13612345678', text: '<img src=x onerror=alert(1)> 测试转义' });
  // 办事指南 (事前公开) of the demo departments: what the web window's guide page shows.
  const guide: Array<[typeof scjg, string, string, string, string, string, string]> = [
    [scjg, 'SC-SPJY', '食品经营许可证新办', '《中华人民共和国食品安全法》第三十五条；《食品经营许可和备案管理办法》', '网上或窗口申请 → 材料审查 → 现场核查（必要时）→ 作出决定 → 发证', '不收费', '10个工作日'],
    [rsj, 'RS-SBKBB', '社会保障卡补办', '《社会保险法》；《社会保障卡管理办法》', '窗口或“浙里办”申请 → 身份核验 → 制卡 → 领卡', '工本费按规定标准收取（首次申领免费）', '5个工作日'],
    [gaj, 'GA-GAQZ', '往来港澳通行证签注', '《中国公民因私事往来香港地区或者澳门地区的暂行管理办法》', '自助签注机或窗口申请 → 审批 → 制证 → 领取', '按国家规定标准收费', '7个工作日'],
  ];
  for (const [dept, itemCode, name, basis, procedure, fees, timeLimit] of guide) {
    await ctx.store.web.upsertGuide(dept.id, { itemCode, name, basis, procedure, fees, timeLimit, complaintChannel: `拨打或短信 96365；网站“我要投诉”；${dept.name}监督电话` }, 'system', now.toISOString());
  }
  return { created: true, departments: depts.map((d) => ({ code: d.department.code, name: d.department.name, apiKey: d.apiKey })), codes: DEMO_CODES };
}
