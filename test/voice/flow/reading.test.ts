/** Chinese reading of digits, numbers and dates; media templates; office-hour windows. */
import { describe, expect, it } from 'vitest';
import { dateToZh, digitsToZh, numberToZh, speakable, yearToZh, type SpeakOptions } from '../../../src/voice/flow/zh-reading.js';
import { resolveMedia } from '../../../src/voice/flow/template.js';
import { parseWindow } from '../../../src/voice/flow/office-hours.js';
import type { MediaItem, MediaSpec } from '../../../src/voice/flow/types.js';

describe('digitsToZh', () => {
  it.each([
    ['96365', {}, '九六三六五'],
    ['12010', {}, '一二零一零'],
    ['12010', { yao: true }, '幺二零幺零'],
    ['TS-2026 11', {}, 'TS二零二六一一'],
    ['', {}, ''],
  ] as Array<[string, { yao?: boolean }, string]>)('%s %o → %s', (input, opts, want) => {
    expect(digitsToZh(input, opts)).toBe(want);
  });
});

describe('numberToZh', () => {
  it.each([
    [0, '零'], [7, '七'], [10, '十'], [12, '十二'], [20, '二十'], [26, '二十六'], [100, '一百'], [105, '一百零五'],
    [110, '一百一十'], [200, '两百'], [1001, '一千零一'], [2026, '两千零二十六'], [10000, '一万'], [20000, '两万'],
    [12345, '一万两千三百四十五'], [100010, '十万零一十'], [1000001, '一百万零一'], [100000001, '一亿零一'],
    [3.5, '三点五'], [-4, '负四'], [Number.NaN, ''],
  ])('%d → %s', (n, want) => {
    expect(numberToZh(n)).toBe(want);
  });
});

describe('dates', () => {
  it.each([
    ['2026-11-26', '二零二六年十一月二十六日'],
    ['2026-01-05', '二零二六年一月五日'],
    ['2026-11-25T16:30:00Z', '二零二六年十一月二十六日'], // 00:30 in Asia/Shanghai
    ['2026-11-26T21:55:50.309+0000', '二零二六年十一月二十七日'],
    ['2026-02-30', null],
    ['soon', null],
  ])('%s → %s', (s, want) => {
    expect(dateToZh(s)).toBe(want);
  });
  it('years are read digit by digit', () => expect(yearToZh(2026)).toBe('二零二六年'));
});

describe('speakable (for the adapter)', () => {
  const cases: Array<[string, MediaItem, SpeakOptions, unknown[]]> = [
    ['digits as one TTS text with 幺', { digits: '1203' }, { mode: 'tts' }, [{ tts: '幺二零三' }]],
    ['digits as prompts', { digits: '1203' }, { mode: 'prompts' }, [{ prompt: 'digit_1' }, { prompt: 'digit_2' }, { prompt: 'digit_0' }, { prompt: 'digit_3' }]],
    ['letters in a reference stay TTS', { digits: 'T1' }, { mode: 'prompts' }, [{ tts: 'T' }, { prompt: 'digit_1' }]],
    ['number as prompts', { number: 2026 }, { mode: 'prompts' },
      [{ prompt: 'num_liang' }, { prompt: 'num_1000' }, { prompt: 'num_0' }, { prompt: 'num_2' }, { prompt: 'num_10' }, { prompt: 'num_6' }]],
    ['number as TTS', { number: 15 }, { mode: 'tts' }, [{ tts: '十五' }]],
    ['date as prompts', { date: '2026-11-26' }, { mode: 'prompts' }, [
      { prompt: 'num_2' }, { prompt: 'num_0' }, { prompt: 'num_2' }, { prompt: 'num_6' }, { prompt: 'date_year' },
      { prompt: 'num_10' }, { prompt: 'num_1' }, { prompt: 'date_month' }, { prompt: 'num_2' }, { prompt: 'num_10' }, { prompt: 'num_6' }, { prompt: 'date_day' }]],
    ['date as TTS', { date: '2026-11-26' }, { mode: 'tts' }, [{ tts: '二零二六年十一月二十六日' }]],
    ['a non-date is spoken as it is', { date: '待定' }, { mode: 'tts' }, [{ tts: '待定' }]],
    ['prompts, tts and recordings pass through', { recording: 'voice-c1-3' }, { mode: 'tts' }, [{ recording: 'voice-c1-3' }]],
    ['empty TTS is dropped', { tts: '  ' }, { mode: 'tts' }, []],
  ];
  it.each(cases)('%s', (_, item, opts, want) => expect(speakable(item, opts)).toEqual(want));
});

describe('resolveMedia', () => {
  const vars = { code: '123', n: '42', bad: 'abc', date: '2026-11-26', empty: '' };
  it.each([
    [{ digits: '{code}' }, { digits: '123' }],
    [{ digits: '{empty}' }, null],
    [{ number: '{n}' }, { number: 42 }],
    [{ number: '{bad}' }, { tts: 'abc' }],
    [{ date: '{date}' }, { date: '2026-11-26' }],
    [{ date: '{bad}' }, { tts: 'abc' }],
    [{ tts: '您好，{missing}' }, { tts: '您好，' }],
    [{ tts: 'literal {braces} and {n}' }, { tts: 'literal  and 42' }],
    [{ recording: '{empty}' }, null],
    [{ prompt: 'welcome' }, { prompt: 'welcome' }],
  ] as Array<[MediaSpec, MediaItem | null]>)('%o → %o', (spec, want) => expect(resolveMedia(spec, vars)).toEqual(want));
});

describe('parseWindow', () => {
  it.each([
    ['08:30-12:00', { from: 510, to: 720 }],
    ['8:30-17:30', { from: 510, to: 1050 }],
    ['00:00-24:00', { from: 0, to: 1440 }],
    ['12:00-08:30', null],
    ['12:00-12:00', null],
    ['25:00-26:00', null],
    ['noon', null],
  ])('%s', (s, want) => expect(parseWindow(s)).toEqual(want));
});
