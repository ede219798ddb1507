/** Demo mode: fixed logins so a newcomer can try the panel right away (printed on start). */
import type { Infra } from '../context.js';
import type { StaffAuth } from './auth.js';

export interface DemoLogin { username: string; password: string; role: string; department?: string; note: string; endpoint?: string; displayName?: string; /** 职务 shown on the web window's 挂牌上岗 */ title?: string }

export const DEMO_LOGINS: readonly DemoLogin[] = [
  { username: 'demo', password: 'demo96365', role: 'admin', note: '管理员 (admin)' },
  { username: 'zuoxi', password: 'demo96365', role: 'operator', endpoint: 'PJSIP/8001', displayName: '话务员 周敏', note: '话务员 (operator, seat PJSIP/8001: answer queued calls on the test phone page)' },
  { username: 'dept_scjg', password: 'demo96365', role: 'department', department: 'SCJG', displayName: '李娜', title: '投诉处理专员', note: '市场监管局部门用户 (department staff, SCJG)' },
];

/** The demo logins to print on start (only meaningful when demo mode is on). */
export function demoLogins(): DemoLogin[] { return DEMO_LOGINS.map((l) => ({ ...l })); }

/**
 * Create the demo logins that are missing. The department login needs its department (from the
 * demo data); when it is not there yet it is skipped — call again after seeding.
 */
export async function ensureDemoLogins(ctx: Infra, auth: StaffAuth): Promise<string[]> {
  const created: string[] = [];
  for (const l of DEMO_LOGINS) {
    if (await auth.users.byUsername(l.username)) continue;
    if (l.department && !(await ctx.store.departments.byCode(l.department))) continue;
    const u = await auth.createUser({ username: l.username, role: l.role, departmentCode: l.department ?? null, password: l.password, displayName: l.displayName ?? l.note });
    if (l.endpoint) await ctx.store.callQueue.setEndpoint(u.id, l.endpoint, ctx.now().toISOString());
    if (l.title) await ctx.store.web.setTitle(u.id, l.title, ctx.now().toISOString());
    await ctx.store.audit.append('system', 'user.add', l.username, { role: l.role, demo: true }, ctx.now().toISOString());
    created.push(l.username);
  }
  return created;
}
