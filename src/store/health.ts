/**
 * Storage health: one mechanism for "the disk is full" (or the store cannot write at all).
 *
 *  - `isStorageFull(err)` classifies an error: SQLITE_FULL, SQLITE_IOERR*, ENOSPC / EDQUOT (recordings,
 *    TTS cache files), also behind `cause`.
 *  - `StorageHealth` holds the state (ok / low / full). Write paths tell it of failures (`failure()`,
 *    which answers whether the error was a storage one) and successes (`success()`); it logs the
 *    incident rate-limited (one line on entering the state, at most one summary a minute while it
 *    lasts, one on recovery), checks free space on the data directory (`data.min_free_mb` → low), and
 *    while full probes the headroom every few seconds so the state clears by itself when space returns.
 *  - /health, the live panel, the SMS dispatcher's back-off and the jobs read it.
 *
 * The catches sit at the few top-level entry points (dispatcher flush/pump, inbound persist, group
 * commit, the HTTP error handler, voice effects and call log, jobs); nothing else needs a try/catch.
 */
import { statfsSync } from 'node:fs';
import type { Logger } from '../log.js';

export type StorageState = 'ok' | 'low' | 'full';

/** What the apology / 503 says (Chinese first). */
export const STORAGE_UNAVAILABLE_MESSAGE = '存储空间不足，暂时无法保存，请稍后重试 (storage full: the request was not stored, retry later)';

const SQLITE_STORAGE = /^SQLITE_(FULL|IOERR)/;
const FS_STORAGE = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

/** True for errors that mean "the store cannot write": a full disk (or quota), or an I/O error. */
export function isStorageFull(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (SQLITE_STORAGE.test(code) || FS_STORAGE.has(code))) return true;
  }
  return false;
}

/** 'full' for a lack of space (a probe can see it clear); 'io' for I/O errors (only a real write can). */
function errorKind(err: unknown): 'full' | 'io' {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'SQLITE_FULL' || (typeof code === 'string' && FS_STORAGE.has(code))) return 'full';
  }
  return 'io';
}

function errorCode(err: unknown): string {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return 'unknown';
}

/** Retry delay after `attempt` consecutive failures: base, 2×base, 4×base … capped (1 s → 30 s by default). */
export function backoffMs(attempt: number, baseMs = 1000, maxMs = 30_000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(attempt, 30)));
}

export interface StorageHealthOptions {
  log: Logger;
  /** Directory whose file system is watched (the data dir). Null: no free-space check. */
  dir: string | null;
  /** Below this many MiB free: state 'low' (a warning, writes go on). */
  minFreeMb: number;
  /** Bytes the store can still grow by inside its own limits (SQLite max_page_count); null when unknown. */
  headroom?: () => number | null;
  /** Free bytes on the data dir's file system (tests inject). */
  freeBytes?: (dir: string) => number | null;
  /** While full, check the headroom this often (ms). Default 2000. */
  probeMs?: number;
  /** At most one summary line this often while full (ms). Default 60000. */
  summaryMs?: number;
  /** Space needed (in the store and on disk) before a probe declares the incident over. Default 1 MiB. */
  probeBytes?: number;
  now?: () => number;
}

export type StorageSnapshot = {
  ok: boolean;
  state: StorageState;
  detail: {
    freeMb: number | null; minFreeMb: number; since: string | null; failures: number; lastError: string | null; where: string | null;
  };
};

export class StorageHealth {
  private st: StorageState = 'ok';
  private since: number | null = null;
  private kind: 'full' | 'io' = 'full';
  private lastError: string | null = null;
  private where: string | null = null;
  /** Failures in this incident, and since the last summary line (by entry point). */
  private failures = 0;
  private unreported = new Map<string, number>();
  private lastLine = 0;
  private enterLogged = false;
  private lastLeft = -Infinity;
  private lowWarned = false;
  private probeTimer: NodeJS.Timeout | null = null;
  private readonly listeners = new Set<(s: StorageState) => void>();
  private readonly now: () => number;
  private readonly summaryMs: number;

  constructor(private readonly o: StorageHealthOptions) {
    this.now = o.now ?? Date.now;
    this.summaryMs = o.summaryMs ?? 60_000;
  }

  get state(): StorageState { return this.st; }
  get full(): boolean { return this.st === 'full'; }

  /** Called on every state change (the live panel, the dispatcher's resume). */
  onChange(fn: (s: StorageState) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * A write failed. Returns true (and records it) when it is a storage error; false otherwise, so the
   * caller handles it as before: `if (!storage.failure(e, 'where')) throw e`.
   */
  failure(err: unknown, where: string): boolean {
    if (!isStorageFull(err)) return false;
    const t = this.now();
    this.failures++;
    this.lastError = `${errorCode(err)}: ${(err as Error)?.message ?? String(err)}`.slice(0, 200);
    this.where = where;
    this.kind = errorKind(err);
    if (this.st !== 'full') {
      this.since = t;
      this.failures = 1;
      this.unreported.clear();
      // A relapse within a summary period of the last recovery is not a new incident line (no flapping log).
      this.enterLogged = t - this.lastLeft >= this.summaryMs;
      if (this.enterLogged) {
        this.lastLine = t;
        this.o.log.error(`存储空间不足，写入失败 / storage full: writes are failing (${where}); calls go on, HTTP writes answer 503, inbound SMS are not acknowledged, sending waits. Free some space: everything resumes by itself`, { error: this.lastError, freeMb: this.freeMb() });
      } else {
        this.count(where);
      }
      this.set('full');
      this.startProbe();
      return true;
    }
    this.count(where);
    this.maybeSummary(t);
    return true;
  }

  /**
   * A write committed. Ends an incident — for a lack of space only when there is room again: a small
   * write that still fitted into a half-empty page says nothing about the next one. Cheap when all is well.
   */
  success(_where?: string): void {
    if (this.st !== 'full') return;
    if (this.kind === 'full' && !this.roomAgain()) return;
    this.recover('a write succeeded');
  }

  /** Free MiB on the data dir's file system (null when unknown). */
  freeMb(): number | null {
    if (!this.o.dir) return null;
    const bytes = (this.o.freeBytes ?? statfsFree)(this.o.dir);
    return bytes === null ? null : Math.round((bytes / 1048576) * 10) / 10;
  }

  /** Re-read free space: ok ↔ low (full is left only by a write or a probe). Logs entering and leaving low once each. */
  checkFree(): StorageState {
    if (this.st === 'full') return this.st;
    const free = this.freeMb();
    const low = free !== null && free < this.o.minFreeMb;
    if (low && !this.lowWarned) {
      this.lowWarned = true;
      this.o.log.warn(`磁盘可用空间不足 / low disk space on the data directory: ${free} MiB free, below data.min_free_mb = ${this.o.minFreeMb}`, { dir: this.o.dir });
    } else if (!low && this.lowWarned && this.st === 'low') {
      this.lowWarned = false;
      this.o.log.info('磁盘空间已恢复 / disk space back above data.min_free_mb', { freeMb: free });
    }
    this.set(low ? 'low' : 'ok');
    return this.st;
  }

  /** For /health and the panel: ok is false only when full (low is a warning). */
  snapshot(): StorageSnapshot {
    if (this.st !== 'full') this.checkFree();
    return {
      ok: this.st !== 'full', state: this.st,
      detail: {
        freeMb: this.freeMb(), minFreeMb: this.o.minFreeMb, since: this.since !== null && this.st === 'full' ? new Date(this.since).toISOString() : null,
        failures: this.st === 'full' ? this.failures : 0, lastError: this.st === 'full' ? this.lastError : null, where: this.st === 'full' ? this.where : null,
      },
    };
  }

  /** One check of the headroom while full (also run by the probe timer). True when the incident ended. */
  probe(): boolean {
    if (this.st !== 'full') return true;
    const t = this.now();
    this.maybeSummary(t);
    if (this.kind !== 'full') return false; // an I/O error clears only with a real write
    if (!this.roomAgain(true)) return false;
    this.recover('space is available again');
    return true;
  }

  /** The store's headroom and the disk's free space are both at least `probeBytes` (unknown counts as room, unless `known`). */
  private roomAgain(known = false): boolean {
    const need = this.o.probeBytes ?? 1048576;
    let room: number | null;
    try { room = this.o.headroom?.() ?? null; } catch { room = 0; }
    const disk = this.o.dir ? (this.o.freeBytes ?? statfsFree)(this.o.dir) : null;
    if (known && room === null && disk === null) return false;
    return (room === null || room >= need) && (disk === null || disk >= need);
  }

  stop(): void {
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.probeTimer = null;
  }

  private recover(why: string): void {
    const t = this.now();
    const lasted = this.since !== null ? Math.round((t - this.since) / 100) / 10 : 0;
    if (this.enterLogged) {
      this.lastLine = t;
      this.o.log.info(`存储已恢复 / storage writable again (${why}) after ${lasted} s; ${this.failures} write(s) failed meanwhile and are retried`, this.summaryFields());
    }
    this.unreported.clear();
    this.lastLeft = t;
    this.since = null;
    this.stop();
    this.st = 'ok';
    this.checkFree();
    this.emit();
  }

  private count(where: string): void { this.unreported.set(where, (this.unreported.get(where) ?? 0) + 1); }

  private summaryFields(): Record<string, unknown> {
    return { failures: this.failures, byEntry: Object.fromEntries(this.unreported), lastError: this.lastError };
  }

  private maybeSummary(t: number): void {
    if (this.unreported.size === 0 || t - this.lastLine < this.summaryMs) return;
    this.lastLine = t;
    const lasted = this.since !== null ? Math.round((t - this.since) / 1000) : 0;
    this.o.log.warn(`存储空间仍不足 / storage still full for ${lasted} s`, { ...this.summaryFields(), freeMb: this.freeMb() });
    this.unreported.clear();
  }

  private startProbe(): void {
    if (this.probeTimer) return;
    this.probeTimer = setInterval(() => { this.probe(); }, this.o.probeMs ?? 2000);
    this.probeTimer.unref();
  }

  private set(s: StorageState): void {
    if (s === this.st) return;
    this.st = s;
    this.emit();
  }

  private emit(): void {
    for (const fn of this.listeners) {
      try { fn(this.st); } catch { /* a listener's problem is not the store's */ }
    }
  }
}

function statfsFree(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch { return null; }
}
