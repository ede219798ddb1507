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

/** A year read digit by digit: 2026 → 二零二六年. */
export function yearToZh(year: number): string {
  return digitsToZh(String(year)) + '年';
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

/** A date: '2026-11-26' → 二零二六年十一月二十六日; null when not a date. */
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
  零: 'num_0', 一: 'num_1', 二: 'num_2', 三: 'num_3', 四: 'num_4', 五: 'num_5', 六: 'num_6', 七: 'num_7', 八: 'num_8', 九: 'num_9',
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
