/**
 * Time limits in working time (pure). The working calendar (src/domain/calendar.ts: weekends rest,
 * public holidays rest, 调休 make-up weekend days work) says which days count; the categories file's
 * working hours say which minutes of a working day count. 签收 is due N working hours after dispatch
 * (dispatch outside working hours starts the clock at the next working period); 办结 is due at the end of
 * the M-th working day after the dispatch day (as a declaration's legal time limit). The early warning
 * (即将超时) is at `ratio` (default 0.8) of the limit, measured in working time; past the due time is 已超时.
 */
import type { WorkingCalendar } from '../domain/calendar.js';
import { addDays, localDate, localParts, zonedTime } from '../domain/time.js';
import type { Limits } from './categories.js';

export interface WorkClock {
  calendar: WorkingCalendar;
  tz: string;
  /** Working periods of a working day, minutes since local midnight, sorted, not overlapping. */
  hours: ReadonlyArray<readonly [number, number]>;
}

const MIN = 60_000;
const hm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}:00`;
const at = (day: string, minute: number, tz: string) => zonedTime(day, hm(minute), tz);
const minuteOf = (d: Date, tz: string) => { const p = localParts(d, tz); return p.hour * 60 + p.minute + p.second / 60; };

/** Working minutes in one working day. */
export function workingDayMinutes(clock: WorkClock): number {
  return clock.hours.reduce((s, [a, b]) => s + (b - a), 0);
}

/** The instant `minutes` working minutes after `start`. */
export function addWorkingMinutes(start: Date, minutes: number, clock: WorkClock): Date {
  if (minutes < 0) throw new Error('addWorkingMinutes: negative');
  let day = localDate(start, clock.tz);
  let from = minuteOf(start, clock.tz);
  let left = minutes;
  for (let guard = 0; guard < 5000; guard++) {
    if (clock.calendar.isWorkingDay(day)) {
      for (const [a, b] of clock.hours) {
        const s = Math.max(a, from);
        if (s >= b) continue;
        if (s + left <= b) {
          const whole = Math.floor(s + left);
          return new Date(at(day, whole, clock.tz).getTime() + Math.round((s + left - whole) * MIN));
        }
        left -= b - s;
      }
    }
    day = addDays(day, 1);
    from = 0;
  }
  throw new Error('addWorkingMinutes: runaway (no working days in the calendar?)');
}

/** Working minutes from `a` to `b` (negative when b is before a). */
export function workingMinutesBetween(a: Date, b: Date, clock: WorkClock): number {
  if (b.getTime() < a.getTime()) return -workingMinutesBetween(b, a, clock);
  let day = localDate(a, clock.tz);
  const endDay = localDate(b, clock.tz);
  let total = 0;
  for (let guard = 0; guard < 5000; guard++) {
    if (clock.calendar.isWorkingDay(day)) {
      const from = day === localDate(a, clock.tz) ? minuteOf(a, clock.tz) : 0;
      const to = day === endDay ? minuteOf(b, clock.tz) : 24 * 60;
      for (const [s, e] of clock.hours) total += Math.max(0, Math.min(e, to) - Math.max(s, from));
    }
    if (day === endDay) return Math.round(total);
    day = addDays(day, 1);
  }
  throw new Error('workingMinutesBetween: runaway');
}

export interface Deadlines { signDueAt: string; signWarnAt: string; finishDueAt: string; finishWarnAt: string }

/** 签收 and 办结 due (and warning) instants of an item dispatched at `dispatchedAt`. */
export function deadlines(dispatchedAt: Date, limits: Limits, clock: WorkClock, warnRatio = 0.8): Deadlines {
  const signDue = addWorkingMinutes(dispatchedAt, limits.signHours * 60, clock);
  const finishDue = clock.calendar.dueAt(dispatchedAt, limits.finishDays, clock.tz);
  return {
    signDueAt: signDue.toISOString(),
    signWarnAt: addWorkingMinutes(dispatchedAt, Math.round(limits.signHours * 60 * warnRatio), clock).toISOString(),
    finishDueAt: finishDue.toISOString(),
    finishWarnAt: warnAt(dispatchedAt, finishDue, clock, warnRatio).toISOString(),
  };
}

/** The instant at `ratio` of the working time from `start` to `due`. */
export function warnAt(start: Date, due: Date, clock: WorkClock, ratio = 0.8): Date {
  const total = workingMinutesBetween(start, due, clock);
  return total <= 0 ? due : addWorkingMinutes(start, Math.round(total * ratio), clock);
}

/** A new 办结 due after an approved extension of `days` working days from the current due (end of that working day). */
export function extendDue(currentDue: Date, days: number, clock: WorkClock): Date {
  return clock.calendar.dueAt(currentDue, days, clock.tz);
}

export type TimeLevel = 'ok' | 'warn' | 'overdue';
export const TIME_LEVEL_ZH: Record<TimeLevel, string> = { ok: '正常', warn: '即将超时', overdue: '已超时' };

export interface TimeLeft {
  level: TimeLevel;
  /** Working minutes left (negative: overdue by). */
  minutes: number;
  /** 剩余 2 个工作日 3 小时 / 剩余 45 分钟 / 已超时 1 小时 20 分钟 */
  text: string;
}

/** Time left until `due` at `now`, in working time; yellow from `warn`, red past `due`. */
export function timeLeft(now: Date, warn: Date | null, due: Date, clock: WorkClock): TimeLeft {
  const overdue = now.getTime() > due.getTime();
  const minutes = overdue ? -workingMinutesBetween(due, now, clock) : workingMinutesBetween(now, due, clock);
  const level: TimeLevel = overdue ? 'overdue' : warn && now.getTime() >= warn.getTime() ? 'warn' : 'ok';
  return { level, minutes, text: (overdue ? '已超时 ' : '剩余 ') + durationZh(Math.abs(minutes), workingDayMinutes(clock)) };
}

/** Working minutes in words: 2 个工作日 3 小时 / 1 小时 20 分钟 / 0 分钟. */
export function durationZh(minutes: number, dayMinutes: number): string {
  const days = dayMinutes > 0 ? Math.floor(minutes / dayMinutes) : 0;
  const rest = minutes - days * dayMinutes;
  const h = Math.floor(rest / 60), m = rest % 60;
  const parts: string[] = [];
  if (days) parts.push(`${days} 个工作日`);
  if (h) parts.push(`${h} 小时`);
  if (m && !days) parts.push(`${m} 分钟`);
  return parts.length ? parts.join(' ') : '0 分钟';
}
