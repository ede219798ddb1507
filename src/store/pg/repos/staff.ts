/** Staff users, sessions, login failures and the supervision page's queries on PostgreSQL (see ../../repos/staff.ts). */
import type { AsyncOf } from '../../async.js';
import type { DepartmentStatsRow, LoginFailures, SqliteAdminQueries, SqliteStaffRepo, StaffRole, StaffSession, StaffUser } from '../../repos/staff.js';
import { withTransaction, type Queryable } from '../pool.js';
import { LOCK_NAMESPACE } from '../migrate.js';
import { changes, row, rows } from './util.js';

// Usernames compare without case, as SQLite's COLLATE NOCASE (unique index on lower(username)).
const USER_SELECT = `SELECT u.*, d.code AS dept_code, d.name AS dept_name FROM staff_users u LEFT JOIN departments d ON d.id = u.department_id`;
const SESSION_COLS = `id_hash AS "idHash", user_id AS "userId", csrf_token AS "csrfToken", created_at AS "createdAt", expires_at AS "expiresAt", last_seen_at AS "lastSeenAt"`;

function toUser(r: any): StaffUser {
  return {
    id: r.id, username: r.username, displayName: r.display_name ?? null, role: r.role, departmentId: r.department_id ?? null,
    departmentCode: r.dept_code ?? null, departmentName: r.dept_name ?? null, disabled: !!r.disabled,
    createdAt: r.created_at, updatedAt: r.updated_at, passwordChangedAt: r.password_changed_at, lastLoginAt: r.last_login_at ?? null,
    title: r.title ?? null,
  };
}

export class PgStaffRepo implements AsyncOf<SqliteStaffRepo> {
  constructor(private readonly q: Queryable) {}
  withClient(q: Queryable): PgStaffRepo { return new PgStaffRepo(q); }
  async byId(id: number): Promise<StaffUser | undefined> { const r = await row(this.q, `${USER_SELECT} WHERE u.id = $1`, [id]); return r ? toUser(r) : undefined; }
  async byUsername(name: string): Promise<StaffUser | undefined> { const r = await row(this.q, `${USER_SELECT} WHERE lower(u.username) = lower($1)`, [name]); return r ? toUser(r) : undefined; }
  async passwordHash(id: number): Promise<string | undefined> { return (await row<{ h: string }>(this.q, 'SELECT password_hash AS h FROM staff_users WHERE id = $1', [id]))?.h; }
  async all(): Promise<StaffUser[]> { return (await rows(this.q, `${USER_SELECT} ORDER BY u.role, lower(u.username)`)).map(toUser); }
  async count(): Promise<number> { return (await row<{ n: number }>(this.q, 'SELECT COUNT(*) AS n FROM staff_users'))!.n; }
  async insert(u: { username: string; displayName: string | null; role: StaffRole; departmentId: number | null; passwordHash: string }, now: string): Promise<StaffUser> {
    const r = await row<{ id: number }>(this.q, `INSERT INTO staff_users (username, display_name, role, department_id, password_hash, created_at, updated_at, password_changed_at)
      VALUES ($1, $2, $3, $4, $5, $6, $6, $6) RETURNING id`, [u.username, u.displayName, u.role, u.departmentId, u.passwordHash, now]);
    return (await this.byId(r!.id))!;
  }
  async setPassword(id: number, passwordHash: string, now: string): Promise<void> {
    await withTransaction(this.q, async (c) => {
      await c.query('UPDATE staff_users SET password_hash = $1, password_changed_at = $2, updated_at = $2 WHERE id = $3', [passwordHash, now, id]);
      await c.query('DELETE FROM staff_sessions WHERE user_id = $1', [id]);
    });
  }
  async setDisabled(id: number, disabled: boolean, now: string): Promise<void> {
    await withTransaction(this.q, async (c) => {
      await c.query('UPDATE staff_users SET disabled = $1, updated_at = $2 WHERE id = $3', [disabled ? 1 : 0, now, id]);
      if (disabled) await c.query('DELETE FROM staff_sessions WHERE user_id = $1', [id]);
    });
  }
  async recordLogin(id: number, now: string): Promise<void> { await this.q.query('UPDATE staff_users SET last_login_at = $1 WHERE id = $2', [now, id]); }

  async insertSession(s: StaffSession & { ip: string | null; userAgent: string | null }): Promise<void> {
    await this.q.query(`INSERT INTO staff_sessions (id_hash, user_id, csrf_token, created_at, expires_at, last_seen_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [s.idHash, s.userId, s.csrfToken, s.createdAt, s.expiresAt, s.lastSeenAt, s.ip, s.userAgent]);
  }
  async session(idHash: string): Promise<StaffSession | undefined> { return row<StaffSession>(this.q, `SELECT ${SESSION_COLS} FROM staff_sessions WHERE id_hash = $1`, [idHash]); }
  async touchSession(idHash: string, now: string): Promise<void> { await this.q.query('UPDATE staff_sessions SET last_seen_at = $1 WHERE id_hash = $2', [now, idHash]); }
  async deleteSession(idHash: string): Promise<void> { await this.q.query('DELETE FROM staff_sessions WHERE id_hash = $1', [idHash]); }
  async purgeSessions(now: string): Promise<number> { return changes(this.q, 'DELETE FROM staff_sessions WHERE expires_at <= $1', [now]); }

  // Login failures per (user name without case, client address): staff_login_pairs (migration 9).
  /**
   * Inside a transaction (the login check), the pair is locked first (a transaction-level advisory lock
   * on its hash): a login attempt of the same pair at another instance waits until this one's count is
   * written, so parallel guesses through several instances cannot pass the check together either.
   */
  async failures(username: string, address: string): Promise<LoginFailures | undefined> {
    await this.q.query(`SELECT pg_advisory_xact_lock(${LOCK_NAMESPACE}, hashtext(lower($1) || '|' || $2))`, [username, address]);
    return row<LoginFailures>(this.q, `SELECT username, address, failures, last_failure_at AS "lastFailureAt", locked_until AS "lockedUntil"
      FROM staff_login_pairs WHERE lower(username) = lower($1) AND address = $2`, [username, address]);
  }
  async setFailures(username: string, address: string, failures: number, at: string, lockedUntil: string | null): Promise<void> {
    await this.q.query(`INSERT INTO staff_login_pairs (username, address, failures, last_failure_at, locked_until) VALUES ($1, $2, $3, $4, $5)
      ON CONFLICT ((lower(username)), address) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at, locked_until = excluded.locked_until`,
    [username, address, failures, at, lockedUntil]);
  }
  async clearFailures(username: string, address: string): Promise<void> {
    await this.q.query('DELETE FROM staff_login_pairs WHERE lower(username) = lower($1) AND address = $2', [username, address]);
  }
  /** Lift every lock-out of a user name (admin unlock); returns the addresses that had failures. */
  async clearAllFailures(username: string): Promise<string[]> {
    // in address order, as SQLite reads them through its primary key
    return (await rows<{ address: string }>(this.q, `WITH d AS (DELETE FROM staff_login_pairs WHERE lower(username) = lower($1) RETURNING address)
      SELECT address FROM d ORDER BY address COLLATE "C"`, [username])).map((r) => r.address);
  }
  /** User name (lower case) → number of locked addresses and the latest lock end, for locks still running at `now`. */
  async lockedUsers(now: string): Promise<Map<string, { addresses: number; until: string }>> {
    const m = new Map<string, { addresses: number; until: string }>();
    for (const r of await rows<{ username: string; n: number; until: string }>(this.q, `SELECT lower(username) AS username, COUNT(*) AS n, MAX(locked_until) AS until
      FROM staff_login_pairs WHERE locked_until > $1 GROUP BY lower(username)`, [now])) m.set(r.username, { addresses: r.n, until: r.until });
    return m;
  }
  /** Forget failure runs that ended before `before` (they would start over anyway). */
  async purgeFailures(before: string): Promise<number> {
    return changes(this.q, 'DELETE FROM staff_login_pairs WHERE last_failure_at < $1 AND (locked_until IS NULL OR locked_until < $1)', [before]);
  }
}

export class PgAdminQueries implements AsyncOf<SqliteAdminQueries> {
  constructor(private readonly q: Queryable) {}
  withClient(q: Queryable): PgAdminQueries { return new PgAdminQueries(q); }

  async departmentStats(opts: { overdueBefore: string; since?: string | null; until?: string | null }): Promise<DepartmentStatsRow[]> {
    const since = opts.since ?? null, until = opts.until ?? null;
    const medians = new Map<number | null, number>();
    // Hours between two ISO texts: SQLite's julianday() difference × 24.
    const h = `EXTRACT(EPOCH FROM (answered_at::timestamptz - created_at::timestamptz)) / 3600.0`;
    for (const r of await rows<{ departmentId: number | null; median: number }>(this.q, `WITH d AS (
        SELECT department_id AS dept, (${h})::float8 AS h,
          ROW_NUMBER() OVER (PARTITION BY department_id ORDER BY ${h}) AS rn,
          COUNT(*) OVER (PARTITION BY department_id) AS n
        FROM feedback WHERE answered_at IS NOT NULL AND ($1::text IS NULL OR created_at >= $1) AND ($2::text IS NULL OR created_at < $2))
      SELECT dept AS "departmentId", AVG(h)::float8 AS median FROM d WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY dept`, [since, until])) medians.set(r.departmentId, r.median);
    const per = await rows<Omit<DepartmentStatsRow, 'medianAnswerHours'>>(this.q, `SELECT department_id AS "departmentId", COUNT(*) AS received,
        COUNT(*) FILTER (WHERE answered_at IS NOT NULL) AS answered,
        COUNT(*) FILTER (WHERE status NOT IN ('answered', 'closed')) AS open,
        COUNT(*) FILTER (WHERE status NOT IN ('answered', 'closed') AND created_at < $1) AS overdue,
        COUNT(*) FILTER (WHERE satisfaction IS NOT NULL) AS rated,
        COUNT(*) FILTER (WHERE satisfaction IN (1, 2)) AS satisfied,
        COUNT(*) FILTER (WHERE satisfaction = 3) AS dissatisfied
      FROM feedback WHERE ($2::text IS NULL OR created_at >= $2) AND ($3::text IS NULL OR created_at < $3)
      GROUP BY department_id`, [opts.overdueBefore, since, until]);
    return per.map((r) => ({
      departmentId: r.departmentId, received: r.received, answered: r.answered ?? 0, open: r.open ?? 0, overdue: r.overdue ?? 0,
      rated: r.rated ?? 0, satisfied: r.satisfied ?? 0, dissatisfied: r.dissatisfied ?? 0, medianAnswerHours: medians.get(r.departmentId) ?? null,
    }));
  }

  async waitingCount(departmentId: number | null): Promise<number> {
    const r = departmentId === null
      ? await row<{ n: number }>(this.q, `SELECT COUNT(*) AS n FROM feedback WHERE status = 'new'`)
      : await row<{ n: number }>(this.q, `SELECT COUNT(*) AS n FROM feedback WHERE department_id = $1 AND status = 'assigned'`, [departmentId]);
    return r!.n;
  }
}
