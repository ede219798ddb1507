import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { WorkingCalendar, type CalendarData } from '../../src/domain/calendar.js';
import { addWorkingMinutes, deadlines, durationZh, timeLeft, workingMinutesBetween, type WorkClock } from '../../src/workorders/time-limits.js';
import { formatLocal } from '../../src/domain/time.js';

const TZ = 'Asia/Shanghai';
const calendar = new WorkingCalendar(JSON.parse(readFileSync('data/calendar.json', 'utf8')) as CalendarData);
const clock: WorkClock = { calendar, tz: TZ, hours: [[510, 720], [810, 1050]] }; // 08:30-12:00, 13:30-17:30
/** Local 'YYYY-MM-DD HH:mm' (+08:00) → Date. */
const L = (s: string) => new Date(s.replace(' ', 'T') + ':00+08:00');
const show = (iso: string | Date) => formatLocal(iso, TZ);

describe('working time', () => {
  const adds: Array<[string, string, number, string]> = [
    ['inside a period', '2026-03-02 09:00', 60, '2026-03-02 10:00'],
    ['across lunch', '2026-03-02 11:30', 60, '2026-03-02 14:00'],
    ['across the evening', '2026-03-02 17:00', 60, '2026-03-03 09:00'],
    ['dispatched at night: clock starts next morning', '2026-03-02 22:00', 30, '2026-03-03 09:00'],
    ['dispatched at lunch', '2026-03-02 12:30', 30, '2026-03-02 14:00'],
    ['Friday evening → Monday', '2026-03-06 17:00', 120, '2026-03-09 10:00'],
    ['exactly at the end of a period', '2026-03-02 08:30', 210, '2026-03-02 12:00'],
    // 国庆 2026: 10-01..10-07 rest; Wednesday 09-30 afternoon → Thursday 10-08
    ['国庆: 4 h from 09-30 16:00', '2026-09-30 16:00', 240, '2026-10-08 11:00'],
    // 春节 2026: 02-15..02-23 rest, Saturday 02-14 a 调休 working day
    ['春节: 1 h from Friday 02-13 17:00 lands on the 调休 Saturday', '2026-02-13 17:00', 60, '2026-02-14 09:00'],
    ['春节: 8 h from 02-14 09:00 → after the holiday', '2026-02-14 09:00', 480, '2026-02-24 09:30'],
  ];
  it.each(adds)('%s', (_n, start, minutes, expected) => {
    expect(show(addWorkingMinutes(L(start), minutes, clock))).toBe(expected);
  });

  const between: Array<[string, string, number]> = [
    ['2026-03-02 09:00', '2026-03-02 10:00', 60],
    ['2026-03-02 11:00', '2026-03-02 14:30', 120],
    ['2026-03-06 17:00', '2026-03-09 09:00', 60],
    ['2026-09-30 17:00', '2026-10-08 08:30', 30], // the whole National Day week counts nothing
    ['2026-03-02 10:00', '2026-03-02 09:00', -60],
  ];
  it.each(between)('%s → %s = %i working minutes', (a, b, m) => { expect(workingMinutesBetween(L(a), L(b), clock)).toBe(m); });
});

describe('deadlines: 签收 in working hours, 办结 in working days, warning at 80 %', () => {
  const rows: Array<[string, string, { signHours: number; finishDays: number }, { sign: string; signWarn: string; finish: string; finishWarn: string }]> = [
    ['ordinary week', '2026-03-02 09:00', { signHours: 4, finishDays: 5 },
      { sign: '2026-03-02 14:30', signWarn: '2026-03-02 13:42', finish: '2026-03-09 23:59', finishWarn: '2026-03-06 16:06' }],
    ['国庆 week (09-30 dispatch; 10-10 Saturday is a 调休 working day)', '2026-09-30 16:00', { signHours: 4, finishDays: 10 },
      { sign: '2026-10-08 11:00', signWarn: '2026-10-08 10:12', finish: '2026-10-20 23:59', finishWarn: '2026-10-16 17:12' }],
    ['春节 (urgent, Friday evening before the holiday)', '2026-02-13 17:00', { signHours: 1, finishDays: 3 },
      { sign: '2026-02-14 09:00', signWarn: '2026-02-14 08:48', finish: '2026-02-25 23:59', finishWarn: '2026-02-25 11:24' }],
  ];
  it.each(rows)('%s', (_n, dispatched, limits, exp) => {
    const d = deadlines(L(dispatched), limits, clock, 0.8);
    expect({ sign: show(d.signDueAt), signWarn: show(d.signWarnAt), finish: show(d.finishDueAt), finishWarn: show(d.finishWarnAt) }).toEqual(exp);
  });

  it('time left: green, yellow from the warning, red past due — in working time', () => {
    const d = deadlines(L('2026-09-30 16:00'), { signHours: 4, finishDays: 10 }, clock);
    const due = new Date(d.signDueAt), warn = new Date(d.signWarnAt);
    expect(timeLeft(L('2026-09-30 16:30'), warn, due, clock)).toEqual({ level: 'ok', minutes: 210, text: '剩余 3 小时 30 分钟' });
    expect(timeLeft(L('2026-10-03 12:00'), warn, due, clock)).toMatchObject({ level: 'ok', minutes: 150 }); // holidays do not count
    expect(timeLeft(L('2026-10-08 10:30'), warn, due, clock)).toMatchObject({ level: 'warn', minutes: 30, text: '剩余 30 分钟' });
    expect(timeLeft(L('2026-10-09 11:00'), warn, due, clock)).toMatchObject({ level: 'overdue', minutes: -450, text: '已超时 1 个工作日' });
  });

  it('durations in words', () => {
    expect(durationZh(0, 450)).toBe('0 分钟');
    expect(durationZh(75, 450)).toBe('1 小时 15 分钟');
    expect(durationZh(450 * 2 + 130, 450)).toBe('2 个工作日 2 小时');
  });
});
