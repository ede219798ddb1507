/**
 * Staff users, sessions and login failures for the admin panel, plus the read-only aggregate
 * queries of the supervision page (per-department counts, median time to answer, satisfaction).
 */
import type { Db } from '../db.js';

export const STAFF_ROLES = ['admin', 'supervisor', 'operator', 'department'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export interface StaffUser {
  id: number;
  username: string;
  displayName: string | null;
  role: StaffRole;
  departmentId: number | null;
  departmentCode: string | null;
  departmentName: string | null;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
  passwordChangedAt: string;
  lastLoginAt: string | null;
  /** 职务 shown on the public board (挂牌上岗; migration 14). */
  title?: string | null;
}

export interface StaffSession {
  idHash: string;
  userId: number;
  csrfToken: string;
  createdAt: string;
  expiresAt: string;
  lastSeenAt: string;
}

/** Failed logins of one user name from one client address (the unit of the lock-out). */
export interface LoginFailures { username: string; address: string; failures: number; lastFailureAt: string; lockedUntil: string | null }

const USER_SELECT = `SELECT u.*, d.code AS dept_code, d.name AS dept_name FROM staff_users u LEFT JOIN departments d ON d.id = u.department_id`;

function toUser(r: any): StaffUser {
  return {
    id: r.id, username: r.username, displayName: r.display_name ?? null, role: r.role, departmentId: r.department_id ?? null,
    departmentCode: r.dept_code ?? null, departmentName: r.dept_name ?? null, disabled: !!r.disabled,
    createdAt: r.created_at, updatedAt: r.updated_at, passwordChangedAt: r.password_changed_at, lastLoginAt: r.last_login_at ?? null,
    title: r.title ?? null,
  };
}

export class SqliteStaffRepo {
  private s;
  constructor(private db: Db) {
    this.s = {
      byId: db.prepare(`${USER_SELECT} WHERE u.id = ?`),
      byName: db.prepare(`${USER_SELECT} WHERE u.username = ?`),
      hash: db.prepare('SELECT password_hash FROM staff_users WHERE id = ?').pluck(),
      all: db.prepare(`${USER_SELECT} ORDER BY u.role, u.username`),
      count: db.prepare('SELECT COUNT(*) FROM staff_users').pluck(),
      insert: db.prepare(`INSERT INTO staff_users (username, display_name, role, department_id, password_hash, created_at, updated_at, password_changed_at)
        VALUES (@username, @displayName, @role, @departmentId, @passwordHash, @now, @now, @now)`),
      setPassword: db.prepare('UPDATE staff_users SET password_hash = ?, password_changed_at = ?, updated_at = ? WHERE id = ?'),
      setDisabled: db.prepare('UPDATE staff_users SET disabled = ?, updated_at = ? WHERE id = ?'),
      setLogin: db.prepare('UPDATE staff_users SET last_login_at = ? WHERE id = ?'),
      sessInsert: db.prepare(`INSERT INTO staff_sessions (id_hash, user_id, csrf_token, created_at, expires_at, last_seen_at, ip, user_agent)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      sessGet: db.prepare(`SELECT id_hash AS idHash, user_id AS userId, csrf_token AS csrfToken, created_at AS createdAt, expires_at AS expiresAt, last_seen_at AS lastSeenAt
        FROM staff_sessions WHERE id_hash = ?`),
      sessTouch: db.prepare('UPDATE staff_sessions SET last_seen_at = ? WHERE id_hash = ?'),
      sessDelete: db.prepare('DELETE FROM staff_sessions WHERE id_hash = ?'),
      sessDeleteUser: db.prepare('DELETE FROM staff_sessions WHERE user_id = ?'),
      sessPurge: db.prepare('DELETE FROM staff_sessions WHERE expires_at <= ?'),
      failGet: db.prepare(`SELECT username, address, failures, last_failure_at AS lastFailureAt, locked_until AS lockedUntil
        FROM staff_login_pairs WHERE username = ? AND address = ?`),
      failUpsert: db.prepare(`INSERT INTO staff_login_pairs (username, address, failures, last_failure_at, locked_until) VALUES (@username, @address, @failures, @at, @lockedUntil)
        ON CONFLICT(username, address) DO UPDATE SET failures = @failures, last_failure_at = @at, locked_until = @lockedUntil`),
      failClear: db.prepare('DELETE FROM staff_login_pairs WHERE username = ? AND address = ?'),
      failClearUser: db.prepare('DELETE FROM staff_login_pairs WHERE username = ?'),
      failAddresses: db.prepare('SELECT address FROM staff_login_pairs WHERE username = ?').pluck(),
      lockedUsers: db.prepare('SELECT username, COUNT(*) AS n, MAX(locked_until) AS until FROM staff_login_pairs WHERE locked_until > ? GROUP BY username'),
      failPurge: db.prepare('DELETE FROM staff_login_pairs WHERE last_failure_at < ? AND (locked_until IS NULL OR locked_until < ?)'),
    };
  }

  byId(id: number): StaffUser | undefined { const r = this.s.byId.get(id); return r ? toUser(r) : undefined; }
  byUsername(name: string): StaffUser | undefined { const r = this.s.byName.get(name); return r ? toUser(r) : undefined; }
  passwordHash(id: number): string | undefined { return this.s.hash.get(id) as string | undefined; }
  all(): StaffUser[] { return this.s.all.all().map(toUser); }
  count(): number { return this.s.count.get() as number; }
  insert(u: { username: string; displayName: string | null; role: StaffRole; departmentId: number | null; passwordHash: string }, now: string): StaffUser {
    const info = this.s.insert.run({ ...u, now });
    return this.byId(Number(info.lastInsertRowid))!;
  }
  /** New password: every session of the user ends. */
  setPassword(id: number, passwordHash: string, now: string): void {
    this.db.transaction(() => { this.s.setPassword.run(passwordHash, now, now, id); this.s.sessDeleteUser.run(id); })();
  }
  setDisabled(id: number, disabled: boolean, now: string): void {
    this.db.transaction(() => { this.s.setDisabled.run(disabled ? 1 : 0, now, id); if (disabled) this.s.sessDeleteUser.run(id); })();
  }
  recordLogin(id: number, now: string): void { this.s.setLogin.run(now, id); }

  insertSession(s: StaffSession & { ip: string | null; userAgent: string | null }): void {
    this.s.sessInsert.run(s.idHash, s.userId, s.csrfToken, s.createdAt, s.expiresAt, s.lastSeenAt, s.ip, s.userAgent);
  }
  session(idHash: string): StaffSession | undefined { return this.s.sessGet.get(idHash) as StaffSession | undefined; }
  touchSession(idHash: string, now: string): void { this.s.sessTouch.run(now, idHash); }
  deleteSession(idHash: string): void { this.s.sessDelete.run(idHash); }
  purgeSessions(now: string): number { return this.s.sessPurge.run(now).changes; }

  failures(username: string, address: string): LoginFailures | undefined { return this.s.failGet.get(username, address) as LoginFailures | undefined; }
  setFailures(username: string, address: string, failures: number, at: string, lockedUntil: string | null): void {
    this.s.failUpsert.run({ username, address, failures, at, lockedUntil });
  }
  clearFailures(username: string, address: string): void { this.s.failClear.run(username, address); }
  /** Lift every lock-out of a user name (admin unlock); returns the addresses that had failures. */
  clearAllFailures(username: string): string[] {
    return this.db.transaction(() => {
      const addrs = this.s.failAddresses.all(username) as string[];
      this.s.failClearUser.run(username);
      return addrs;
    })();
  }
  /** User name (lower case) → number of locked addresses and the latest lock end, for locks still running at `now`. */
  lockedUsers(now: string): Map<string, { addresses: number; until: string }> {
    const m = new Map<string, { addresses: number; until: string }>();
    for (const r of this.s.lockedUsers.all(now) as Array<{ username: string; n: number; until: string }>) m.set(r.username.toLowerCase(), { addresses: r.n, until: r.until });
    return m;
  }
  /** Forget failure runs that ended before `before` (they would start over anyway). */
  purgeFailures(before: string): number { return this.s.failPurge.run(before, before).changes; }
}

export interface DepartmentStatsRow {
  departmentId: number | null;
  received: number;
  answered: number;
  open: number;
  overdue: number;
  rated: number;
  satisfied: number;
  dissatisfied: number;
  medianAnswerHours: number | null;
}

/** Read-only queries behind the supervision page. */
export class SqliteAdminQueries {
  private s;
  constructor(db: Db) {
    this.s = {
      perDept: db.prepare(`SELECT department_id AS departmentId, COUNT(*) AS received,
          SUM(answered_at IS NOT NULL) AS answered,
          SUM(status NOT IN ('answered', 'closed')) AS open,
          SUM(status NOT IN ('answered', 'closed') AND created_at < @overdueBefore) AS overdue,
          SUM(satisfaction IS NOT NULL) AS rated,
          SUM(satisfaction IN (1, 2)) AS satisfied,
          SUM(satisfaction = 3) AS dissatisfied
        FROM feedback WHERE (@since IS NULL OR created_at >= @since) AND (@until IS NULL OR created_at < @until)
        GROUP BY department_id`),
      // Median via window functions: the middle one (odd n) or the mean of the middle two (even n).
      median: db.prepare(`WITH d AS (
          SELECT department_id AS dept, (julianday(answered_at) - julianday(created_at)) * 24.0 AS h,
            ROW_NUMBER() OVER (PARTITION BY department_id ORDER BY julianday(answered_at) - julianday(created_at)) AS rn,
            COUNT(*) OVER (PARTITION BY department_id) AS n
          FROM feedback WHERE answered_at IS NOT NULL AND (@since IS NULL OR created_at >= @since) AND (@until IS NULL OR created_at < @until))
        SELECT dept AS departmentId, AVG(h) AS median FROM d WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY dept`),
      newCount: db.prepare(`SELECT COUNT(*) FROM feedback WHERE status = 'new'`).pluck(),
      newCountDept: db.prepare(`SELECT COUNT(*) FROM feedback WHERE department_id = ? AND status = 'assigned'`).pluck(),
      // The inbox page: one query per filter shape so SQLite can pick the fitting index (the generic
      // "(@x IS NULL OR col = @x)" form makes it scan).
    };
  }

  departmentStats(opts: { overdueBefore: string; since?: string | null; until?: string | null }): DepartmentStatsRow[] {
    const p = { overdueBefore: opts.overdueBefore, since: opts.since ?? null, until: opts.until ?? null };
    const medians = new Map<number | null, number>();
    for (const r of this.s.median.all({ since: p.since, until: p.until }) as Array<{ departmentId: number | null; median: number }>) medians.set(r.departmentId, r.median);
    return (this.s.perDept.all(p) as Array<Omit<DepartmentStatsRow, 'medianAnswerHours'>>).map((r) => ({
      departmentId: r.departmentId, received: r.received, answered: r.answered ?? 0, open: r.open ?? 0, overdue: r.overdue ?? 0,
      rated: r.rated ?? 0, satisfied: r.satisfied ?? 0, dissatisfied: r.dissatisfied ?? 0, medianAnswerHours: medians.get(r.departmentId) ?? null,
    }));
  }

  /** Badge counts: new items for the central staff, assigned-but-unanswered ones for a department. */
  waitingCount(departmentId: number | null): number {
    return (departmentId === null ? this.s.newCount.get() : this.s.newCountDept.get(departmentId)) as number;
  }
}
