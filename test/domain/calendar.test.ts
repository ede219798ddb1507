import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WorkingCalendar } from '../../src/domain/calendar.js';
import { inDailyWindow, nextLocalTime } from '../../src/domain/time.js';

const cal = new WorkingCalendar(JSON.parse(readFileSync(new URL('../../data/calendar.json', import.meta.url), 'utf8')));

describe('addWorkingDays (shipped 2025–2026 calendar)', () => {
  const table: Array<[string, string, number, string]> = [
    ['plain week', '2026-03-02', 3, '2026-03-05'],
    ['over a weekend', '2026-03-06', 1, '2026-03-09'],
    ['0 days', '2026-03-06', 0, '2026-03-06'],
    // Spring Festival 2026: 2/15–2/23 off; 2/14 (Sat) and 2/28 (Sat) are make-up working days.
    ['Friday before Spring Festival → make-up Saturday', '2026-02-13', 1, '2026-02-14'],
    ['make-up Saturday → after the holiday', '2026-02-14', 1, '2026-02-24'],
    ['into the make-up Saturday after', '2026-02-24', 4, '2026-02-28'],
    ['accepted during the holiday', '2026-02-18', 1, '2026-02-24'],
    // National Day 2026: 10/1–10/7 off; 9/20 (Sun) and 10/10 (Sat) work; Mid-Autumn 9/25–9/27.
    ['make-up Sunday before Mid-Autumn', '2026-09-19', 1, '2026-09-20'],
    ['over Mid-Autumn', '2026-09-24', 1, '2026-09-28'],
    ['over National Day', '2026-09-30', 1, '2026-10-08'],
    ['to the make-up Saturday', '2026-10-09', 1, '2026-10-10'],
    ['ten working days across National Day', '2026-09-28', 10, '2026-10-16'],
    // 2025 Spring Festival: 1/28–2/4 off; 1/26 (Sun) and 2/8 (Sat) work.
    ['2025 make-up Sunday', '2025-01-25', 1, '2025-01-26'],
    ['2025 over Spring Festival', '2025-01-27', 1, '2025-02-05'],
  ];
  it.each(table)('%s: %s + %i → %s', (_l, from, n, to) => expect(cal.addWorkingDays(from, n)).toBe(to));

  it('due time is the end of the last working day, Asia/Shanghai', () => {
    expect(cal.dueAt(new Date('2026-09-30T02:00:00Z'), 1, 'Asia/Shanghai').toISOString()).toBe('2026-10-08T15:59:59.999Z');
  });

  it('refuses bad input', () => {
    expect(() => cal.addWorkingDays('2026-01-01', -1)).toThrow();
    expect(() => new WorkingCalendar({ holidays: ['2026-1-1'], workdays: [] })).toThrow(/YYYY-MM-DD/);
  });
});

describe('daily windows (quiet hours)', () => {
  const tz = 'Asia/Shanghai';
  it.each([
    ['2026-11-26T14:30:00Z', true], // 22:30 local
    ['2026-11-26T23:59:00Z', true], // 07:59 local
    ['2026-11-27T00:00:00Z', false], // 08:00 local
    ['2026-11-26T06:00:00Z', false], // 14:00 local
  ])('%s in 22:00–08:00 = %s', (at, v) => expect(inDailyWindow(new Date(at), '22:00', '08:00', tz)).toBe(v));
  it('next 08:00 local', () => {
    expect(nextLocalTime(new Date('2026-11-26T14:30:00Z'), '08:00', tz).toISOString()).toBe('2026-11-27T00:00:00.000Z');
  });
});
