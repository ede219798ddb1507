/**
 * Staff authentication: users with scrypt password hashes, login with a temporary lock-out per
 * (user, client address) after repeated failures, a per-address limit and bounded hashing, sessions (random 32-byte id in an HttpOnly SameSite=Strict cookie; only its
 * SHA-256 is stored), a per-session CSRF token, expiry, logout.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { StaffRole, StaffSession, StaffUser } from '../store/repos/staff.js';
import { STAFF_ROLES } from '../store/repos/staff.js';
import type { DataStore, StaffStore } from '../store/ports.js';
import { isStorageFull } from '../store/health.js';
import { DUMMY_HASH, hashPassword, passwordProblem, verifyPassword } from './passwords.js';
import { AddressThrottle, HashGate, KeyedSerializer } from './login-guard.js';

/** Bookkeeping writes on a read path (last seen, an expired session) are skipped on a full disk: reading still works. */
async function bestEffort(fn: () => Promise<void>): Promise<void> {
  try { await fn(); } catch (e) { if (!isStorageFull(e)) throw e; }
}

export const SESSION_COOKIE = 'hotline_sid';
export const LOCKOUT_MINUTES = 15;
const USERNAME = /^[A-Za-z0-9_.-]{2,32}$/;

export interface AuthOptions {
  now: () => Date;
  sessionHours: number;
  lockoutAttempts: number;
  lockoutMinutes?: number;
  /** Failed logins per client address (any user) per lock-out window (default 20). */
  addressAttempts?: number;
  /** Password hashes computed at once (default 4). */
  hashConcurrency?: number;
}

export type LoginResult =
  | { ok: true; sessionId: string; session: StaffSession; user: StaffUser }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'locked'; lockedUntil: string; retryAfterSec: number }
  /** Too many failures from this client address (any user name). */
  | { ok: false; reason: 'throttled'; retryAfterSec: number }
  /** Every hashing slot is taken (or this address has its share in flight). */
  | { ok: false; reason: 'busy'; retryAfterSec: number };

export interface NewStaffUser { username: string; role: string; departmentCode?: string | null; password: string; displayName?: string | null }

export class StaffError extends Error {}

export function sha256(s: string): string { return createHash('sha256').update(s, 'utf8').digest('hex'); }

export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8'), y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export class StaffAuth {
  private readonly lockMs: number;
  private readonly addresses: AddressThrottle;
  private readonly gate: HashGate;
  /** One check-and-count at a time per (user name, address) in this process (see login()). */
  private readonly pairs = new KeyedSerializer();

  constructor(private readonly repo: StaffStore, private readonly store: Pick<DataStore, 'departments' | 'transaction'>, private readonly o: AuthOptions) {
    this.lockMs = (o.lockoutMinutes ?? LOCKOUT_MINUTES) * 60_000;
    this.addresses = new AddressThrottle({ now: () => o.now().getTime(), limit: o.addressAttempts ?? 20, windowMs: this.lockMs });
    const slots = o.hashConcurrency ?? 4;
    this.gate = new HashGate({ slots, perAddress: 2, queue: slots * 4 });
  }

  get users(): StaffStore { return this.repo; }

  /** Validate and add a staff user. Department staff name their department by code. */
  async createUser(input: NewStaffUser): Promise<StaffUser> {
    const username = input.username.trim();
    if (!USERNAME.test(username)) throw new StaffError('用户名须为 2–32 位字母、数字、_ . - (username: 2–32 letters, digits, _ . -)');
    if (!(STAFF_ROLES as readonly string[]).includes(input.role)) throw new StaffError(`角色无效 (role must be one of ${STAFF_ROLES.join(', ')})`);
    const role = input.role as StaffRole;
    let departmentId: number | null = null;
    if (role === 'department') {
      if (!input.departmentCode) throw new StaffError('部门用户须指定部门 (department users need --dept CODE)');
      const d = await this.store.departments.byCode(input.departmentCode);
      if (!d) throw new StaffError(`部门不存在 (no department ${input.departmentCode})`);
      departmentId = d.id;
    } else if (input.departmentCode) {
      throw new StaffError('只有部门用户属于部门 (only department users belong to a department)');
    }
    const problem = passwordProblem(input.password);
    if (problem) throw new StaffError(problem);
    if (await this.repo.byUsername(username)) throw new StaffError(`用户已存在 (user ${username} already exists)`);
    const passwordHash = await hashPassword(input.password);
    return await this.repo.insert({ username, displayName: input.displayName?.trim() || null, role, departmentId, passwordHash }, this.o.now().toISOString());
  }

  async setPassword(userId: number, password: string): Promise<void> {
    const problem = passwordProblem(password);
    if (problem) throw new StaffError(problem);
    await this.repo.setPassword(userId, await hashPassword(password), this.o.now().toISOString());
  }

  async checkPassword(userId: number, password: string): Promise<boolean> {
    const h = await this.repo.passwordHash(userId);
    return verifyPassword(password, h ?? DUMMY_HASH).then((ok) => ok && !!h);
  }

  /**
   * Check a login. The lock-out is per (user name, client address): after `lockoutAttempts` failures
   * of that pair it is locked for LOCKOUT_MINUTES, even for the right password, while the same user at
   * another address can still log in. Every attempt is counted BEFORE the (slow) hash, reading and
   * writing the pair's count in one transaction, one attempt of a pair at a time in this process
   * (KeyedSerializer: on PostgreSQL two transactions could otherwise read the same count), so parallel
   * guesses cannot pass the check together. The address as a whole is
   * limited too (AddressThrottle), and hashing is bounded (HashGate: excess → 'busy'). Unknown user
   * names are counted and answered the same, so the answer does not tell which names exist.
   */
  async login(usernameRaw: string, password: string, meta: { ip?: string | null; userAgent?: string | null } = {}): Promise<LoginResult> {
    const username = String(usernameRaw ?? '').trim().slice(0, 64);
    const addr = String(meta.ip || 'unknown').slice(0, 64);
    const now = this.o.now();
    const lockMs = this.lockMs;
    const retry = (untilMs: number) => Math.max(1, Math.ceil((untilMs - now.getTime()) / 1000));
    // 1. Check and count in one transaction, one attempt per pair at a time: no other attempt of the
    //    pair runs between the check and the count. The address limit is checked and counted in one
    //    synchronous step (no await between them).
    const pairKey = `${username.toLowerCase()}\u0000${addr}`;
    const pre = await this.pairs.run(pairKey, () => this.store.transaction(async (): Promise<LoginResult | { reserved: boolean }> => {
      const cur = username ? await this.repo.failures(username, addr) : undefined;
      if (cur?.lockedUntil && Date.parse(cur.lockedUntil) > now.getTime()) return { ok: false, reason: 'locked', lockedUntil: cur.lockedUntil, retryAfterSec: retry(Date.parse(cur.lockedUntil)) };
      const wait = this.addresses.retryAfterSec(addr);
      if (wait > 0) return { ok: false, reason: 'throttled', retryAfterSec: wait };
      this.addresses.count(addr);
      if (!username) return { reserved: false };
      const stale = !cur || (cur.lockedUntil !== null && Date.parse(cur.lockedUntil) <= now.getTime()) || Date.parse(cur.lastFailureAt) < now.getTime() - lockMs;
      const failures = (stale ? 0 : cur!.failures) + 1;
      const lockedUntil = failures >= this.o.lockoutAttempts ? new Date(now.getTime() + lockMs).toISOString() : null;
      await this.repo.setFailures(username, addr, failures, now.toISOString(), lockedUntil);
      return { reserved: lockedUntil !== null };
    }));
    if ('ok' in pre) return pre;
    // 2. A hashing slot, or 'busy' at once (the attempt stays counted).
    const entered = this.gate.enter(addr);
    if (!entered) return { ok: false, reason: 'busy', retryAfterSec: 1 };
    const release = await entered;
    let user: StaffUser | undefined;
    let ok: boolean;
    try {
      user = username ? await this.repo.byUsername(username) : undefined;
      const stored = user && !user.disabled ? await this.repo.passwordHash(user.id) : undefined;
      ok = (await verifyPassword(String(password ?? ''), stored ?? DUMMY_HASH)) && !!stored && !!user;
    } finally { release(); }
    if (!ok || !user) {
      // Already counted; the attempt that reached the threshold answers 'locked'.
      const cur = username ? await this.repo.failures(username, addr) : undefined;
      if (pre.reserved && cur?.lockedUntil) return { ok: false, reason: 'locked', lockedUntil: cur.lockedUntil, retryAfterSec: retry(Date.parse(cur.lockedUntil)) };
      return { ok: false, reason: 'invalid' };
    }
    await this.repo.clearFailures(username, addr);
    this.addresses.refund(addr);
    const sessionId = randomBytes(32).toString('base64url');
    const session: StaffSession = {
      idHash: sha256(sessionId), userId: user.id, csrfToken: randomBytes(32).toString('base64url'),
      createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + this.o.sessionHours * 3600_000).toISOString(), lastSeenAt: now.toISOString(),
    };
    await this.repo.insertSession({ ...session, ip: meta.ip ?? null, userAgent: meta.userAgent?.slice(0, 200) ?? null });
    await this.repo.recordLogin(user.id, now.toISOString());
    await this.repo.purgeSessions(now.toISOString());
    await this.repo.purgeFailures(new Date(now.getTime() - lockMs).toISOString());
    return { ok: true, sessionId, session, user };
  }

  /** Is this user locked out at some address right now (how many, until when)? */
  lockState(): Promise<Map<string, { addresses: number; until: string }>> {
    return this.repo.lockedUsers(this.o.now().toISOString());
  }

  /** Admin unlock: lift every lock-out of the user and the address limits of the addresses involved. */
  async unlock(username: string): Promise<number> {
    const addrs = await this.repo.clearAllFailures(username);
    for (const a of addrs) this.addresses.clear(a);
    return addrs.length;
  }

  /** The live session and user for a cookie value, or null (unknown, expired, user disabled). */
  async resolve(sessionId: string | undefined | null): Promise<{ session: StaffSession; user: StaffUser } | null> {
    if (!sessionId || sessionId.length > 100) return null;
    return this.resolveHash(sha256(sessionId));
  }

  /** Same, by the stored hash (the live feed re-checks its sockets' sessions with it). */
  async resolveHash(idHash: string): Promise<{ session: StaffSession; user: StaffUser } | null> {
    const session = await this.repo.session(idHash);
    if (!session) return null;
    const now = this.o.now();
    if (new Date(session.expiresAt).getTime() <= now.getTime()) { await bestEffort(() => this.repo.deleteSession(idHash)); return null; }
    const user = await this.repo.byId(session.userId);
    if (!user || user.disabled) return null;
    // Touch at most once a minute (no write per request).
    if (now.getTime() - new Date(session.lastSeenAt).getTime() > 60_000) await bestEffort(() => this.repo.touchSession(idHash, now.toISOString()));
    return { session, user };
  }

  async logout(sessionId: string | undefined | null): Promise<void> {
    if (sessionId) await this.repo.deleteSession(sha256(sessionId));
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
