/** Office-hours evaluation for `branch` nodes: weekly windows + an injected working-day calendar. */
import { localParts, pad } from '../../domain/time.js';
import { WEEKDAY_KEYS, type OfficeHours } from './types.js';

/** 'YYYY-MM-DD' → is it a working day? (Inject WorkingCalendar.isWorkingDay for holidays and 调休.) */
export type IsWorkingDay = (date: string) => boolean;

/** Default calendar: Monday to Friday. */
export const mondayToFriday: IsWorkingDay = (date) => {
  const [y, m, d] = date.split('-').map(Number);
  const wd = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return wd !== 0 && wd !== 6;
};

const WINDOW = /^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$/;

/** Parse 'HH:mm-HH:mm' into minutes [from, to); null when malformed or empty. */
export function parseWindow(s: string): { from: number; to: number } | null {
  const m = WINDOW.exec(String(s).trim());
  if (!m) return null;
  const h1 = Number(m[1]), m1 = Number(m[2]), h2 = Number(m[3]), m2 = Number(m[4]);
  if (h1 > 23 || m1 > 59 || h2 > 24 || m2 > 59 || (h2 === 24 && m2 !== 0)) return null;
  const from = h1 * 60 + m1, to = h2 * 60 + m2;
  return from < to ? { from, to } : null;
}

/**
 * Is the office open at `at`? On a working day (per `isWorkingDay`) the weekday's `weekly` windows
 * apply, else `hours`; on a rest day (weekend, public holiday) `restDays` (default: closed).
 */
export function isOfficeOpen(oh: OfficeHours, at: Date, timeZone: string, isWorkingDay: IsWorkingDay = mondayToFriday): boolean {
  const p = localParts(at, timeZone);
  const date = `${p.year}-${pad(p.month)}-${pad(p.day)}`;
  const minute = p.hour * 60 + p.minute;
  const wk = WEEKDAY_KEYS[p.weekday];
  const windows = isWorkingDay(date) ? (oh.weekly?.[wk] ?? oh.hours) : (oh.restDays ?? []);
  for (const w of windows) {
    const r = parseWindow(w);
    if (r && minute >= r.from && minute < r.to) return true;
  }
  return false;
}
