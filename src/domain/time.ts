/** Time helpers: timestamps are stored as UTC ISO strings and shown in the configured zone (default Asia/Shanghai). */

const partsCache = new Map<string, Intl.DateTimeFormat>();
function fmt(tz: string): Intl.DateTimeFormat {
  let f = partsCache.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', weekday: 'short',
    });
    partsCache.set(tz, f);
  }
  return f;
}

export interface LocalParts { year: number; month: number; day: number; hour: number; minute: number; second: number; weekday: number }

const WD: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

function partsByIntl(at: Date, tz: string): LocalParts {
  const o: Record<string, string> = {};
  for (const p of fmt(tz).formatToParts(at)) o[p.type] = p.value;
  return {
    year: Number(o.year), month: Number(o.month), day: Number(o.day),
    hour: Number(o.hour), minute: Number(o.minute), second: Number(o.second), weekday: WD[o.weekday] ?? 0,
  };
}

/**
 * The zone's UTC offset per quarter hour of UTC time: every zone's offset changes only at instants
 * that are whole quarter hours, so within one quarter hour the offset found once (Intl, slow: tens of
 * µs) holds, and the parts are plain arithmetic. Kept small (cleared past 4,096 entries).
 */
const offsets = new Map<string, number>();
const QUARTER = 900_000;

function offsetMs(ms: number, tz: string): number {
  const key = `${tz}|${Math.floor(ms / QUARTER)}`;
  let off = offsets.get(key);
  if (off === undefined) {
    const base = Math.floor(ms / QUARTER) * QUARTER;
    const p = partsByIntl(new Date(base), tz);
    off = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - base;
    if (offsets.size > 4096) offsets.clear();
    offsets.set(key, off);
  }
  return off;
}

/** Wall-clock parts of an instant in a zone. */
export function localParts(at: Date, tz: string): LocalParts {
  const ms = at.getTime();
  if (!Number.isFinite(ms)) return partsByIntl(at, tz); // throws RangeError as before
  const d = new Date(ms + offsetMs(ms, tz));
  return {
    year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(),
    hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), weekday: d.getUTCDay(),
  };
}

/** The Intl reading (tests compare the fast path against it). */
export const localPartsByIntl = partsByIntl;

/** 'YYYY-MM-DD' of an instant in a zone. */
export function localDate(at: Date, tz: string): string {
  const p = localParts(at, tz);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

/** 'YYYY-MM-DD HH:mm' in a zone, for people. */
export function formatLocal(at: Date | string, tz: string): string {
  const d = typeof at === 'string' ? new Date(at) : at;
  const p = localParts(d, tz);
  return `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}`;
}

/** Chinese reading of a date: 2026年11月26日. */
export function formatDateZh(at: Date | string, tz: string): string {
  const d = typeof at === 'string' ? new Date(at) : at;
  const p = localParts(d, tz);
  return `${p.year}年${p.month}月${p.day}日`;
}

export function pad(n: number): string { return n < 10 ? '0' + n : String(n); }

/** Offset of a zone at an instant, in minutes east of UTC. */
export function zoneOffsetMinutes(at: Date, tz: string): number {
  const p = localParts(at, tz);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return Math.round((asUtc - Math.floor(at.getTime() / 1000) * 1000) / 60000);
}

/** The instant at which the wall clock in `tz` reads the given local date and time. */
export function zonedTime(date: string, time: string, tz: string): Date {
  const [y, m, d] = date.split('-').map(Number);
  const [hh, mm, ss] = time.split(':').map(Number);
  const guess = new Date(Date.UTC(y, m - 1, d, hh, mm, ss || 0));
  const off = zoneOffsetMinutes(guess, tz);
  const first = new Date(guess.getTime() - off * 60000);
  const off2 = zoneOffsetMinutes(first, tz);
  return off2 === off ? first : new Date(guess.getTime() - off2 * 60000);
}

/** Add whole days to a 'YYYY-MM-DD' date. */
export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

export function weekdayOf(date: string): number {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

/** Minutes since local midnight. */
export function minutesOfDay(at: Date, tz: string): number {
  const p = localParts(at, tz);
  return p.hour * 60 + p.minute;
}

/** 'HH:mm' → minutes. */
export function hhmm(s: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(s);
  if (!m) throw new Error(`not a HH:mm time: ${s}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Is `at` within the daily window [from, to) (which may wrap midnight, e.g. 22:00–08:00)? */
export function inDailyWindow(at: Date, from: string, to: string, tz: string): boolean {
  const m = minutesOfDay(at, tz);
  const a = hhmm(from), b = hhmm(to);
  if (a === b) return false;
  return a < b ? m >= a && m < b : m >= a || m < b;
}

/** The next instant (after `at`) at which the local clock reads `time`. */
export function nextLocalTime(at: Date, time: string, tz: string): Date {
  const today = localDate(at, tz);
  let t = zonedTime(today, time + ':00', tz);
  if (t.getTime() <= at.getTime()) t = zonedTime(addDays(today, 1), time + ':00', tz);
  return t;
}
