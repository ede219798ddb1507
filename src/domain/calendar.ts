/**
 * Working-day calendar: weekends are rest days, except the make-up working days (调休) listed;
 * public holidays listed are rest days even on weekdays. Legal time limits (承诺时限) count working days.
 */
import { addDays, weekdayOf, zonedTime, localDate } from './time.js';

export interface CalendarData {
  /** 'YYYY-MM-DD' dates that are public holidays (rest days). */
  holidays: string[];
  /** 'YYYY-MM-DD' weekend dates that are working days (调休 make-up days). */
  workdays: string[];
}

export class WorkingCalendar {
  private readonly holidays: Set<string>;
  private readonly workdays: Set<string>;
  constructor(data: CalendarData) {
    for (const d of [...data.holidays, ...data.workdays]) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) throw new Error(`calendar: not a YYYY-MM-DD date: ${d}`);
    }
    this.holidays = new Set(data.holidays);
    this.workdays = new Set(data.workdays);
  }

  isWorkingDay(date: string): boolean {
    if (this.holidays.has(date)) return false;
    if (this.workdays.has(date)) return true;
    const wd = weekdayOf(date);
    return wd !== 0 && wd !== 6;
  }

  isHoliday(date: string): boolean {
    return !this.isWorkingDay(date);
  }

  /**
   * The date that is `n` working days after `date` (the start day itself does not count, as an
   * application accepted today has its first working day tomorrow). n = 0 → `date`.
   */
  addWorkingDays(date: string, n: number): string {
    if (!Number.isInteger(n) || n < 0) throw new Error(`addWorkingDays: n must be a non-negative integer, got ${n}`);
    let d = date;
    let left = n;
    let guard = 0;
    while (left > 0) {
      d = addDays(d, 1);
      if (this.isWorkingDay(d)) left--;
      if (++guard > 100_000) throw new Error('addWorkingDays: runaway');
    }
    return d;
  }

  /** Due instant: end of the n-th working day after `acceptedAt`, local time. */
  dueAt(acceptedAt: Date, n: number, tz: string): Date {
    const day = this.addWorkingDays(localDate(acceptedAt, tz), n);
    return new Date(zonedTime(day, '23:59:59', tz).getTime() + 999);
  }
}
