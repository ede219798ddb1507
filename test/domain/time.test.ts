/**
 * localParts: the quarter-hour offset cache gives the same wall-clock parts as Intl, also around DST
 * changes and in zones with odd offsets (+05:45, Lord Howe's 30-minute DST), and for dates in 2062.
 */
import { describe, expect, it } from 'vitest';
import { localParts, localPartsByIntl } from '../../src/domain/time.js';

const ZONES = ['Asia/Shanghai', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/St_Johns', 'Pacific/Chatham', 'UTC'];
const INSTANTS = [
  '2026-03-08T06:59:59.999Z', '2026-03-08T07:00:00.000Z', '2026-11-01T05:59:59.999Z', '2026-11-01T06:00:00.000Z', // New York DST
  '2026-03-29T00:59:59.999Z', '2026-03-29T01:00:00.000Z', '2026-10-25T00:59:59.999Z', '2026-10-25T01:00:00.000Z', // London
  '2026-04-04T14:59:59.999Z', '2026-04-04T15:00:00.000Z', '2026-10-03T15:29:59.999Z', '2026-10-03T15:30:00.000Z', // Lord Howe
  '2026-12-31T15:59:59.999Z', '2026-12-31T16:00:00.000Z', '2062-02-28T16:00:00.000Z', '1999-12-31T23:59:59.000Z',
];

describe('localParts', () => {
  it.each(ZONES)('%s: the same parts as Intl at DST edges and 2,000 random instants', (tz) => {
    const at = [...INSTANTS.map((s) => Date.parse(s))];
    let seed = 7;
    for (let i = 0; i < 2000; i++) { seed = (seed * 1103515245 + 12345) % 2 ** 31; at.push(Date.parse('2020-01-01T00:00:00Z') + (seed / 2 ** 31) * 45 * 365 * 86_400_000); }
    for (const ms of at) expect(localParts(new Date(ms), tz), `${tz} ${new Date(ms).toISOString()}`).toEqual(localPartsByIntl(new Date(ms), tz));
  });
  it('an invalid date still throws', () => {
    expect(() => localParts(new Date(NaN), 'Asia/Shanghai')).toThrow(RangeError);
  });
});
