/**
 * 全程考核 — the quantified assessment (pure). From per-order facts (one row per work order received in the
 * period, read by the store in one query) it computes per department and per handler: received, 签收 and
 * 办结 on time %, average and p90 handling time in WORKING hours (the working calendar and hours of
 * ./time-limits.ts), returns, extensions, 催办, 重办 rate, satisfaction, and the composite score whose
 * weights come from data/assessment.yaml (parsed and checked here; the file is read by ./assessment-file.ts).
 * Also the hot spots (top categories and places this week vs last) and the drill-down (the orders behind
 * a figure). Definitions: see the README section "全程考核 (assessment)".
 */
import { formatIssue, type DataFileIssue } from './file-issues.js';
import { LineCounter, parseDocument, isMap, type Node } from 'yaml';
import { addDays, localDate, zonedTime } from '../domain/time.js';
import { workingMinutesBetween, type WorkClock } from './time-limits.js';

/** One work order as the assessment sees it (the current handling cycle: a 重办 starts a new one). */
export interface OrderFact {
  id: number;
  ref: string;
  status: string;
  departmentId: number | null;
  departmentName: string | null;
  /** Who handled it: the actor of the final answer, else of the 签收 (dept:SCJG:李四, staff:wang). */
  handler: string | null;
  category: string | null;
  address: string | null;
  createdAt: string;
  dispatchedAt: string | null;
  signDueAt: string | null;
  signedAt: string | null;
  finishDueAt: string | null;
  answeredAt: string | null;
  closedAt: string | null;
  returnCount: number;
  extensionCount: number;
  urgeCount: number;
  reopenCount: number;
  /** 1 满意, 2 基本满意, 3 不满意, null: not surveyed. */
  satisfaction: number | null;
}

// ---- the weights file -------------------------------------------------------------------------

export const SCORE_PARTS = ['sign_on_time', 'finish_on_time', 'satisfaction', 'redo', 'returns', 'urges', 'extensions'] as const;
export type ScorePart = (typeof SCORE_PARTS)[number];
export const SCORE_PART_ZH: Record<ScorePart, string> = {
  sign_on_time: '签收按时率', finish_on_time: '办结按时率', satisfaction: '满意度', redo: '重办', returns: '退单', urges: '催办', extensions: '延期',
};

export interface AssessmentConfig {
  weights: Record<ScorePart, number>;
  /** Credit of a 基本满意 in the satisfaction sub-score (满意 = 1, 不满意 = 0). */
  basicSatisfiedCredit: number;
}

export const DEFAULT_ASSESSMENT: AssessmentConfig = {
  weights: { sign_on_time: 10, finish_on_time: 30, satisfaction: 40, redo: 10, returns: 5, urges: 5, extensions: 0 },
  basicSatisfiedCredit: 0.8,
};

export type AssessmentIssue = DataFileIssue;
export const formatAssessmentIssue = formatIssue;

/** Parse and check the weights file; `config` is null when there is any error. */
export function parseAssessment(text: string, file = 'assessment.yaml'): { config: AssessmentConfig | null; issues: AssessmentIssue[] } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const issues: AssessmentIssue[] = [];
  const lineOf = (n: Node | null | undefined): number | null => (n?.range ? lc.linePos(n.range[0]).line : null);
  const err = (n: Node | null | undefined, key: string, message: string) => { issues.push({ file, line: lineOf(n), key, message }); };
  for (const e of doc.errors) issues.push({ file, line: e.linePos?.[0]?.line ?? null, key: '', message: `YAML 语法错误：${e.message.split('\n')[0]}` });
  if (issues.length) return { config: null, issues };
  const root = doc.contents;
  if (!isMap(root)) { err(root, '', '文件应为映射（weights、basic_satisfied_credit）'); return { config: null, issues }; }
  for (const p of root.items) {
    const k = String((p.key as { value?: unknown })?.value ?? p.key);
    if (k !== 'weights' && k !== 'basic_satisfied_credit') err(p.key as Node, k, '未知的键（可用：weights、basic_satisfied_credit）');
  }
  const weights = { ...DEFAULT_ASSESSMENT.weights };
  const w = root.get('weights', true) as Node | undefined;
  if (w === undefined) err(root, 'weights', `缺少权重 weights（${SCORE_PARTS.join('、')}）`);
  else if (!isMap(w)) err(w, 'weights', `应为映射（${SCORE_PARTS.join('、')}）`);
  else {
    for (const p of w.items) {
      const k = String((p.key as { value?: unknown })?.value);
      if (!(SCORE_PARTS as readonly string[]).includes(k)) { err(p.key as Node, `weights.${k}`, `未知的考核项（可用：${SCORE_PARTS.join('、')}）`); continue; }
      const v = (p.value as { value?: unknown } | null)?.value;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1000) { err((p.value as Node) ?? (p.key as Node), `weights.${k}`, `权重应为 0 到 1000 的数，而不是“${String(v)}”`); continue; }
      weights[k as ScorePart] = v;
    }
    for (const k of SCORE_PARTS) if (!w.has(k)) err(w, `weights.${k}`, `缺少“${SCORE_PART_ZH[k]}”（${k}）的权重（不计入请写 0）`);
  }
  if (!issues.length && SCORE_PARTS.every((k) => weights[k] === 0)) err(w, 'weights', '权重不能全部为 0');
  let basicSatisfiedCredit = DEFAULT_ASSESSMENT.basicSatisfiedCredit;
  const c = root.get('basic_satisfied_credit', true) as Node | undefined;
  if (c !== undefined) {
    const v = (c as { value?: unknown }).value;
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) err(c, 'basic_satisfied_credit', `“基本满意”的得分系数应为 0 到 1 的数，而不是“${String(v)}”`);
    else basicSatisfiedCredit = v;
  }
  return issues.length ? { config: null, issues } : { config: { weights, basicSatisfiedCredit }, issues };
}

// ---- working time, fast -----------------------------------------------------------------------

/**
 * Working time on a span of days, precomputed: the working periods as instants with the working time
 * before each, so the working minutes between two instants are two binary searches (the same figure as
 * workingMinutesBetween, which walks the days: too slow for a month of 100,000 orders).
 */
export class WorkTimeIndex {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly cum: number[] = [];
  private readonly lo: number;
  private readonly hi: number;
  constructor(private readonly clock: WorkClock, from: Date, to: Date) {
    const first = addDays(localDate(from, clock.tz), -1), last = addDays(localDate(to, clock.tz), 1);
    const inst = (day: string, m: number) => (m >= 1440 ? zonedTime(addDays(day, 1), '00:00:00', clock.tz) : zonedTime(day, `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}:00`, clock.tz)).getTime();
    let total = 0;
    for (let day = first, guard = 0; day <= last && guard < 100_000; day = addDays(day, 1), guard++) {
      if (!clock.calendar.isWorkingDay(day)) continue;
      for (const [a, b] of clock.hours) {
        const s = inst(day, a), e = inst(day, b);
        this.starts.push(s); this.ends.push(e); this.cum.push(total); total += e - s;
      }
    }
    this.lo = zonedTime(first, '00:00:00', clock.tz).getTime();
    this.hi = zonedTime(addDays(last, 1), '00:00:00', clock.tz).getTime();
  }
  /** Working ms from the start of the span to t. */
  private before(t: number): number {
    let l = 0, h = this.starts.length - 1, i = -1;
    while (l <= h) { const m = (l + h) >> 1; if (this.starts[m] <= t) { i = m; l = m + 1; } else h = m - 1; }
    return i < 0 ? 0 : this.cum[i] + Math.min(t, this.ends[i]) - this.starts[i];
  }
  minutesBetween(a: Date, b: Date): number { return this.minutesBetweenMs(a.getTime(), b.getTime()); }
  /** The same on epoch milliseconds (no Date objects: the assessment's inner loop). */
  minutesBetweenMs(ta: number, tb: number): number {
    if (ta < this.lo || tb < this.lo || ta >= this.hi || tb >= this.hi) return workingMinutesBetween(new Date(ta), new Date(tb), this.clock);
    return Math.round((this.before(tb) - this.before(ta)) / 60_000);
  }
}

// ---- the figures ------------------------------------------------------------------------------

export interface AssessmentRow {
  /** Department id (as a string) or handler actor id. */
  key: string;
  name: string;
  departmentId: number | null;
  received: number;
  /** 签收 decided (signed, or past due unsigned), of which on time; pct null when none decided. */
  signDecided: number; signOnTime: number; signOnTimePct: number | null;
  finishDecided: number; finishOnTime: number; finishOnTimePct: number | null;
  finished: number;
  /** Working hours from dispatch to the final answer, finished orders; null when none. */
  avgHours: number | null; p90Hours: number | null;
  returns: number; extensions: number; urges: number;
  /** Orders with at least one 退单 / 催办 / 延期 (the score's rates). */
  returnedOrders: number; urgedOrders: number; extendedOrders: number;
  redone: number; redoCount: number; redoRatePct: number | null;
  surveyed: number; satisfied: number; basic: number; dissatisfied: number;
  satisfiedPct: number | null; basicPct: number | null; dissatisfiedPct: number | null;
  /** The composite score 0–100 (null when no part has a figure). */
  score: number | null;
}

export interface AssessmentTable { departments: AssessmentRow[]; handlers: AssessmentRow[] }

const FINISHED = new Set(['answered', 'closed', 'escalated']);
const ms = (s: string | null) => (s === null ? NaN : Date.parse(s));
const pct = (n: number, d: number) => (d > 0 ? Math.round((n / d) * 1000) / 10 : null);
const round1 = (x: number) => Math.round(x * 10) / 10;

/** When the current cycle ended with the final answer (null: not finished). */
export function finishedAt(f: OrderFact): string | null {
  return FINISHED.has(f.status) ? f.answeredAt ?? f.closedAt : null;
}

interface Classified {
  signDecided: boolean; signOnTime: boolean;
  finishDecided: boolean; finishOnTime: boolean;
  finished: boolean; hours: number | null;
}

function classify(f: OrderFact, now: number, wt: WorkTimeIndex): Classified {
  const signDue = ms(f.signDueAt), signed = ms(f.signedAt);
  const signDecided = !Number.isNaN(signDue) && (!Number.isNaN(signed) || now > signDue);
  const signOnTime = signDecided && !Number.isNaN(signed) && signed <= signDue;
  const fin = finishedAt(f), finMs = ms(fin), finishDue = ms(f.finishDueAt);
  const finishDecided = !Number.isNaN(finishDue) && (!Number.isNaN(finMs) || now > finishDue);
  const finishOnTime = finishDecided && !Number.isNaN(finMs) && finMs <= finishDue;
  const hours = fin !== null && f.dispatchedAt !== null ? wt.minutesBetweenMs(Date.parse(f.dispatchedAt), finMs) / 60 : null;
  return { signDecided, signOnTime, finishDecided, finishOnTime, finished: fin !== null, hours };
}

/** p90 by nearest rank: the smallest value with at least 90 % of the values at or below it. */
export function p90(sorted: number[]): number | null {
  return sorted.length ? sorted[Math.ceil(sorted.length * 0.9) - 1] : null;
}

/**
 * The composite score: the weighted mean of the parts that have a figure, each 0–100:
 *   sign_on_time = 签收按时率, finish_on_time = 办结按时率,
 *   satisfaction = (满意 + credit × 基本满意) / 回访数 × 100,
 *   redo = 100 − 重办率, returns = 100 − 退单率, urges = 100 − 催办率, extensions = 100 − 延期率
 * (a rate: orders with at least one / received × 100). A part without a figure (nothing decided, nobody
 * surveyed) is left out and the other weights count for it.
 */
export function compositeScore(r: AssessmentRow, cfg: AssessmentConfig): number | null {
  const rate = (n: number) => (r.received > 0 ? 100 - (n / r.received) * 100 : null);
  const parts: Record<ScorePart, number | null> = {
    sign_on_time: r.signDecided > 0 ? (r.signOnTime / r.signDecided) * 100 : null,
    finish_on_time: r.finishDecided > 0 ? (r.finishOnTime / r.finishDecided) * 100 : null,
    satisfaction: r.surveyed > 0 ? ((r.satisfied + cfg.basicSatisfiedCredit * r.basic) / r.surveyed) * 100 : null,
    redo: rate(r.redone),
    returns: rate(r.returnedOrders),
    urges: rate(r.urgedOrders),
    extensions: rate(r.extendedOrders),
  };
  let sum = 0, w = 0;
  for (const k of SCORE_PARTS) { const v = parts[k]; if (v !== null && cfg.weights[k] > 0) { sum += v * cfg.weights[k]; w += cfg.weights[k]; } }
  return w > 0 ? round1(sum / w) : null;
}

interface Acc { row: AssessmentRow; hours: number[] }

function emptyRow(key: string, name: string, departmentId: number | null): Acc['row'] {
  return {
    key, name, departmentId, received: 0, signDecided: 0, signOnTime: 0, signOnTimePct: null, finishDecided: 0, finishOnTime: 0, finishOnTimePct: null,
    finished: 0, avgHours: null, p90Hours: null, returns: 0, extensions: 0, urges: 0, redone: 0, redoCount: 0, redoRatePct: null,
    surveyed: 0, satisfied: 0, basic: 0, dissatisfied: 0, satisfiedPct: null, basicPct: null, dissatisfiedPct: null, score: null,
    returnedOrders: 0, urgedOrders: 0, extendedOrders: 0,
  };
}

/** A handler's display name: dept:SCJG:李四 → 李四; staff:wang → the staff name if given, else wang. */
export function handlerName(id: string, names: ReadonlyMap<string, string> = new Map()): string {
  const n = names.get(id);
  if (n) return n;
  const parts = id.split(':');
  return parts[parts.length - 1] || id;
}

export interface AssessOptions {
  clock: WorkClock;
  config: AssessmentConfig;
  /** "Now": an unsigned / unfinished order counts as late only once its deadline has passed. */
  now: Date;
  handlerNames?: ReadonlyMap<string, string>;
}

/** The table per department and per handler (orders without a department are not assessed). */
export function assess(facts: readonly OrderFact[], o: AssessOptions): AssessmentTable {
  const now = o.now.getTime();
  let lo = Infinity, hi = -Infinity;
  for (const f of facts) for (const s of [f.dispatchedAt, f.answeredAt, f.closedAt]) { const t = ms(s); if (t < lo) lo = t; if (t > hi) hi = t; }
  const wt = new WorkTimeIndex(o.clock, new Date(Number.isFinite(lo) ? lo : now), new Date(Number.isFinite(hi) ? hi : now));
  const depts = new Map<string, Acc>(), handlers = new Map<string, Acc>();
  const add = (acc: Acc, f: OrderFact, c: Classified) => {
    const r = acc.row;
    r.received++;
    if (c.signDecided) { r.signDecided++; if (c.signOnTime) r.signOnTime++; }
    if (c.finishDecided) { r.finishDecided++; if (c.finishOnTime) r.finishOnTime++; }
    if (c.finished) r.finished++;
    if (c.hours !== null) acc.hours.push(c.hours);
    r.returns += f.returnCount; r.extensions += f.extensionCount; r.urges += f.urgeCount; r.redoCount += f.reopenCount;
    if (f.returnCount > 0) r.returnedOrders++;
    if (f.extensionCount > 0) r.extendedOrders++;
    if (f.urgeCount > 0) r.urgedOrders++;
    if (f.reopenCount > 0) r.redone++;
    if (f.satisfaction === 1) r.satisfied++; else if (f.satisfaction === 2) r.basic++; else if (f.satisfaction === 3) r.dissatisfied++;
  };
  for (const f of facts) {
    if (f.departmentId === null) continue;
    const c = classify(f, now, wt);
    const dk = String(f.departmentId);
    let d = depts.get(dk);
    if (!d) depts.set(dk, (d = { row: emptyRow(dk, f.departmentName ?? dk, f.departmentId), hours: [] }));
    add(d, f, c);
    if (f.handler) {
      const hk = `${f.departmentId}|${f.handler}`;
      let h = handlers.get(hk);
      if (!h) handlers.set(hk, (h = { row: emptyRow(f.handler, handlerName(f.handler, o.handlerNames), f.departmentId), hours: [] }));
      add(h, f, c);
    }
  }
  const finish = (acc: Acc): AssessmentRow => {
    const r = acc.row;
    r.signOnTimePct = pct(r.signOnTime, r.signDecided);
    r.finishOnTimePct = pct(r.finishOnTime, r.finishDecided);
    const hs = acc.hours.sort((a, b) => a - b);
    r.avgHours = hs.length ? round1(hs.reduce((s, x) => s + x, 0) / hs.length) : null;
    const p = p90(hs); r.p90Hours = p === null ? null : round1(p);
    r.redoRatePct = pct(r.redone, r.received);
    r.surveyed = r.satisfied + r.basic + r.dissatisfied;
    r.satisfiedPct = pct(r.satisfied, r.surveyed); r.basicPct = pct(r.basic, r.surveyed); r.dissatisfiedPct = pct(r.dissatisfied, r.surveyed);
    r.score = compositeScore(r, o.config);
    return r;
  };
  const order = (a: AssessmentRow, b: AssessmentRow) => (b.score ?? -1) - (a.score ?? -1) || b.received - a.received || a.name.localeCompare(b.name, 'zh');
  return { departments: [...depts.values()].map(finish).sort(order), handlers: [...handlers.values()].map(finish).sort(order) };
}

// ---- drill-down -------------------------------------------------------------------------------

export const FIGURES = ['received', 'sign_on_time', 'sign_late', 'finish_on_time', 'finish_late', 'finished', 'returns', 'extensions', 'urges', 'redo', 'satisfied', 'basic', 'dissatisfied'] as const;
export type Figure = (typeof FIGURES)[number];
export const FIGURE_ZH: Record<Figure, string> = {
  received: '受理', sign_on_time: '按时签收', sign_late: '超时签收', finish_on_time: '按时办结', finish_late: '超时办结', finished: '已办结',
  returns: '退单', extensions: '延期', urges: '催办', redo: '重办', satisfied: '满意', basic: '基本满意', dissatisfied: '不满意',
};

/** The orders behind a figure of a department's row (`handler` too: a handler's row). */
export function drillDown(facts: readonly OrderFact[], figure: Figure, scope: { departmentId?: number | null; handler?: string | null }, clock: WorkClock, now: Date): OrderFact[] {
  const t = now.getTime();
  const wt = new WorkTimeIndex(clock, now, now);
  return facts.filter((f) => {
    if (f.departmentId === null) return false;
    if (scope.departmentId != null && f.departmentId !== scope.departmentId) return false;
    if (scope.handler && f.handler !== scope.handler) return false;
    if (figure === 'received') return true;
    if (figure === 'returns') return f.returnCount > 0;
    if (figure === 'extensions') return f.extensionCount > 0;
    if (figure === 'urges') return f.urgeCount > 0;
    if (figure === 'redo') return f.reopenCount > 0;
    if (figure === 'satisfied') return f.satisfaction === 1;
    if (figure === 'basic') return f.satisfaction === 2;
    if (figure === 'dissatisfied') return f.satisfaction === 3;
    const c = classify({ ...f, dispatchedAt: null }, t, wt);
    if (figure === 'sign_on_time') return c.signOnTime;
    if (figure === 'sign_late') return c.signDecided && !c.signOnTime;
    if (figure === 'finish_on_time') return c.finishOnTime;
    if (figure === 'finish_late') return c.finishDecided && !c.finishOnTime;
    return c.finished;
  });
}

// ---- hot spots --------------------------------------------------------------------------------

export interface HotSpot {
  /** Category code or the address. */
  key: string;
  thisWeek: number;
  lastWeek: number;
  /** thisWeek − lastWeek. */
  change: number;
  /** This week's orders behind it (refs, newest first, at most `maxRefs`). */
  refs: string[];
}

export interface HotSpots { weekStart: string; lastWeekStart: string; categories: HotSpot[]; places: HotSpot[] }

/**
 * Top categories and places (事发地址) this week vs last. `weekStart`: the start of this week (the
 * caller's choice: local Monday 00:00); facts of the two weeks. Ranked by this week's count, then the rise.
 */
export function hotSpots(facts: readonly OrderFact[], weekStart: Date, top = 10, maxRefs = 50): HotSpots {
  const ws = weekStart.getTime(), lws = ws - 7 * 86_400_000, we = ws + 7 * 86_400_000;
  const count = (key: (f: OrderFact) => string | null): HotSpot[] => {
    const m = new Map<string, HotSpot & { at: Array<[number, string]> }>();
    for (const f of facts) {
      const k = key(f)?.trim();
      if (!k) continue;
      const t = ms(f.createdAt);
      if (!(t >= lws && t < we)) continue;
      let h = m.get(k);
      if (!h) m.set(k, (h = { key: k, thisWeek: 0, lastWeek: 0, change: 0, refs: [], at: [] }));
      if (t >= ws) { h.thisWeek++; h.at.push([t, f.ref]); } else h.lastWeek++;
    }
    return [...m.values()].filter((h) => h.thisWeek > 0)
      .map((h) => ({ key: h.key, thisWeek: h.thisWeek, lastWeek: h.lastWeek, change: h.thisWeek - h.lastWeek, refs: h.at.sort((a, b) => b[0] - a[0]).slice(0, maxRefs).map((x) => x[1]) }))
      .sort((a, b) => b.thisWeek - a.thisWeek || b.change - a.change || a.key.localeCompare(b.key, 'zh'))
      .slice(0, top);
  };
  return { weekStart: new Date(ws).toISOString(), lastWeekStart: new Date(lws).toISOString(), categories: count((f) => f.category), places: count((f) => f.address) };
}

/** Local Monday 00:00 of the week holding `at`. */
export function weekStartOf(at: Date, tz: string): Date {
  const day = localDate(at, tz);
  const [y, m, d] = day.split('-').map(Number);
  const wd = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return zonedTime(addDays(day, -((wd + 6) % 7)), '00:00:00', tz);
}

// ---- CSV --------------------------------------------------------------------------------------

export const CSV_HEADER = ['名称', '受理', '签收按时率%', '办结按时率%', '平均办理时长(工作小时)', 'P90办理时长(工作小时)', '退单', '延期', '催办', '重办率%', '满意%', '基本满意%', '不满意%', '综合得分'];
export function csvRows(rows: readonly AssessmentRow[]): unknown[][] {
  return rows.map((r) => [r.name, r.received, r.signOnTimePct, r.finishOnTimePct, r.avgHours, r.p90Hours, r.returns, r.extensions, r.urges, r.redoRatePct, r.satisfiedPct, r.basicPct, r.dissatisfiedPct, r.score]);
}
