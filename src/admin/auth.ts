/**
 * Staff authentication: users with scrypt password hashes, login with a temporary lock-out after
 * repeated failures, sessions (random 32-byte id in an HttpOnly SameSite=Strict cookie; only its
 * SHA-256 is stored), a per-session CSRF token, expiry, logout.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SqliteStaffRepo, StaffRole, StaffSession, StaffUser } from '../store/repos/staff.js';
import { STAFF_ROLES } from '../store/repos/staff.js';
import type { Store } from '../store/index.js';
import { isStorageFull } from '../store/health.js';
import { DUMMY_HASH, hashPassword, passwordProblem, verifyPassword } from './passwords.js';

/** Bookkeeping writes on a read path (last seen, an expired session) are skipped on a full disk: reading still works. */
function bestEffort(fn: () => void): void {
  try { fn(); } catch (e) { if (!isStorageFull(e)) throw e; }
}

export const SESSION_COOKIE = 'hotline_sid';
export const LOCKOUT_MINUTES = 15;
const USERNAME = /^[A-Za-z0-9_.-]{2,32}$/;

export interface AuthOptions {
  now: () => Date;
  sessionHours: number;
  lockoutAttempts: number;
  lockoutMinutes?: number;
}

export type LoginResult =
  | { ok: true; sessionId: string; session: StaffSession; user: StaffUser }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'locked'; lockedUntil: string };

export interface NewStaffUser { username: string; role: string; departmentCode?: string | null; password: string; displayName?: string | null }

export class StaffError extends Error {}

export function sha256(s: string): string { return createHash('sha256').update(s, 'utf8').digest('hex'); }

export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8'), y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export class StaffAuth {
  constructor(private readonly repo: SqliteStaffRepo, private readonly store: Store, private readonly o: AuthOptions) {}

  get users(): SqliteStaffRepo { return this.repo; }

  /** Validate and add a staff user. Department staff name their department by code. */
  async createUser(input: NewStaffUser): Promise<StaffUser> {
    const username = input.username.trim();
    if (!USERNAME.test(username)) throw new StaffError('用户名须为 2–32 位字母、数字、_ . - (username: 2–32 letters, digits, _ . -)');
    if (!(STAFF_ROLES as readonly string[]).includes(input.role)) throw new StaffError(`角色无效 (role must be one of ${STAFF_ROLES.join(', ')})`);
    const role = input.role as StaffRole;
    let departmentId: number | null = null;
    if (role === 'department') {
      if (!input.departmentCode) throw new StaffError('部门用户须指定部门 (department users need --dept CODE)');
      const d = this.store.departments.byCode(input.departmentCode);
      if (!d) throw new StaffError(`部门不存在 (no department ${input.departmentCode})`);
      departmentId = d.id;
    } else if (input.departmentCode) {
      throw new StaffError('只有部门用户属于部门 (only department users belong to a department)');
    }
    const problem = passwordProblem(input.password);
    if (problem) throw new StaffError(problem);
    if (this.repo.byUsername(username)) throw new StaffError(`用户已存在 (user ${username} already exists)`);
    const passwordHash = await hashPassword(input.password);
    return this.repo.insert({ username, displayName: input.displayName?.trim() || null, role, departmentId, passwordHash }, this.o.now().toISOString());
  }

  async setPassword(userId: number, password: string): Promise<void> {
    const problem = passwordProblem(password);
    if (problem) throw new StaffError(problem);
    this.repo.setPassword(userId, await hashPassword(password), this.o.now().toISOString());
  }

  async checkPassword(userId: number, password: string): Promise<boolean> {
    const h = this.repo.passwordHash(userId);
    return verifyPassword(password, h ?? DUMMY_HASH).then((ok) => ok && !!h);
  }

  /**
   * Check a login. After `lockoutAttempts` consecutive failures the username is locked for
   * LOCKOUT_MINUTES, even for the right password; unknown usernames are counted the same way and
   * answer the same, so the answer does not tell which usernames exist.
   */
  async login(usernameRaw: string, password: string, meta: { ip?: string | null; userAgent?: string | null } = {}): Promise<LoginResult> {
    const username = String(usernameRaw ?? '').trim().slice(0, 64);
    const now = this.o.now();
    const lockMs = (this.o.lockoutMinutes ?? LOCKOUT_MINUTES) * 60_000;
    const f = username ? this.repo.failures(username) : undefined;
    if (f?.lockedUntil && new Date(f.lockedUntil).getTime() > now.getTime()) return { ok: false, reason: 'locked', lockedUntil: f.lockedUntil };
    const user = username ? this.repo.byUsername(username) : undefined;
    const stored = user && !user.disabled ? this.repo.passwordHash(user.id) : undefined;
    const ok = (await verifyPassword(String(password ?? ''), stored ?? DUMMY_HASH)) && !!stored && !!user;
    if (!ok || !user) {
      if (!username) return { ok: false, reason: 'invalid' };
      // Re-read after the (slow) hash so parallel attempts count; a stale or expired run starts over.
      const cur = this.repo.failures(username);
      const stale = !cur || (cur.lockedUntil !== null && new Date(cur.lockedUntil).getTime() <= now.getTime())
        || new Date(cur.lastFailureAt).getTime() < now.getTime() - lockMs;
      const failures = (stale ? 0 : cur!.failures) + 1;
      const lockedUntil = failures >= this.o.lockoutAttempts ? new Date(now.getTime() + lockMs).toISOString() : null;
      this.repo.setFailures(username, failures, now.toISOString(), lockedUntil);
      return lockedUntil ? { ok: false, reason: 'locked', lockedUntil } : { ok: false, reason: 'invalid' };
    }
    this.repo.clearFailures(username);
    const sessionId = randomBytes(32).toString('base64url');
    const session: StaffSession = {
      idHash: sha256(sessionId), userId: user.id, csrfToken: randomBytes(32).toString('base64url'),
      createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + this.o.sessionHours * 3600_000).toISOString(), lastSeenAt: now.toISOString(),
    };
    this.repo.insertSession({ ...session, ip: meta.ip ?? null, userAgent: meta.userAgent?.slice(0, 200) ?? null });
    this.repo.recordLogin(user.id, now.toISOString());
    this.repo.purgeSessions(now.toISOString());
    return { ok: true, sessionId, session, user };
  }

  /** The live session and user for a cookie value, or null (unknown, expired, user disabled). */
  resolve(sessionId: string | undefined | null): { session: StaffSession; user: StaffUser } | null {
    if (!sessionId || sessionId.length > 100) return null;
    return this.resolveHash(sha256(sessionId));
  }

  /** Same, by the stored hash (the live feed re-checks its sockets' sessions with it). */
  resolveHash(idHash: string): { session: StaffSession; user: StaffUser } | null {
    const session = this.repo.session(idHash);
    if (!session) return null;
    const now = this.o.now();
    if (new Date(session.expiresAt).getTime() <= now.getTime()) { bestEffort(() => this.repo.deleteSession(idHash)); return null; }
    const user = this.repo.byId(session.userId);
    if (!user || user.disabled) return null;
    // Touch at most once a minute (no write per request).
    if (now.getTime() - new Date(session.lastSeenAt).getTime() > 60_000) bestEffort(() => this.repo.touchSession(idHash, now.toISOString()));
    return { session, user };
  }

  logout(sessionId: string | undefined | null): void {
    if (sessionId) this.repo.deleteSession(sha256(sessionId));
  }
}

/** The value of one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

export function sessionCookie(value: string, opts: { secure: boolean; maxAgeSec: number }): string {
  return `${SESSION_COOKIE}=${value}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=${Math.max(0, Math.floor(opts.maxAgeSec))}${opts.secure ? '; Secure' : ''}`;
}

/**
 * Is this a same-origin request? A browser always sends Origin on a cross-site POST and on a
 * WebSocket handshake; when it is present it must name this scheme and this host (an `http://` page
 * of the same host — e.g. injected on a plain-HTTP connection — must not post to the `https://`
 * panel). The scheme expected: X-Forwarded-Proto from the TLS proxy in front, else https when the
 * panel is served behind https (`https`, from http.secure_cookies), else http. (A cross-site page
 * cannot set X-Forwarded-Proto: it is not a CORS-safelisted header.) Sec-Fetch-Site, when present,
 * must not say cross-site. (Non-browser clients send neither; the CSRF token still applies.)
 */
export function sameOrigin(headers: Record<string, string | string[] | undefined>, opts: { https?: boolean } = {}): boolean {
  const site = headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return false;
  const origin = headers.origin;
  if (origin === undefined) return true;
  const host = headers.host;
  if (typeof origin !== 'string' || typeof host !== 'string' || origin === 'null') return false;
  const xfp = headers['x-forwarded-proto'];
  const forwarded = (Array.isArray(xfp) ? xfp[0] : xfp)?.split(',')[0].trim().toLowerCase();
  const scheme = forwarded === 'https' || forwarded === 'http' ? forwarded : opts.https ? 'https' : 'http';
  try {
    const u = new URL(origin);
    return u.protocol === `${scheme}:` && u.host === host;
  } catch { return false; }
}
