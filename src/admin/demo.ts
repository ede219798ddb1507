/** Demo mode: fixed logins so a newcomer can try the panel right away (printed on start). */
import type { Infra } from '../context.js';
import type { StaffAuth } from './auth.js';

export interface DemoLogin { username: string; password: string; role: string; department?: string; note: string }

export const DEMO_LOGINS: readonly DemoLogin[] = [
  { username: 'demo', password: 'demo96365', role: 'admin', note: '管理员 (admin)' },
  { username: 'dept_scjg', password: 'demo96365', role: 'department', department: 'SCJG', note: '市场监管局部门用户 (department staff, SCJG)' },
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
    await auth.createUser({ username: l.username, role: l.role, departmentCode: l.department ?? null, password: l.password, displayName: l.note });
    await ctx.store.audit.append('system', 'user.add', l.username, { role: l.role, demo: true }, ctx.now().toISOString());
    created.push(l.username);
  }
  return created;
}
