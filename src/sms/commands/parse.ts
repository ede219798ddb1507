/**
 * The SMS command parser: one MO text → one Command. Pure.
 *
 * Order of precedence (a leading greeting — 你好 / 您好 / 你们好 — is skipped first):
 *  1. empty (nothing left after normalisation)                         → empty
 *  2. opt-out, only when the WHOLE message is an opt-out word (TD, T, N, R, STOP, UNSUBSCRIBE, 退订,
 *     取消, 取消订阅) or a clear opt-out phrase (取消提醒, 退订短信, 请取消短信提醒, 我要退订,
 *     不要再给我发短信了 …), optionally followed by a code, ALL/全部 or a courtesy word (谢谢) →
 *     unsubscribe (wins over all, incl. a pending survey). "取消营业执照的申请需要什么材料" is not an
 *     opt-out: it is read as what it is (here a request).
 *  3. survey reply, only when a survey is pending: 1 / 2 / 3, 满意 / 基本满意 / 不满意 (and close
 *     variants), optionally followed by a comment                     → survey
 *  4. keyword commands: CX/查询, DY/订阅, BZ/帮助/HELP/?, and feedback — TS/ZX/JY and the natural
 *     prefixes citizens write: 投诉 / 我要投诉 / 我想投诉 / 投诉一下 / 反映 / 我要反映 (complaint),
 *     咨询 / 我想咨询(一下) / 请问 (consultation), 建议 / 我有个建议 / 我建议 (suggestion),
 *     举报 / 我要举报 (report)
 *  5. a bare code matching the configured pattern, or a code inside a short sentence
 *     ("我的办件123456789012办好了吗")                                   → query
 *  6. no keyword but long enough to be a request (≥ ctx.minRequestChars, default 10, counting each
 *     Chinese character and each word of other letters)                 → request (诉求, staff classify it)
 *  7. anything else                                                    → unknown (answered with help)
 *
 * Keywords: Latin keywords are case-insensitive and must NOT be followed by another Latin letter,
 * so "TSX", "STOPS" or "HELPME" are not commands (they get the help reply, as unknown text); a
 * separator, a digit, a CJK character or the end may follow, so "ts我家门口…" is a complaint,
 * "help me" is help and "CX123456789012" a query. Chinese keywords may be
 * followed by anything. Separators between keyword and argument: space, `:`, `：`, `#`, `+`, `,`,
 * `，`, `、`, `.`, `。`, `-`, `=`, `;` or none.
 *
 * Codes: the argument is searched for a token that fully matches ctx.codePattern (spaces and
 * dashes inside the code are tolerated: "1234 5678 9012"). When none matches, `code` carries the
 * best guess (longest digit run, else the argument clipped to 20 characters, else '') so the
 * caller can answer "bad code" — validating the check digit is the caller's job. A department
 * reference with letters survives as typed ("CX RS2026-0107"), and "CX <dept code> <reference>"
 * names the department too (`dept`), for references several departments use. An opt-out
 * whose argument is not a valid code unsubscribes from everything (the safe reading).
 *
 * Feedback and request text is cut from the ORIGINAL message (not the normalised one), trimmed; a
 * feedback keyword with no letter, digit or CJK character after it is `feedback-empty`.
 */
import { asciiUpper, normaliseWithMap } from './normalise.js';

export type FeedbackKind = 'complaint' | 'consultation' | 'suggestion' | 'report';

export type Command =
  | { type: 'query'; code: string; dept?: string }
  | { type: 'feedback'; kind: FeedbackKind; text: string }
  | { type: 'feedback-empty'; kind: FeedbackKind }
  /** Free text with no keyword, long enough to be a citizen's request (诉求): recorded for staff to classify. */
  | { type: 'request'; text: string }
  | { type: 'subscribe'; code: string; dept?: string }
  | { type: 'unsubscribe'; code: string | null }
  | { type: 'survey'; score: 1 | 2 | 3; comment?: string }
  | { type: 'help' }
  | { type: 'unknown'; text: string }
  | { type: 'empty' };

export interface ParseContext {
  /** Pattern of a query code (anchored or not: it must match the whole token). */
  codePattern: RegExp;
  /** A satisfaction survey is waiting for this number's answer. */
  surveyPending: boolean;
  /** Text without a keyword of at least this many Chinese characters (or words) is a request; default 10. */
  minRequestChars?: number;
}

export const DEFAULT_MIN_REQUEST_CHARS = 10;

const SEP_RE = /^[\s:#+,，、.。\-=;；]+/;
const TRAILING_PUNCT_RE = /[\s.。!！~～,，;；]+$/;
const MEANINGFUL_RE = /[\p{L}\p{N}]/u;
/** One unit of request length: a Chinese character, or a run of other letters (a word). */
const REQUEST_UNIT_RE = /\p{Script=Han}|(?:(?!\p{Script=Han})[\p{L}\p{M}])+/gu;
/** A greeting before the actual words: "您好，我要投诉…", "你好，请问…". */
const GREETING_RE = /^(?:你们好|你好|您好)(?:[\s:#+,，、.。!！~～\-=;；]+|$)/;

interface Keyword { word: string; latin: boolean }
const kw = (...words: string[]): Keyword[] => words.map((w) => ({ word: w, latin: /^[A-Z?]+$/.test(w) }));

// ---- opt-out ----
/** Latin opt-out words (whole message, or TD/STOP/UNSUBSCRIBE followed by a code or ALL). */
const OPT_OUT_LATIN = /^(?:UNSUBSCRIBE|STOP|TD|T|N|R)(?![A-Z])/;
/** Single letters are opt-outs only as the whole message ("R2026" is not one). */
const OPT_OUT_LETTER = /^[TNR]$/;
/** Polite wrappers before a Chinese opt-out phrase. */
const OPT_OUT_PREFIX = '(?:我要|我想|请帮我|麻烦帮我|麻烦|帮我|请)?';
/** Chinese opt-out phrases: 退订 / 取消订阅 / 取消, optionally with 全部 and what is ended (短信, 提醒 …). */
const OPT_OUT_CJK = new RegExp(`^${OPT_OUT_PREFIX}(?:(?:退订|取消订阅|取消)(?:全部|所有)?的?(?:短信|订阅|提醒|通知|推送|消息|服务)*|(?:不要|别)再?(?:给我)?发(?:短信|信息|消息)?了?)`);
/** What may follow an opt-out phrase and still leave it an opt-out: nothing, a courtesy word. */
const COURTESY_RE = /^(?:谢谢(?:你|您|你们|了)?|了|啦|吧|好的|好吗|THANKS|THANK YOU)?$/;
const ALL_RE = /^(?:全部|所有|ALL(?![A-Z]))/;
/** A code-like argument (letters, digits and the separators people type inside codes). */
const CODE_LIKE_RE = /^[0-9A-Z][0-9A-Z\s\-_/.]*$/;

// ---- keyword commands ----
const COMMANDS: Array<{ words: Keyword[]; make: 'query' | 'subscribe' | 'help' | FeedbackKind }> = [
  { words: kw('CX', '查询'), make: 'query' },
  { words: kw('TS'), make: 'complaint' },
  { words: kw('ZX'), make: 'consultation' },
  { words: kw('JY'), make: 'suggestion' },
  { words: kw('DY', '订阅'), make: 'subscribe' },
  { words: kw('HELP', 'BZ', '帮助'), make: 'help' },
];

/** Natural Chinese prefixes of feedback, longest first (a longer phrase wins over its start). */
const FEEDBACK_PREFIXES: Array<[string, FeedbackKind]> = ([
  ['我要投诉', 'complaint'], ['我想投诉', 'complaint'], ['我来投诉', 'complaint'], ['投诉一下', 'complaint'], ['投诉', 'complaint'],
  ['我要反映', 'complaint'], ['我想反映', 'complaint'], ['反映一下', 'complaint'], ['反映', 'complaint'],
  ['我想咨询一下', 'consultation'], ['我要咨询一下', 'consultation'], ['我想咨询', 'consultation'], ['我要咨询', 'consultation'],
  ['咨询一下', 'consultation'], ['咨询', 'consultation'], ['我想问一下', 'consultation'], ['想问一下', 'consultation'],
  ['请问一下', 'consultation'], ['请问', 'consultation'],
  ['我有一个建议', 'suggestion'], ['我有个建议', 'suggestion'], ['我有建议', 'suggestion'], ['提个建议', 'suggestion'],
  ['我想建议', 'suggestion'], ['我建议', 'suggestion'], ['建议', 'suggestion'],
  ['我要举报', 'report'], ['我想举报', 'report'], ['实名举报', 'report'], ['举报', 'report'],
] as Array<[string, FeedbackKind]>).sort((a, b) => b[0].length - a[0].length);

/** Survey words, longest first. */
const SURVEY_WORDS: Array<[string, 1 | 2 | 3]> = [
  ['非常不满意', 3], ['很不满意', 3], ['不太满意', 3], ['不满意', 3],
  ['基本满意', 2], ['比较满意', 2], ['还算满意', 2], ['一般', 2],
  ['非常满意', 1], ['很满意', 1], ['满意', 1],
];
const SURVEY_NUMERALS: Record<string, 1 | 2 | 3> = { '1': 1, '2': 2, '3': 3, '一': 1, '二': 2, '三': 3 };

const fullCache = new WeakMap<RegExp, RegExp>();
/** The code pattern as a whole-string, stateless matcher. */
function fullMatcher(p: RegExp): RegExp {
  let r = fullCache.get(p);
  if (!r) {
    r = new RegExp(`^(?:${p.source})$`, p.flags.replace(/[gy]/g, ''));
    fullCache.set(p, r);
  }
  return r;
}

/** Match a keyword at the start of the upper-cased text; returns its length or -1. */
function matchAt(upper: string, k: Keyword): number {
  if (!upper.startsWith(k.word)) return -1;
  if (k.latin && /[A-Z]/.test(upper.charAt(k.word.length))) return -1;
  return k.word.length;
}

function skipSep(s: string, from: number): number {
  const m = SEP_RE.exec(s.slice(from));
  return from + (m ? m[0].length : 0);
}

/** Find the code in an argument (see module comment). */
export function extractCode(arg: string, codePattern: RegExp): string {
  const full = fullMatcher(codePattern);
  const a = arg.replace(TRAILING_PUNCT_RE, '').trim();
  if (!a) return '';
  if (full.test(a)) return a;
  const compact = a.replace(/[\s\-_·]/g, '');
  if (full.test(compact)) return compact;
  for (const src of [a, compact]) {
    for (const t of src.match(/[0-9A-Za-z]+/g) ?? []) if (full.test(t)) return t;
  }
  // A department reference: letters and digits with - _ / . inside ("RS2026-0107"), kept as typed.
  if (REF_RE.test(a) && /[A-Za-z]/.test(a) && /\d/.test(a)) return a;
  for (const t of a.match(REF_TOKEN_RE) ?? []) if (/[A-Za-z]/.test(t) && /\d/.test(t)) return t;
  const longest = (compact.match(/\d+/g) ?? []).reduce<string>((best, d) => (d.length > best.length ? d : best), '');
  if (longest) return longest.slice(0, 20);
  return Array.from(a).slice(0, 20).join('');
}

const REF_RE = /^[A-Za-z0-9][A-Za-z0-9_\-/.]{1,63}$/;
const REF_TOKEN_RE = /[A-Za-z0-9][A-Za-z0-9_\-/.]*[A-Za-z0-9]/g;
const DEPT_AND_REF_RE = /^([A-Za-z][A-Za-z0-9_]{1,15})[\s:#+,，、/]+([A-Za-z0-9][A-Za-z0-9_\-/.]*[A-Za-z0-9])$/;

/** The code, and the department when the argument is "<dept code> <reference>". */
export function extractTarget(arg: string, codePattern: RegExp): { code: string; dept?: string } {
  const code = extractCode(arg, codePattern);
  if (!code || fullMatcher(codePattern).test(code)) return { code };
  const m = DEPT_AND_REF_RE.exec(arg.replace(TRAILING_PUNCT_RE, '').trim());
  return m && m[2] === code ? { code, dept: m[1] } : { code };
}

/**
 * How long a text is as a request: each Chinese (Han) character counts one, each run of other
 * letters (an English word) counts one; digits, punctuation and emoji do not count.
 */
export function requestLength(text: string): number {
  return text.match(REQUEST_UNIT_RE)?.length ?? 0;
}

/** Parse one MO text. Never throws. */
export function parseCommand(text: string, ctx: ParseContext): Command {
  const raw = typeof text === 'string' ? text : '';
  const n = normaliseWithMap(raw);
  const full = n.text;
  // Nothing, or only punctuation other than a question mark (which asks for help).
  if (!/[^\s.。,，!！~～、;；:：]/.test(full)) return { type: 'empty' };
  // A greeting in front ("您好，我要投诉…") is skipped; a greeting alone stays what it is.
  const g = GREETING_RE.exec(full);
  const offset = g && g[0].length < full.length ? g[0].length : 0;
  const s = full.slice(offset);
  const upper = asciiUpper(s);
  /** The original text from normalised position k (of `s`) on, trimmed. */
  const originalFrom = (k: number) => raw.slice(n.map[offset + k]).trim();

  // 2. Opt-out beats everything, but only as a whole message or a clear phrase.
  const optOut = matchOptOut(upper, ctx.codePattern);
  if (optOut) return optOut;

  // 3. Survey answer.
  if (ctx.surveyPending) {
    const sv = matchSurvey(s);
    if (sv) {
      const start = sv.commentAt < 0 ? s.length : skipSep(s, sv.commentAt);
      const comment = MEANINGFUL_RE.test(s.slice(start)) ? originalFrom(start) : '';
      return comment ? { type: 'survey', score: sv.score, comment } : { type: 'survey', score: sv.score };
    }
  }

  // 4. Keywords.
  const feedback = (kind: FeedbackKind, len: number): Command => {
    const argStart = skipSep(s, len);
    if (!MEANINGFUL_RE.test(s.slice(argStart))) return { type: 'feedback-empty', kind };
    return { type: 'feedback', kind, text: originalFrom(argStart) };
  };
  for (const c of COMMANDS) {
    for (const k of c.words) {
      const len = matchAt(upper, k);
      if (len < 0) continue;
      const arg = s.slice(skipSep(s, len));
      switch (c.make) {
        case 'help': return { type: 'help' };
        case 'query': return { type: 'query', ...extractTarget(arg, ctx.codePattern) };
        case 'subscribe': return { type: 'subscribe', ...extractTarget(arg, ctx.codePattern) };
        default: return feedback(c.make, len);
      }
    }
  }
  for (const [word, kind] of FEEDBACK_PREFIXES) if (s.startsWith(word)) return feedback(kind, word.length);
  if (/^[?？]+$/.test(s)) return { type: 'help' };

  // 5. Bare code, or a code inside a short sentence.
  const bare = s.replace(TRAILING_PUNCT_RE, '').replace(/[\s-]/g, '');
  const codeRe = fullMatcher(ctx.codePattern);
  if (bare && codeRe.test(bare)) return { type: 'query', code: bare };
  const minRequest = ctx.minRequestChars ?? DEFAULT_MIN_REQUEST_CHARS;
  const tokens = (s.match(/(?<![0-9A-Za-z])[0-9A-Za-z]+(?![0-9A-Za-z])/g) ?? []).filter((t) => codeRe.test(t));
  if (tokens.length === 1 && requestLength(s.replace(tokens[0], ' ')) < minRequest) return { type: 'query', code: tokens[0] };

  // 6. A request in the citizen's own words.
  if (requestLength(s) >= minRequest) return { type: 'request', text: raw.trim() };

  // 7. Anything else.
  return { type: 'unknown', text: raw.trim() };
}

/** The opt-out reading of the whole (upper-cased) message, or null when it is not an opt-out. */
function matchOptOut(upper: string, codePattern: RegExp): Command | null {
  const t = upper.replace(TRAILING_PUNCT_RE, '');
  if (OPT_OUT_LETTER.test(t)) return { type: 'unsubscribe', code: null };
  let len = -1;
  const latin = OPT_OUT_LATIN.exec(t);
  if (latin && latin[0].length > 1) len = latin[0].length;
  else {
    const cjk = OPT_OUT_CJK.exec(t);
    if (cjk && cjk[0].length > 0) len = cjk[0].length;
  }
  if (len < 0) return null;
  const rest = t.slice(skipSep(t, len)).replace(TRAILING_PUNCT_RE, '');
  if (COURTESY_RE.test(rest)) return { type: 'unsubscribe', code: null };
  const all = ALL_RE.exec(rest);
  if (all) {
    const after = rest.slice(all[0].length).replace(SEP_RE, '');
    return /^(?:订阅|提醒|短信|通知|推送|消息)*$/.test(after) || COURTESY_RE.test(after) ? { type: 'unsubscribe', code: null } : null;
  }
  // A code (or what looks like one), possibly with a courtesy word after it.
  const arg = rest.replace(/[\s,，;；]*(?:谢谢(?:你|您|你们|了)?|THANKS)$/, '');
  if (!CODE_LIKE_RE.test(arg)) return null;
  const code = extractCode(arg, codePattern);
  return { type: 'unsubscribe', code: code && fullMatcher(codePattern).test(code) ? code : null };
}

/** A survey answer: score and where the comment starts in `s` (or -1). */
function matchSurvey(s: string): { score: 1 | 2 | 3; commentAt: number } | null {
  const t = s.replace(TRAILING_PUNCT_RE, '');
  const num = SURVEY_NUMERALS[t.charAt(0)];
  if (num) {
    const rest = t.slice(1);
    if (rest === '') return { score: num, commentAt: -1 };
    // A digit must be followed by a separator or a survey word (else "123456789012" or "1个月"
    // would be read as a score).
    const sep = SEP_RE.exec(rest);
    const afterSepAt = 1 + (sep ? sep[0].length : 0);
    const afterSep = t.slice(afterSepAt);
    const word = SURVEY_WORDS.find(([w]) => afterSep.startsWith(w));
    if ((sep || word) && !/^\d/.test(afterSep)) {
      return { score: num, commentAt: afterSepAt + (word ? word[0].length : 0) };
    }
  }
  const word = SURVEY_WORDS.find(([w]) => t.startsWith(w));
  if (word) return { score: word[1], commentAt: word[0].length };
  return null;
}
