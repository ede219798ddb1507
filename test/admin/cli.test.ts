import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { registerAdminCommands, type CliCommand } from '../../src/admin/cli.js';
import { Store } from '../../src/store/index.js';
import { addDepartment } from '../../src/departments.js';
import { verifyPassword } from '../../src/admin/passwords.js';
import { testConfig, tempDir } from '../helpers/context.js';

const dir = tempDir();
const config = testConfig({}, dir);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(cmd: CliCommand, args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => { err += String(s); return true; });
  try { return { code: await cmd(args, config), out, err }; } finally { o.mockRestore(); e.mockRestore(); }
}

describe('hotline user …', () => {
  const cmds = new Map<string, CliCommand>();
  registerAdminCommands(cmds);

  it('registers the commands', () => {
    expect([...cmds.keys()].sort()).toEqual(['user add', 'user disable', 'user enable', 'user endpoint', 'user list', 'user passwd']);
  });

  it('adds users (generated password printed once), lists, changes passwords; refuses bad input', async () => {
    const s0 = Store.open(join(dir, 'hotline.db'));
    await addDepartment(s0, 'SCJG', '市市场监督管理局');
    s0.close();
    const add = cmds.get('user add')!;
    const a = await run(add, ['zhang', '--role', 'operator']);
    expect(a.code).toBe(0);
    const generated = a.out.trim();
    expect(generated).toMatch(/^[a-zA-Z2-9]{14}$/);
    expect(a.err).toContain('shown once');
    expect((await run(add, ['li', '--role', 'department', '--dept', 'SCJG', '--password', 'li-pass-123'])).code).toBe(0);
    const table: Array<[string, string[], number, RegExp]> = [
      ['missing role', ['wang'], 2, /usage/],
      ['bad role', ['wang', '--role', 'king'], 1, /role/],
      ['department without --dept', ['wang', '--role', 'department'], 1, /--dept/],
      ['unknown department', ['wang', '--role', 'department', '--dept', 'NOPE'], 1, /NOPE/],
      ['duplicate', ['zhang', '--role', 'admin'], 1, /exists/],
      ['short password', ['wang', '--role', 'admin', '--password', 'short'], 1, /8/],
      ['bad username', ['<x>', '--role', 'admin'], 1, /username/],
    ];
    for (const [label, args, code, msg] of table) {
      const r = await run(add, args);
      expect(r.code, label).toBe(code);
      expect(r.err, label).toMatch(msg);
    }
    const list = await run(cmds.get('user list')!, []);
    expect(list.out).toMatch(/^li\tdepartment\tSCJG\tactive/m);
    expect(list.out).toMatch(/^zhang\toperator\t-\tactive/m);
    const pw = await run(cmds.get('user passwd')!, ['zhang']);
    expect(pw.code).toBe(0);
    const store = Store.open(join(dir, 'hotline.db'));
    const zhang = (await store.staff.byUsername('zhang'))!;
    expect(await verifyPassword(pw.out.trim(), (await store.staff.passwordHash(zhang.id))!)).toBe(true);
    expect(await verifyPassword(generated, (await store.staff.passwordHash(zhang.id))!)).toBe(false);
    expect((await store.audit.list(10)).map((e) => e.action)).toEqual(['user.password_reset', 'user.add', 'user.add']);
    await store.close();
    expect((await run(cmds.get('user disable')!, ['zhang'])).code).toBe(0);
    expect((await run(cmds.get('user list')!, [])).out).toMatch(/^zhang\toperator\t-\tdisabled/m);
  });

  it('operator seats: --endpoint on add, unique, operators only; user endpoint changes or clears it', async () => {
    const add = cmds.get('user add')!;
    const ep = cmds.get('user endpoint')!;
    expect((await run(add, ['wang', '--role', 'operator', '--endpoint', 'PJSIP/8001', '--password', 'wang-pass-123'])).code).toBe(0);
    const table: Array<[string, CliCommand, string[], number, RegExp]> = [
      ['taken on add', add, ['zhao', '--role', 'operator', '--endpoint', 'PJSIP/8001', '--password', 'zhao-pass-123'], 1, /PJSIP\/8001/],
      ['not an operator', add, ['qian', '--role', 'admin', '--endpoint', 'PJSIP/8003'], 1, /operators/],
      ['bad endpoint', add, ['sun', '--role', 'operator', '--endpoint', '8001'], 1, /PJSIP\/8001/],
      ['endpoint usage', ep, ['wang'], 2, /usage/],
      ['no such user', ep, ['nobody', 'PJSIP/8009'], 1, /no user/],
      ['bad endpoint (set)', ep, ['wang', 'PJSIP/ 1'], 1, /SIP endpoint/],
    ];
    for (const [label, cmd, args, code, msg] of table) {
      const r = await run(cmd, args);
      expect(r.code, label).toBe(code);
      expect(r.err, label).toMatch(msg);
    }
    expect((await run(add, ['zhou', '--role', 'operator', '--endpoint', 'PJSIP/8002', '--password', 'zhou-pass-123'])).code).toBe(0);
    expect((await run(ep, ['zhou', 'PJSIP/8001'])).err).toMatch(/wang/);
    expect((await run(ep, ['wang', 'PJSIP/8005'])).code).toBe(0);
    expect((await run(ep, ['zhou', '-'])).code).toBe(0);
    const store = Store.open(join(dir, 'hotline.db'));
    try {
      expect((await store.callQueue.seats()).map((s) => [s.username, s.endpoint])).toEqual([['wang', 'PJSIP/8005']]);
      expect(await store.staff.byUsername('zhao')).toBeUndefined();
    } finally { await store.close(); }
  });
});
