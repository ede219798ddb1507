/** Chinese reading of digits, numbers and dates; media templates; office-hour windows. */
import { describe, expect, it } from 'vitest';
import { dateToZh, digitsToZh, numberToZh, speakable, speechTextZh, yearToZh, type SpeakOptions } from '../../../src/voice/flow/zh-reading.js';
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
    ['2026-11-26', '二〇二六年十一月二十六日'],
    ['2026-01-05', '二〇二六年一月五日'],
    ['2026-11-25T16:30:00Z', '二〇二六年十一月二十六日'], // 00:30 in Asia/Shanghai
    ['2026-11-26T21:55:50.309+0000', '二〇二六年十一月二十七日'],
    ['2026-02-30', null],
    ['soon', null],
  ])('%s → %s', (s, want) => {
    expect(dateToZh(s)).toBe(want);
  });
  it('years are read digit by digit, 0 written 〇', () => expect(yearToZh(2026)).toBe('二〇二六年'));
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
    ['date as TTS', { date: '2026-11-26' }, { mode: 'tts' }, [{ tts: '二〇二六年十一月二十六日' }]],
    ['a non-date is spoken as it is', { date: '待定' }, { mode: 'tts' }, [{ tts: '待定' }]],
    ['prompts, tts and recordings pass through', { recording: 'voice-c1-3' }, { mode: 'tts' }, [{ recording: 'voice-c1-3' }]],
    ['empty TTS is dropped', { tts: '  ' }, { mode: 'tts' }, []],
  ];
  it.each(cases)('%s', (_, item, opts, want) => expect(speakable(item, opts)).toEqual(want));
});

describe('speechTextZh: the text a Mandarin voice is given', () => {
  it.each([
    // the hotline and numbers to dial: digit by digit, 1 as 幺
    ['您好，欢迎致电96365政务服务便民热线。', '您好，欢迎致电九六三六五政务服务便民热线。'],
    ['请拨打12345热线', '请拨打幺二三四五热线'],
    ['12345热线', '幺二三四五热线'],
    ['拨打110报警', '拨打幺幺零报警'],
    ['请拨110', '请拨幺幺零'],
    ['请拨1', '请拨一'],
    ['120急救', '幺二零急救'],
    ['手机13912345678', '手机幺三九幺二三四五六七八'],
    ['联系电话：13912345678。', '联系电话：幺三九幺二三四五六七八。'],
    ['139 1234 5678', '幺三九，幺二三四，五六七八'],
    ['0579-82345678', '零五七九，八二三四五六七八'],
    ['400-800-1234', '四零零，八零零，幺二三四'],
    ['分机8012', '分机八零幺二'],
    ['尾号5678的手机', '尾号五六七八的手机'],
    // query codes and reference numbers
    ['查询码202611260018', '查询码二零二六幺幺二六零零幺八'],
    ['受理编号202612020001', '受理编号二零二六幺二零二零零零幺'],
    ['编号 202612020001 已受理', '编号 二零二六幺二零二零零零幺 已受理'],
    ['0579', '零五七九'],
    // keys: a number, 一 not 幺
    ['办件查询请按1，投诉请按2', '办件查询请按一，投诉请按二'],
    ['人工服务请按0', '人工服务请按零'],
    ['按9', '按九'],
    ['重听请按*键', '重听请按星号键'],
    ['按#结束', '按井号结束'],
    ['按＃结束', '按井号结束'],
    // counts and amounts: numbers
    ['请输入12位查询码', '请输入十二位查询码'],
    ['3件', '三件'],
    ['2件', '两件'],
    ['2个工作日', '两个工作日'],
    ['20个工作日', '二十个工作日'],
    ['办理时限15个工作日', '办理时限十五个工作日'],
    ['320元', '三百二十元'],
    ['12000元', '一万两千元'],
    ['100010元', '十万零一十元'],
    ['¥320', '三百二十元'],
    ['￥58.5', '五十八点五元'],
    ['费用35.50元', '费用三十五点五零元'],
    ['3.5', '三点五'],
    ['5%', '百分之五'],
    ['12.5%', '百分之十二点五'],
    ['第3步', '第三步'],
    ['第2次', '第二次'],
    ['第12号窗口', '第十二号窗口'],
    ['2楼', '二楼'],
    ['3号楼2单元', '三号楼二单元'],
    ['88号', '八十八号'],
    ['1年', '一年'],
    ['2年', '两年'],
    ['100多件', '一百多件'],
    ['1.5万', '一点五万'],
    ['7', '七'],
    ['12', '十二'],
    ['2026', '两千零二十六'],
    // dates
    ['2026年12月2日', '二〇二六年十二月二日'],
    ['2026年12月2号', '二〇二六年十二月二号'],
    ['2026-12-02', '二〇二六年十二月二日'],
    ['2026/1/5', '二〇二六年一月五日'],
    ['2026.11.26', '二〇二六年十一月二十六日'],
    ['2026年12月', '二〇二六年十二月'],
    ['2026年', '二〇二六年'],
    ['2000年', '二〇〇〇年'],
    ['12月2日', '十二月二日'],
    ['2月2日', '二月二日'],
    ['2026-13-02', '两千零二十六-十三-零二'],
    // times
    ['8:30', '八点三十分'],
    ['08:05', '八点零五分'],
    ['12:00', '十二点'],
    ['2:00', '两点'],
    ['17:30:15', '十七点三十分十五秒'],
    ['8:30-12:00', '八点三十分至十二点'],
    ['8:30～12:00', '八点三十分至十二点'],
    ['上午8点30分至12点', '上午八点三十分至十二点'],
    ['下午1点30分至5点30分', '下午一点三十分至五点三十分'],
    ['8点05分', '八点零五分'],
    ['2点', '两点'],
    ['25:00', '二十五:零零'],
    // letters and symbols that would switch an espeak-ng voice to English
    ['ICP许可证', 'I C P许可证'],
    ['发送TD退订', '发送T D退订'],
    ['App', 'A P P'],
    ['咨询/建议', '咨询或建议'],
    ['A&B', 'A和B'],
    ['a@b', 'A艾特B'],
    ['1+1=2', '一加一等于二'],
    ['８:３０', '八点三十分'],
    // plain Chinese, whitespace and empty text are kept
    ['感谢您的来电，再见。', '感谢您的来电，再见。'],
    ['  多余   空格  ', '多余 空格'],
    ['', ''],
  ])('%s → %s', (input, want) => {
    expect(speechTextZh(input)).toBe(want);
  });

  it('never leaves an ASCII digit, Latin word or English-read symbol in the text', () => {
    const samples = ['96365', '13912345678', '请按1', '2026-12-02 8:30', '5%', 'ICP', 'x/y', 'a+b=c', '¥10', '#*', '~'];
    for (const t of samples) expect(speechTextZh(t), t).not.toMatch(/[0-9]|[A-Za-z]{2}|[/+=%&@~\\]/);
  });
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
