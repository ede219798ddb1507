/**
 * In-memory guards around staff logins (issue 10 §3). Each is plain state with an injected clock:
 *
 *  - AddressThrottle: failed logins per client address per window, whatever the user name; over the
 *    limit the address is refused (429 + Retry-After) without hashing anything. The attempt is counted
 *    when it starts (before the slow hash), so parallel requests cannot outrun the count; a success
 *    gives the attempt back.
 *  - HashGate: bounds the scrypt hashes computed at once (a semaphore with a short queue) and the
 *    hashes one address may have in flight; what does not fit is refused at once (429, Retry-After 1),
 *    so a flood from one address cannot make a real login at another wait behind it.
 *  - LoginAuditLimiter: a flood must not flood the audit log. Per address and window the first
 *    `perWindow` refusals of each kind (failed / locked / throttled) are written one by one; the rest are counted and written as ONE summary row
 *    (`auth.login_flood`) when the window closes.
 *  - KeyedSerializer: runs async steps with the same key one after another (the lock-out's
 *    read-check-write of one (user, address) pair: with async store calls two attempts could otherwise
 *    both read the same failure count before either writes it).
 *
 * The per-(user, address) lock-out itself is persistent (staff_login_pairs, see auth.ts).
 * Every map is bounded.
 */

const MAX_ADDRESSES = 50_000;

export interface AddressThrottleOptions { now: () => number; limit: number; windowMs: number }

export class AddressThrottle {
  private readonly m = new Map<string, { start: number; count: number }>();
  constructor(private readonly o: AddressThrottleOptions) {}

  private entry(addr: string): { start: number; count: number } | undefined {
    const e = this.m.get(addr);
    if (e && e.start + this.o.windowMs <= this.o.now()) { this.m.delete(addr); return undefined; }
    return e;
  }

  /** Seconds until this address may try again, or 0 when it may try now. */
  retryAfterSec(addr: string): number {
    const e = this.entry(addr);
    if (!e || e.count < this.o.limit) return 0;
    return Math.max(1, Math.ceil((e.start + this.o.windowMs - this.o.now()) / 1000));
  }

  /** Count one attempt (synchronously, before hashing). */
  count(addr: string): void {
    const e = this.entry(addr);
    if (e) { e.count++; return; }
    if (this.m.size >= MAX_ADDRESSES) this.prune();
    this.m.set(addr, { start: this.o.now(), count: 1 });
  }

  /** A successful login gives its attempt back. */
  refund(addr: string): void {
    const e = this.entry(addr);
    if (e && e.count > 0) e.count--;
  }

  clear(addr: string): void { this.m.delete(addr); }

  private prune(): void {
    const t = this.o.now();
    for (const [k, e] of this.m) if (e.start + this.o.windowMs <= t) this.m.delete(k);
    if (this.m.size >= MAX_ADDRESSES) this.m.clear(); // bounded memory first; the per-pair lock is in the database
  }
}

/**
 * Async steps with the same key run one at a time, in order of arrival; other keys are not held up.
 * A key's entry is dropped when its last step ends, so the map holds only keys in use.
 */
export class KeyedSerializer {
  private readonly tails = new Map<string, Promise<unknown>>();

  get size(): number { return this.tails.size; }

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key);
    const result = prev ? prev.then(fn) : fn(); // a tail never rejects
    const tail = result.then(() => undefined, () => undefined);
    this.tails.set(key, tail);
    void tail.then(() => { if (this.tails.get(key) === tail) this.tails.delete(key); });
    return result;
  }
}

export interface HashGateOptions { slots: number; perAddress: number; queue: number }

/** A semaphore for password hashing with a per-address cap and a short queue; see module comment. */
export class HashGate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly perAddr = new Map<string, number>();
  constructor(private readonly o: HashGateOptions) {}

  get inUse(): number { return this.active; }
  get queued(): number { return this.waiting.length; }

  /**
   * Take a place (synchronously) or null when there is none: the address has its share in flight, or
   * every slot is busy and the queue is full. The returned promise resolves to a release function.
   */
  enter(addr: string): Promise<() => void> | null {
    const mine = this.perAddr.get(addr) ?? 0;
    if (mine >= this.o.perAddress) return null;
    if (this.active >= this.o.slots && this.waiting.length >= this.o.queue) return null;
    this.perAddr.set(addr, mine + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const n = (this.perAddr.get(addr) ?? 1) - 1;
      if (n <= 0) this.perAddr.delete(addr); else this.perAddr.set(addr, n);
      const next = this.waiting.shift();
      if (next) next(); else this.active--;
    };
    if (this.active < this.o.slots) { this.active++; return Promise.resolve(release); }
    return new Promise((resolve) => this.waiting.push(() => resolve(release))); // the slot passes on as it is
  }
}

export type LoginAuditKind = 'failed' | 'locked' | 'throttled';
export interface LoginAuditRow { actor: string; action: string; target: string | null; detail: Record<string, unknown> }

/** write may be async (an audit append); it must not reject (it logs its own failures). */
export interface LoginAuditOptions { now: () => number; windowMs: number; perWindow: number; write: (row: LoginAuditRow) => void | Promise<void> }

interface AuditWindow { start: number; written: Record<LoginAuditKind, number>; suppressed: Record<LoginAuditKind, number>; usernames: Set<string>; last: number }

const ACTION: Record<LoginAuditKind, string> = { failed: 'auth.login_failed', locked: 'auth.locked', throttled: 'auth.throttled' };

/** Rate-limits the audit rows of failed logins; see module comment. */
export class LoginAuditLimiter {
  private readonly m = new Map<string, AuditWindow>();
  constructor(private readonly o: LoginAuditOptions) {}

  /**
   * A refused login from `addr` for `username`: written now, or counted for the window's summary row.
   * The bookkeeping is synchronous; the promise settles once the row (if any) is written.
   */
  async note(addr: string, username: string, kind: LoginAuditKind): Promise<void> {
    const t = this.o.now();
    const writes: Array<void | Promise<unknown> | null> = [];
    let w = this.m.get(addr);
    if (w && w.start + this.o.windowMs <= t) { writes.push(this.summarise(addr, w)); w = undefined; }
    if (!w) {
      if (this.m.size >= MAX_ADDRESSES) writes.push(this.flush(true));
      w = { start: t, written: { failed: 0, locked: 0, throttled: 0 }, suppressed: { failed: 0, locked: 0, throttled: 0 }, usernames: new Set(), last: t };
      this.m.set(addr, w);
    }
    w.last = t;
    const name = username.slice(0, 32);
    if (w.written[kind] < this.o.perWindow) {
      w.written[kind]++;
      writes.push(this.o.write({ actor: `login:${name}`, action: ACTION[kind], target: name || null, detail: { ip: addr } }));
    } else {
      w.suppressed[kind]++;
      if (w.usernames.size < 10) w.usernames.add(name);
    }
    await Promise.all(writes);
  }

  /**
   * Write the summary rows of closed windows (all windows with `all`); called by a timer and on stop.
   * Resolves with the number of summary rows once they are written.
   */
  async flush(all = false): Promise<number> {
    const t = this.o.now();
    const writes: Array<Promise<void>> = [];
    for (const [addr, w] of this.m) {
      if (!all && w.start + this.o.windowMs > t) continue;
      const r = this.summarise(addr, w);
      if (r) writes.push(r);
    }
    await Promise.all(writes);
    return writes.length;
  }

  /** Close an address's window: null when nothing was suppressed, else the summary row's write. */
  private summarise(addr: string, w: AuditWindow): Promise<void> | null {
    this.m.delete(addr);
    const s = w.suppressed;
    const attempts = s.failed + s.locked + s.throttled;
    if (!attempts) return null;
    return Promise.resolve(this.o.write({
      actor: 'system', action: 'auth.login_flood', target: addr,
      detail: {
        ip: addr, attempts, failed: s.failed, locked: s.locked, throttled: s.throttled, usernames: [...w.usernames],
        from: new Date(w.start).toISOString(), to: new Date(w.last).toISOString(),
        note: `同一地址登录失败过多，逐条记录已合并（${attempts} 次未逐条记录）`,
      },
    }));
  }
}
