/**
 * `hotline user add <name> --role admin|supervisor|operator|department [--dept CODE] [--password P] [--endpoint PJSIP/8001]`,
 * `hotline user endpoint <name> PJSIP/8001|-` (an operator's seat phone; '-' clears it), `hotline user list`, `hotline user passwd <name> [--password P]`, `hotline user disable|enable <name>`.
 * Without --password a random one is generated and printed once (stdout); `--password -` reads it from stdin.
 */
import type { Config } from '../config/index.js';
import { openStore } from '../services.js';
import type { DataStore } from '../store/ports.js';
import { StaffAuth, StaffError } from './auth.js';
import { generatePassword } from './passwords.js';
import { isSeatEndpoint } from './seat-endpoint.js';

export type CliCommand = (args: string[], config: Config) => Promise<number>;

function takeFlag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
}

async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0];
}

/** The configured store (the SQLite file, or PostgreSQL for a postgres:// data.url), ready, closed afterwards. */
async function withAuth<T>(config: Config, fn: (auth: StaffAuth, store: DataStore) => Promise<T>): Promise<T> {
  const store = openStore(config);
  try {
    await store.prepare();
    const auth = new StaffAuth(store.staff, store, { now: () => new Date(), sessionHours: config.admin.session_hours, lockoutAttempts: config.admin.lockout_attempts });
    return await fn(auth, store);
  } finally { await store.close(); }
}

const out = (s: string) => process.stdout.write(s + '\n');
const err = (s: string) => process.stderr.write(s + '\n');

async function passwordFrom(args: string[]): Promise<{ password: string; generated: boolean }> {
  const p = takeFlag(args, '--password');
  if (p === '-') return { password: await readStdinLine(), generated: false };
  if (p) return { password: p, generated: false };
  return { password: generatePassword(), generated: true };
}

export const userAdd: CliCommand = async (argv, config) => {
  const args = [...argv];
  const role = takeFlag(args, '--role');
  const dept = takeFlag(args, '--dept');
  const display = takeFlag(args, '--name');
  const endpoint = takeFlag(args, '--endpoint');
  const { password, generated } = await passwordFrom(args);
  const [username] = args;
  if (!username || !role) { err('usage: hotline user add <name> --role admin|supervisor|operator|department [--dept CODE] [--password P|-] [--name 显示名] [--endpoint PJSIP/8001]'); return 2; }
  if (endpoint !== undefined) {
    if (role !== 'operator') { err('只有坐席有分机 (--endpoint is for operators: their seat phone)'); return 1; }
    if (!isSeatEndpoint(endpoint)) { err(`分机格式无效 (not a SIP endpoint: ${endpoint}, expected e.g. PJSIP/8001)`); return 1; }
  }
  return withAuth(config, async (auth, store) => {
    try {
      if (endpoint && await store.callQueue.seatByEndpoint(endpoint)) { err(`分机 ${endpoint} 已被其他坐席使用 (endpoint ${endpoint} is already another operator's seat)`); return 1; }
      const u = await auth.createUser({ username, role, departmentCode: dept ?? null, password, displayName: display ?? null });
      if (endpoint) await store.callQueue.setEndpoint(u.id, endpoint, new Date().toISOString());
      await store.audit.append('cli', 'user.add', u.username, { role: u.role, department: u.departmentCode, ...(endpoint ? { endpoint } : {}) });
      err(`user ${u.username} (${u.role}${u.departmentCode ? ' ' + u.departmentCode : ''}${endpoint ? ' ' + endpoint : ''}) added${generated ? '; its password follows (shown once):' : ''}`);
      if (generated) out(password);
      return 0;
    } catch (e) {
      if (e instanceof StaffError) { err(e.message); return 1; }
      throw e;
    }
  });
};

export const userList: CliCommand = async (_args, config) => withAuth(config, async (auth) => {
  for (const u of await auth.users.all()) {
    out([u.username, u.role, u.departmentCode ?? '-', u.disabled ? 'disabled' : 'active', u.lastLoginAt ?? 'never', u.displayName ?? ''].join('\t'));
  }
  return 0;
});

export const userPasswd: CliCommand = async (argv, config) => {
  const args = [...argv];
  const { password, generated } = await passwordFrom(args);
  const [username] = args;
  if (!username) { err('usage: hotline user passwd <name> [--password P|-]'); return 2; }
  return withAuth(config, async (auth, store) => {
    const u = await auth.users.byUsername(username);
    if (!u) { err(`no user ${username}`); return 1; }
    try { await auth.setPassword(u.id, password); } catch (e) { if (e instanceof StaffError) { err(e.message); return 1; } throw e; }
    await auth.unlock(u.username);
    await store.audit.append('cli', 'user.password_reset', u.username, null);
    err(`password of ${u.username} changed; its sessions ended${generated ? '; the new password follows (shown once):' : ''}`);
    if (generated) out(password);
    return 0;
  });
};

const userDisable = (disabled: boolean): CliCommand => async (argv, config) => {
  const [username] = argv;
  if (!username) { err(`usage: hotline user ${disabled ? 'disable' : 'enable'} <name>`); return 2; }
  return withAuth(config, async (auth, store) => {
    const u = await auth.users.byUsername(username);
    if (!u) { err(`no user ${username}`); return 1; }
    await auth.users.setDisabled(u.id, disabled, new Date().toISOString());
    await store.audit.append('cli', disabled ? 'user.disable' : 'user.enable', u.username, null);
    err(`user ${u.username} ${disabled ? 'disabled' : 'enabled'}`);
    return 0;
  });
};

export const userEndpoint: CliCommand = async (argv, config) => {
  const [username, endpoint] = argv;
  if (!username || !endpoint) { err('usage: hotline user endpoint <name> PJSIP/8001|-'); return 2; }
  if (endpoint !== '-' && !isSeatEndpoint(endpoint)) { err(`分机格式无效 (not a SIP endpoint: ${endpoint}, expected e.g. PJSIP/8001)`); return 1; }
  return withAuth(config, async (auth, store) => {
    const u = await auth.users.byUsername(username);
    if (!u) { err(`no user ${username}`); return 1; }
    if (u.role !== 'operator') { err(`${u.username} is not an operator`); return 1; }
    const value = endpoint === '-' ? null : endpoint;
    const other = value ? await store.callQueue.seatByEndpoint(value) : undefined;
    if (other && other.userId !== u.id) { err(`分机 ${value} 已被 ${other.username} 使用 (endpoint ${value} is already ${other.username}'s seat)`); return 1; }
    await store.callQueue.setEndpoint(u.id, value, new Date().toISOString());
    await store.audit.append('cli', 'user.endpoint', u.username, { endpoint: value });
    err(value ? `seat of ${u.username}: ${value}` : `seat of ${u.username} cleared`);
    return 0;
  });
};

/** Add the `user …` commands to the CLI's map of contributed commands. */
export function registerAdminCommands(extraCommands: Map<string, CliCommand>): void {
  extraCommands.set('user add', userAdd);
  extraCommands.set('user endpoint', userEndpoint);
  extraCommands.set('user list', userList);
  extraCommands.set('user passwd', userPasswd);
  extraCommands.set('user disable', userDisable(true));
  extraCommands.set('user enable', userDisable(false));
}
