/**
 * The SMS command parser: one MO text → one Command. Pure.
 *
 * Order of precedence:
 *  1. empty (nothing left after normalisation)                         → empty
 *  2. opt-out: TD / 退订 / 取消 / STOP / UNSUBSCRIBE (also 取消订阅, and
 *     "我要退订", "请帮我取消订阅"…), with an optional code             → unsubscribe (wins over all, incl. a pending survey)
 *  3. survey reply, only when a survey is pending: 1 / 2 / 3, 满意 / 基本满意 / 不满意 (and close
 *     variants), optionally followed by a comment                     → survey
 *  4. keyword commands: CX/查询, TS/投诉, ZX/咨询, JY/建议, DY/订阅, BZ/帮助/HELP/?
 *  5. a bare code matching the configured pattern                      → query
 *  6. anything else                                                    → unknown (answered with help)
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
 * Feedback text is cut from the ORIGINAL message (not the normalised one), trimmed; a complaint
 * with no letter, digit or CJK character after the keyword is `feedback-empty`.
 */
import { asciiUpper, normaliseWithMap } from './normalise.js';

export type FeedbackKind = 'complaint' | 'consultation' | 'suggestion';

export type Command =
  | { type: 'query'; code: string; dept?: string }
  | { type: 'feedback'; kind: FeedbackKind; text: string }
  | { type: 'feedback-empty'; kind: FeedbackKind }
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
}

const SEP_RE = /^[\s:#+,，、.。\-=;；]+/;
const TRAILING_PUNCT_RE = /[\s.。!！~～,，;；]+$/;
const MEANINGFUL_RE = /[\p{L}\p{N}]/u;

interface Keyword { word: string; latin: boolean }
const kw = (...words: string[]): Keyword[] => words.map((w) => ({ word: w, latin: /^[A-Z?]+$/.test(w) }));

/** Opt-out keywords, longest first so 取消订阅 is preferred to 取消. */
const OPT_OUT = kw('UNSUBSCRIBE', '取消订阅', '退订', '取消', 'STOP', 'TD');
/** Polite wrappers accepted before an opt-out word (Chinese only). */
const OPT_OUT_PREFIX = /^(?:我要|我想|请帮我|请|帮我|麻烦)/;
const OPT_OUT_WRAPPED = /^(?:退订|取消订阅|取消)/;

const COMMANDS: Array<{ words: Keyword[]; make: 'query' | 'subscribe' | 'help' | FeedbackKind }> = [
  { words: kw('CX', '查询'), make: 'query' },
  { words: kw('TS', '投诉'), make: 'complaint' },
  { words: kw('ZX', '咨询'), make: 'consultation' },
  { words: kw('JY', '建议'), make: 'suggestion' },
  { words: kw('DY', '订阅'), make: 'subscribe' },
  { words: kw('HELP', 'BZ', '帮助'), make: 'help' },
];

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

/** Parse one MO text. Never throws. */
export function parseCommand(text: string, ctx: ParseContext): Command {
  const raw = typeof text === 'string' ? text : '';
  const n = normaliseWithMap(raw);
  const s = n.text;
  // Nothing, or only punctuation other than a question mark (which asks for help).
  if (!/[^\s.。,，!！~～、;；:：]/.test(s)) return { type: 'empty' };
  const upper = asciiUpper(s);

  // 2. Opt-out beats everything.
  const optOut = matchOptOut(upper);
  if (optOut >= 0) {
    let rest = s.slice(skipSep(s, optOut));
    rest = rest.replace(/^订阅/, '').replace(SEP_RE, '');
    if (/^(?:全部|所有|ALL(?![A-Za-z]))/i.test(rest) || !rest) return { type: 'unsubscribe', code: null };
    const code = extractCode(rest, ctx.codePattern);
    return { type: 'unsubscribe', code: code && fullMatcher(ctx.codePattern).test(code) ? code : null };
  }

  // 3. Survey answer.
  if (ctx.surveyPending) {
    const sv = matchSurvey(s);
    if (sv) {
      const start = sv.commentAt < 0 ? s.length : skipSep(s, sv.commentAt);
      const comment = MEANINGFUL_RE.test(s.slice(start)) ? raw.slice(n.map[start]).trim() : '';
      return comment ? { type: 'survey', score: sv.score, comment } : { type: 'survey', score: sv.score };
    }
  }

  // 4. Keywords.
  for (const c of COMMANDS) {
    for (const k of c.words) {
      const len = matchAt(upper, k);
      if (len < 0) continue;
      const argStart = skipSep(s, len);
      const arg = s.slice(argStart);
      switch (c.make) {
        case 'help': return { type: 'help' };
        case 'query': return { type: 'query', ...extractTarget(arg, ctx.codePattern) };
        case 'subscribe': return { type: 'subscribe', ...extractTarget(arg, ctx.codePattern) };
        default: {
          if (!MEANINGFUL_RE.test(arg)) return { type: 'feedback-empty', kind: c.make };
          const original = raw.slice(n.map[argStart]).trim();
          return { type: 'feedback', kind: c.make, text: original };
        }
      }
    }
  }
  if (/^[?？]+$/.test(s)) return { type: 'help' };

  // 5. Bare code.
  const bare = s.replace(TRAILING_PUNCT_RE, '').replace(/[\s-]/g, '');
  if (bare && fullMatcher(ctx.codePattern).test(bare)) return { type: 'query', code: bare };

  // 6. Anything else.
  return { type: 'unknown', text: raw.trim() };
}

function matchOptOut(upper: string): number {
  for (const k of OPT_OUT) {
    const len = matchAt(upper, k);
    if (len >= 0) return len;
  }
  // Polite wrappers: 我要退订, 请帮我取消订阅 …
  const p = OPT_OUT_PREFIX.exec(upper);
  if (p) {
    const rest = upper.slice(p[0].length);
    const w = OPT_OUT_WRAPPED.exec(rest);
    if (w) return p[0].length + w[0].length;
  }
  return -1;
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
