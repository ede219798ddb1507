/**
 * Reading numbers, digit strings and dates aloud in Mandarin.
 *
 * Debian's Asterisk sound packs have no Mandarin, so `digits`/`number`/`date` media cannot use
 * Asterisk's built-in say.c. Two renderings are offered to the adapter:
 *  - as one Chinese text for the TTS engine (smooth, cached per distinct text), or
 *  - as a sequence of catalogue prompts (`digit_0`…, `num_10`…), which works with professional
 *    recordings and no TTS engine at all.
 */
import type { MediaItem } from './types.js';
import { localParts } from '../../domain/time.js';

const DIGIT_ZH = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/**
 * Digit by digit, for codes, reference numbers and phone numbers: '96365' → '九六三六五'.
 * With `yao`, 1 is read 幺 (as Chinese operators read phone numbers). Letters are kept (the TTS
 * spells them); spaces, dashes and other separators are dropped.
 */
export function digitsToZh(s: string, opts: { yao?: boolean } = {}): string {
  let out = '';
  for (const ch of s) {
    if (ch >= '0' && ch <= '9') out += ch === '1' && opts.yao ? '幺' : DIGIT_ZH[ch.charCodeAt(0) - 48];
    else if (/[A-Za-z]/.test(ch)) out += ch.toUpperCase();
  }
  return out;
}

/** A section below 10 000: 2026 → 两千零二十六, 10 → 十 (when leading), 305 → 三百零五. */
function sectionToZh(n: number, leading: boolean): string {
  const units = ['', '十', '百', '千'];
  const ds = [Math.floor(n / 1000) % 10, Math.floor(n / 100) % 10, Math.floor(n / 10) % 10, n % 10];
  let out = '';
  let zero = false;
  let started = false;
  for (let i = 0; i < 4; i++) {
    const d = ds[i];
    const unit = units[3 - i];
    if (d === 0) {
      if (started) zero = true;
      continue;
    }
    if (zero) { out += '零'; zero = false; }
    if (d === 1 && unit === '十' && !started && leading) out += '十';           // 十二, not 一十二
    else if (d === 2 && (unit === '千' || unit === '百') && !started) out += '两' + unit;  // 两千, 两百
    else out += DIGIT_ZH[d] + unit;
    started = true;
  }
  return out;
}

/**
 * An integer (or a decimal) read as a number: 0 → 零, 12 → 十二, 2026 → 两千零二十六,
 * 100010 → 十万零一十, 3.5 → 三点五, -4 → 负四. Values beyond 10^16 fall back to digit reading.
 */
export function numberToZh(n: number): string {
  if (!Number.isFinite(n)) return '';
  if (n < 0) return '负' + numberToZh(-n);
  const [intPart, frac] = String(n).split('.');
  if (/e/i.test(intPart) || intPart.length > 16) return digitsToZh(intPart);
  let v = Number(intPart);
  let out = '';
  if (v === 0) out = '零';
  else {
    const bigUnits = ['', '万', '亿', '万亿'];
    const sections: number[] = [];
    while (v > 0) { sections.push(v % 10000); v = Math.floor(v / 10000); }
    let needZero = false;
    for (let i = sections.length - 1; i >= 0; i--) {
      const sec = sections[i];
      const leading = i === sections.length - 1;
      if (sec === 0) { needZero = true; continue; }
      if (!leading && (needZero || sec < 1000)) out += '零';
      let text = sectionToZh(sec, leading);
      if (!leading && text.startsWith('十')) text = '一' + text;            // 十万零一十 (not 十万零十)
      if (sec === 2 && i > 0) text = '两';                                   // 两万, 两亿
      out += text + bigUnits[i];
      needZero = false;
    }
  }
  if (frac) out += '点' + digitsToZh(frac);
  return out;
}

/** A year read digit by digit, with 〇 as written in dates: 2026 → 二〇二六年. */
export function yearToZh(year: number): string {
  return digitsToZh(String(year)).replace(/零/g, '〇') + '年';
}

/** Parse 'YYYY-MM-DD' or an ISO timestamp into local year/month/day (timestamps in `tz`). */
export function dateParts(s: string, tz = 'Asia/Shanghai'): { year: number; month: number; day: number } | null {
  const t = s.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  if (m) {
    const year = Number(m[1]), month = Number(m[2]), day = Number(m[3]);
    const d = new Date(Date.UTC(year, month - 1, day));
    if (d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
    return { year, month, day };
  }
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(t)) return null;
  const d = new Date(t.replace(' ', 'T'));
  if (Number.isNaN(d.getTime())) return null;
  const p = localParts(d, tz);
  return { year: p.year, month: p.month, day: p.day };
}

/** A date: '2026-11-26' → 二〇二六年十一月二十六日; null when not a date. */
export function dateToZh(s: string, tz = 'Asia/Shanghai'): string | null {
  const p = dateParts(s, tz);
  if (!p) return null;
  return yearToZh(p.year) + numberToZh(p.month) + '月' + numberToZh(p.day) + '日';
}

/** Catalogue prompts needed to read digits, numbers and dates without a TTS engine. */
export const READING_PROMPTS: Readonly<Record<string, string>> = {
  digit_0: '零', digit_1: '幺', digit_2: '二', digit_3: '三', digit_4: '四',
  digit_5: '五', digit_6: '六', digit_7: '七', digit_8: '八', digit_9: '九',
  num_0: '零', num_1: '一', num_2: '二', num_3: '三', num_4: '四',
  num_5: '五', num_6: '六', num_7: '七', num_8: '八', num_9: '九',
  num_liang: '两', num_10: '十', num_100: '百', num_1000: '千', num_10000: '万', num_1e8: '亿',
  num_point: '点', num_minus: '负',
  date_year: '年', date_month: '月', date_day: '日',
};

const CHAR_PROMPT: Record<string, string> = {
  零: 'num_0', 〇: 'num_0', 一: 'num_1', 二: 'num_2', 三: 'num_3', 四: 'num_4', 五: 'num_5', 六: 'num_6', 七: 'num_7', 八: 'num_8', 九: 'num_9',
  两: 'num_liang', 十: 'num_10', 百: 'num_100', 千: 'num_1000', 万: 'num_10000', 亿: 'num_1e8', 点: 'num_point', 负: 'num_minus',
  年: 'date_year', 月: 'date_month', 日: 'date_day',
};

/** Chinese number text → catalogue prompts; characters with no prompt become TTS items. */
function zhToPrompts(text: string): SpokenPart[] {
  const out: SpokenPart[] = [];
  for (const ch of text) {
    const p = CHAR_PROMPT[ch];
    out.push(p ? { prompt: p } : { tts: ch });
  }
  return out;
}

export type SpokenPart = { prompt: string } | { tts: string } | { recording: string };

export interface SpeakOptions {
  /** 'tts': one Chinese text per item (needs a TTS engine); 'prompts': catalogue prompt sequences. */
  mode: 'tts' | 'prompts';
  /** Zone for dates given as timestamps (default Asia/Shanghai). */
  timeZone?: string;
  /** Read 1 as 幺 in digit strings in 'tts' mode (the `digit_1` prompt decides in 'prompts' mode). Default true. */
  yao?: boolean;
}

/**
 * Resolve a media item into speakable parts for the adapter: prompts stay prompts, TTS stays TTS,
 * digits/number/date become Chinese text (mode 'tts') or prompt sequences (mode 'prompts').
 */
export function speakable(item: MediaItem, opts: SpeakOptions): SpokenPart[] {
  const yao = opts.yao ?? true;
  if ('prompt' in item) return [{ prompt: item.prompt }];
  if ('tts' in item) return item.tts.trim() ? [{ tts: item.tts }] : [];
  if ('recording' in item) return [{ recording: item.recording }];
  if ('digits' in item) {
    if (opts.mode === 'tts') {
      const t = digitsToZh(item.digits, { yao });
      return t ? [{ tts: t }] : [];
    }
    const out: SpokenPart[] = [];
    for (const ch of item.digits) {
      if (ch >= '0' && ch <= '9') out.push({ prompt: `digit_${ch}` });
      else if (/[A-Za-z]/.test(ch)) out.push({ tts: ch.toUpperCase() });
    }
    return out;
  }
  if ('number' in item) {
    const t = numberToZh(item.number);
    if (!t) return [];
    return opts.mode === 'tts' ? [{ tts: t }] : zhToPrompts(t);
  }
  const t = dateToZh(item.date, opts.timeZone);
  if (t === null) return item.date.trim() ? [{ tts: item.date }] : [];
  return opts.mode === 'tts' ? [{ tts: t }] : zhToPrompts(t);
}

// ───────────────────────────── text for the TTS engine ─────────────────────────────

/** Units and measure words after which digits are a quantity: 320元 → 三百二十元, 3件 → 三件. */
const UNITS = [
  '个工作日', '工作日', '平方公里', '平方米', '公里', '千米', '厘米', '毫米', '公斤', '千克', '毫升', '小时', '分钟', '秒钟', '星期',
  '单元', '以上', '以下', '以内', '之内', '左右', '余', '多', '元', '块', '角', '毛', '件', '个', '位', '名', '人', '户', '次', '项',
  '天', '日', '月', '年', '周', '岁', '号', '楼', '层', '室', '栋', '幢', '路', '弄', '分', '秒', '点', '条', '份', '张', '本', '页',
  '家', '所', '处', '种', '类', '台', '辆', '米', '亩', '吨', '克', '斤', '升', '度', '倍', '成', '折', '批', '期', '届', '轮', '步',
  '道', '笔', '遍', '套', '间', '座', '部', '段', '节', '万', '亿', '千', '百', '十',
];
const UNIT_AFTER = new RegExp(`^\\s*(${[...UNITS].sort((a, b) => b.length - a.length).join('|')})`);
/** 2 before these is 两 (两件, 两点, 两万); before 月/日/号/分/楼… it stays 二. */
const LIANG = new Set([
  '个工作日', '工作日', '公里', '千米', '公斤', '千克', '小时', '分钟', '秒钟', '星期', '个', '件', '位', '名', '人', '户', '次', '项',
  '天', '周', '岁', '点', '条', '份', '张', '本', '页', '家', '所', '处', '种', '类', '台', '辆', '米', '吨', '斤', '倍', '批', '笔',
  '遍', '套', '间', '座', '部', '段', '节', '元', '块', '年', '万', '亿', '千', '百',
]);
/** 3+ digits right after these words (or before the next ones) are a number to dial or a code: digit by digit. */
const DIAL_BEFORE = /(拨打|拨|致电|电话|热线|号码|编号|查询码|受理号|分机|尾号|代码|验证码|手机)[：:\s]*$/;
const DIAL_AFTER = /^\s*(热线|报警|急救|火警|电话|服务台|短信)/;

const SYMBOLS: Record<string, string> = {
  '*': '星号', '#': '井号', '+': '加', '=': '等于', '&': '和', '@': '艾特', '/': '或', '\\': ' ', '~': '至', '%': '百分号',
};

function zhInt(digits: string): string {
  if (digits.length > 16) return digitsToZh(digits, { yao: true });
  return numberToZh(Number(digits));
}

/** Digits followed by a unit: a quantity, a day, an hour (两件, 十二月, 零五分). */
function quantity(digits: string, unit: string): string {
  if (digits.length === 2 && digits[0] === '0' && digits[1] !== '0') return (unit === '分' || unit === '秒' ? '零' : '') + DIGIT_ZH[Number(digits[1])];
  if (digits.length <= 16 && Number(digits) === 2 && LIANG.has(unit)) return '两';
  return zhInt(digits);
}

/** A bare run of digits in running text, read by its context. */
function digitRun(digits: string, before: string, after: string): string {
  if (before.endsWith('第')) return zhInt(digits);
  const unit = UNIT_AFTER.exec(after)?.[1];
  if (unit && !(digits.length >= 5 && unit === '号' && DIAL_BEFORE.test(before))) return quantity(digits, unit);
  const dial = digits.length >= 3 && (DIAL_BEFORE.test(before) || DIAL_AFTER.test(after));
  if (dial || digits.length >= 5 || (digits.length >= 2 && digits[0] === '0')) {
    return digitsToZh(digits, { yao: true });
  }
  return zhInt(digits);
}

/** 8:05 → 八点零五分, 12:00 → 十二点, 2:30 → 两点三十分. */
function clockZh(h: number, m: number, sec?: number): string {
  let out = (h === 2 ? '两' : numberToZh(h)) + '点';
  if (m > 0 || (sec ?? 0) > 0) out += (m < 10 ? '零' : '') + numberToZh(m) + '分';
  if (sec) out += (sec < 10 ? '零' : '') + numberToZh(sec) + '秒';
  return out;
}

const validDate = (mo: number, d: number) => mo >= 1 && mo <= 12 && d >= 1 && d <= 31;

type Rule = [RegExp, (m: RegExpExecArray, before: string) => string | null];
const RULES: Rule[] = [
  // Dates: 2026年12月2日 / 2026-12-02 / 2026/12/2 → 二〇二六年十二月二日.
  [/(\d{4})年(\d{1,2})月(\d{1,2})([日号])/y, (m) => (validDate(+m[2], +m[3]) ? `${yearToZh(+m[1])}${numberToZh(+m[2])}月${numberToZh(+m[3])}${m[4]}` : null)],
  [/(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?![\d.])/y, (m) => (validDate(+m[3], +m[4]) ? `${yearToZh(+m[1])}${numberToZh(+m[3])}月${numberToZh(+m[4])}日` : null)],
  [/(\d{4})年(\d{1,2})月/y, (m) => (validDate(+m[2], 1) ? `${yearToZh(+m[1])}${numberToZh(+m[2])}月` : null)],
  [/(\d{4})年/y, (m) => yearToZh(+m[1])],
  // Times: 8:30 → 八点三十分; a range 8:30-12:00 → 八点三十分至十二点.
  [/(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?(?!\d)(?:(\s*[-–—~～]\s*)(?=\d{1,2}[:：]\d{2}))?/y, (m) => {
    const h = +m[1], min = +m[2], sec = m[3] === undefined ? undefined : +m[3];
    if (h > 24 || min > 59 || (sec ?? 0) > 59) return null;
    return clockZh(h, min, sec) + (m[4] !== undefined ? '至' : '');
  }],
  // 5% → 百分之五; ¥320 → 三百二十元.
  [/(\d+)(?:\.(\d+))?\s*[%％]/y, (m) => `百分之${zhInt(m[1])}${m[2] ? `点${digitsToZh(m[2])}` : ''}`],
  [/[¥￥]\s*(\d+)(?:\.(\d+))?(\s*元)?/y, (m) => `${zhInt(m[1])}${m[2] ? `点${digitsToZh(m[2])}` : ''}元`],
  // Phone numbers written in groups: 0579-82345678, 400-800-1234, 139 1234 5678 → digit by digit, 1 as 幺.
  [/(0\d{2,3})-(\d{7,8})(?!\d)/y, (m) => `${digitsToZh(m[1], { yao: true })}，${digitsToZh(m[2], { yao: true })}`],
  [/(\d{3,4})([- ])(\d{3,4})\2(\d{4})(?!\d)/y, (m) => [m[1], m[3], m[4]].map((g) => digitsToZh(g, { yao: true })).join('，')],
  // Decimals: 3.5 → 三点五.
  [/(\d+)\.(\d+)(?![\d.])/y, (m) => `${zhInt(m[1])}点${digitsToZh(m[2])}`],
];

/**
 * Any prompt or answer text → the Chinese text a Mandarin TTS voice reads as a caller expects.
 * Pure; applied by the prompt cache before every synthesis (so the engine never sees Arabic digits,
 * Latin words or symbols it would read in English):
 *  - the hotline and other numbers to dial, query codes, reference and phone numbers digit by digit,
 *    1 as 幺 (96365 → 九六三六五, 13912345678 → 幺三九幺二三四五六七八);
 *  - amounts and counts as numbers (320元 → 三百二十元, 3件 → 三件, 2件 → 两件, 第3步 → 第三步, 按1 → 按一);
 *  - dates and times (2026年12月2日 → 二〇二六年十二月二日, 8:30 → 八点三十分, 5% → 百分之五);
 *  - Latin letters spelled one by one (ICP → I C P: the voice says their names), * → 星号, # → 井号.
 */
export function speechTextZh(text: string): string {
  const s = String(text).normalize('NFC').replace(/[０-９Ａ-Ｚａ-ｚ＃＊＋＝＆＠～％]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
  let out = '';
  let i = 0;
  outer: while (i < s.length) {
    const ch = s[i];
    if (ch >= '0' && ch <= '9' || ch === '¥' || ch === '￥') {
      for (const [re, fn] of RULES) {
        re.lastIndex = i;
        const m = re.exec(s);
        if (!m) continue;
        const r = fn(m, out);
        if (r === null) continue;
        out += r;
        i = re.lastIndex;
        continue outer;
      }
      if (ch === '¥' || ch === '￥') { i++; continue; }
      let j = i;
      while (j < s.length && s[j] >= '0' && s[j] <= '9') j++;
      out += digitRun(s.slice(i, j), out, s.slice(j, j + 6));
      i = j;
    } else if (/[A-Za-z]/.test(ch)) {
      let j = i;
      while (j < s.length && /[A-Za-z]/.test(s[j])) j++;
      out += ` ${s.slice(i, j).toUpperCase().split('').join(' ')} `;
      i = j;
    } else {
      out += SYMBOLS[ch] ?? ch;
      i++;
    }
  }
  return out.replace(/\s+/g, ' ')
    .replace(/ ?([，。；：、！？）》」』])/g, '$1')
    .replace(/([，。；：、！？（《「『]) /g, '$1')
    .replace(/([A-Z]) (?=[^ -~])/g, '$1') // spelled letters stay apart from each other only
    .replace(/([^ -~]) (?=[A-Z])/g, '$1')
    .trim();
}
