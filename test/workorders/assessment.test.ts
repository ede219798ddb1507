/** 全程考核: the figures of hand-computed orders across the 国庆 2026 holiday week, the weights file, hot spots, drill-down. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { WorkingCalendar, type CalendarData } from '../../src/domain/calendar.js';
import { workingMinutesBetween, type WorkClock } from '../../src/workorders/time-limits.js';
import {
  DEFAULT_ASSESSMENT, WorkTimeIndex, assess, compositeScore, drillDown, formatAssessmentIssue, hotSpots, p90, parseAssessment, weekStartOf, type OrderFact,
} from '../../src/workorders/assessment.js';

const TZ = 'Asia/Shanghai';
const calendar = new WorkingCalendar(JSON.parse(readFileSync('data/calendar.json', 'utf8')) as CalendarData);
const clock: WorkClock = { calendar, tz: TZ, hours: [[510, 720], [810, 1050]] }; // 08:30-12:00, 13:30-17:30
/** Local 'MM-DD HH:mm' in 2026 (+08:00) → ISO. */
const L = (s: string) => new Date(`2026-${s.replace(' ', 'T')}:00+08:00`).toISOString();
const END = (md: string) => new Date(`2026-${md}T23:59:59.999+08:00`).toISOString();

const fact = (over: Partial<OrderFact>): OrderFact => ({
  id: 0, ref: '', status: 'assigned', departmentId: null, departmentName: null, handler: null, category: null, address: null,
  createdAt: L('09-30 08:00'), dispatchedAt: null, signDueAt: null, signedAt: null, finishDueAt: null, answeredAt: null, closedAt: null,
  returnCount: 0, extensionCount: 0, urgeCount: 0, reopenCount: 0, satisfaction: null, ...over,
});
const A = { departmentId: 1, departmentName: '市市场监督管理局' }, B = { departmentId: 2, departmentName: '市城市管理局' };
// 国庆 2026: 10-01..10-07 rest, Saturday 10-10 a 调休 working day. Working day = 7.5 h.
const FACTS: OrderFact[] = [
  // before the holiday, signed on time, answered after it: 09-30 09:00-17:30 = 7 h, 10-08 08:30-10:00 = 1.5 h → 8.5 h; 满意
  fact({ id: 1, ref: 'WO1', ...A, handler: 'dept:SCJG:李四', status: 'closed', dispatchedAt: L('09-30 09:00'), signDueAt: L('09-30 13:00'), signedAt: L('09-30 10:00'),
    finishDueAt: END('10-09'), answeredAt: L('10-08 10:00'), closedAt: L('10-09 09:00'), satisfaction: 1, category: 'SCJG.FOOD', address: '人民路1号', createdAt: L('10-12 09:00') }),
  // signed late (due 10-08 11:00), answered on the 调休 Saturday after the due: 1.5 + 7.5 + 7.5 + 1 = 17.5 h; 1 退单, 2 催办, 重办 once; 基本满意
  fact({ id: 2, ref: 'WO2', ...A, handler: 'dept:SCJG:李四', status: 'closed', dispatchedAt: L('09-30 16:00'), signDueAt: L('10-08 11:00'), signedAt: L('10-08 14:00'),
    finishDueAt: END('10-09'), answeredAt: L('10-10 09:30'), returnCount: 1, urgeCount: 2, reopenCount: 1, satisfaction: 2, category: 'SCJG.FOOD', address: '人民路1号', createdAt: L('10-13 09:00') }),
  // not signed and past the 签收 due at "now"; 办结 not due yet (not decided); extended once; no handler
  fact({ id: 3, ref: 'WO3', ...A, status: 'assigned', dispatchedAt: L('10-08 09:00'), signDueAt: L('10-08 13:30'), finishDueAt: END('10-20'), extensionCount: 1, category: 'CGGL', createdAt: L('10-06 09:00') }),
  // one working day exactly (08:30-17:30 = 7.5 h), on time, 不满意 (escalated)
  fact({ id: 4, ref: 'WO4', ...B, handler: 'dept:CGJ:王五', status: 'escalated', dispatchedAt: L('10-09 08:30'), signDueAt: L('10-09 12:30'), signedAt: L('10-09 09:00'),
    finishDueAt: END('10-19'), answeredAt: L('10-09 17:30'), satisfaction: 3, category: 'CGGL', address: '解放路', createdAt: L('10-05 09:00') }),
  // not dispatched yet: not assessed
  fact({ id: 5, ref: 'WO5', status: 'new', category: 'CGGL', address: '人民路1号', createdAt: L('10-14 09:00') }),
];
const NOW = new Date(L('10-12 12:00'));

describe('assessment figures (hand-computed, 国庆 week)', () => {
  const t = assess(FACTS, { clock, config: DEFAULT_ASSESSMENT, now: NOW });
  const rows: Array<[string, () => unknown, Record<string, unknown>]> = [
    ['department A', () => t.departments.find((r) => r.departmentId === 1), {
      name: '市市场监督管理局', received: 3, signDecided: 3, signOnTime: 1, signOnTimePct: 33.3, finishDecided: 2, finishOnTime: 1, finishOnTimePct: 50, finished: 2,
      avgHours: 13, p90Hours: 17.5, returns: 1, extensions: 1, urges: 2, redone: 1, redoCount: 1, redoRatePct: 33.3,
      surveyed: 2, satisfied: 1, basic: 1, dissatisfied: 0, satisfiedPct: 50, basicPct: 50, dissatisfiedPct: 0,
      // (10·33.33 + 30·50 + 40·90 + 10·66.67 + 5·66.67 + 5·66.67) / 100
      score: 67.7,
    }],
    ['department B', () => t.departments.find((r) => r.departmentId === 2), {
      received: 1, signOnTimePct: 100, finishOnTimePct: 100, avgHours: 7.5, p90Hours: 7.5, redoRatePct: 0, dissatisfiedPct: 100, score: 60,
    }],
    ['handler 李四 (WO1, WO2)', () => t.handlers.find((r) => r.key === 'dept:SCJG:李四'), {
      name: '李四', departmentId: 1, received: 2, signOnTimePct: 50, finishOnTimePct: 50, avgHours: 13, p90Hours: 17.5, extensions: 0, redoRatePct: 50, score: 66,
    }],
    ['handler 王五', () => t.handlers.find((r) => r.key === 'dept:CGJ:王五'), { name: '王五', received: 1, score: 60 }],
  ];
  it.each(rows)('%s', (_n, get, want) => { expect(get()).toMatchObject(want); });
  it('orders without a department are not assessed; rows by score', () => {
    expect(t.departments.map((r) => r.departmentId)).toEqual([1, 2]);
    expect(t.handlers.map((r) => r.name)).toEqual(['李四', '王五']);
  });
  it('a part without a figure is left out; its weight goes to the others', () => {
    const r = assess([fact({ id: 9, ref: 'X', ...A, dispatchedAt: L('10-12 09:00'), signDueAt: L('10-12 13:00') })], { clock, config: DEFAULT_ASSESSMENT, now: NOW }).departments[0];
    // nothing decided, nobody surveyed: only the rates (all 100) count
    expect(r).toMatchObject({ signOnTimePct: null, finishOnTimePct: null, avgHours: null, p90Hours: null, satisfiedPct: null, score: 100 });
    expect(compositeScore({ ...r, received: 0 }, DEFAULT_ASSESSMENT)).toBeNull();
  });
  it('weights from the file change the score', () => {
    const only = { weights: { ...DEFAULT_ASSESSMENT.weights, sign_on_time: 0, finish_on_time: 0, satisfaction: 1, redo: 0, returns: 0, urges: 0 }, basicSatisfiedCredit: 0.5 };
    expect(assess(FACTS, { clock, config: only, now: NOW }).departments[0]).toMatchObject({ departmentId: 1, score: 75 });
  });
  it.each([[[], null], [[3], 3], [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 9], [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 10]] as Array<[number[], number | null]>)('p90 of %j = %s', (xs, want) => {
    expect(p90(xs)).toBe(want);
  });
});

describe('WorkTimeIndex = workingMinutesBetween', () => {
  const pairs: Array<[string, string]> = [
    ['09-30 09:00', '10-08 10:00'], ['09-30 16:00', '10-10 09:30'], ['10-01 10:00', '10-07 20:00'], ['02-13 17:00', '02-24 09:30'],
    ['10-09 08:30', '10-09 17:30'], ['10-09 12:10', '10-09 13:40'], ['10-11 22:00', '10-09 07:00'], ['09-24 12:00', '09-28 08:00'],
  ];
  const wt = new WorkTimeIndex(clock, new Date(L('02-01 00:00')), new Date(L('10-31 00:00')));
  it.each(pairs)('%s → %s', (a, b) => { expect(wt.minutesBetween(new Date(L(a)), new Date(L(b)))).toBe(workingMinutesBetween(new Date(L(a)), new Date(L(b)), clock)); });
  it('outside the span it falls back to the day walk', () => {
    const small = new WorkTimeIndex(clock, new Date(L('10-09 00:00')), new Date(L('10-09 00:00')));
    expect(small.minutesBetween(new Date(L('09-30 09:00')), new Date(L('10-08 10:00')))).toBe(510);
  });
});

describe('drill-down: the orders behind a figure', () => {
  const refs = (figure: Parameters<typeof drillDown>[1], scope: Parameters<typeof drillDown>[2]) => drillDown(FACTS, figure, scope, clock, NOW).map((f) => f.ref);
  it.each([
    ['received', { departmentId: 1 }, ['WO1', 'WO2', 'WO3']],
    ['sign_late', { departmentId: 1 }, ['WO2', 'WO3']],
    ['sign_on_time', {}, ['WO1', 'WO4']],
    ['finish_late', { departmentId: 1 }, ['WO2']],
    ['finished', { departmentId: 1, handler: 'dept:SCJG:李四' }, ['WO1', 'WO2']],
    ['redo', {}, ['WO2']], ['extensions', {}, ['WO3']], ['urges', {}, ['WO2']], ['returns', {}, ['WO2']],
    ['dissatisfied', {}, ['WO4']], ['basic', { departmentId: 1 }, ['WO2']], ['satisfied', { departmentId: 2 }, []],
  ] as Array<[Parameters<typeof drillDown>[1], Parameters<typeof drillDown>[2], string[]]>)('%s %j', (figure, scope, want) => { expect(refs(figure, scope)).toEqual(want); });
});

describe('hot spots', () => {
  it('this week (from local Monday) vs last, with the orders behind them', () => {
    const ws = weekStartOf(NOW, TZ);
    expect(ws.toISOString()).toBe(L('10-12 00:00'));
    expect(weekStartOf(new Date(L('10-18 23:00')), TZ).toISOString()).toBe(L('10-12 00:00'));
    const h = hotSpots(FACTS, ws);
    expect(h.categories).toEqual([
      { key: 'SCJG.FOOD', thisWeek: 2, lastWeek: 0, change: 2, refs: ['WO2', 'WO1'] },
      { key: 'CGGL', thisWeek: 1, lastWeek: 2, change: -1, refs: ['WO5'] },
    ]);
    expect(h.places).toEqual([{ key: '人民路1号', thisWeek: 3, lastWeek: 0, change: 3, refs: ['WO5', 'WO2', 'WO1'] }]);
    expect(hotSpots(FACTS, ws, 1).categories.map((x) => x.key)).toEqual(['SCJG.FOOD']);
  });
});

describe('the weights file', () => {
  it('the shipped file is valid and is the default', () => {
    expect(parseAssessment(readFileSync('data/assessment.yaml', 'utf8'))).toEqual({ config: DEFAULT_ASSESSMENT, issues: [] });
  });
  const good = readFileSync('data/assessment.yaml', 'utf8');
  const bad: Array<[string, string, string]> = [
    ['an unknown part', good.replace('extensions: 0', 'extensions: 0\n  speed: 5'), 'assessment.yaml:20：weights.speed：未知的考核项'],
    ['a negative weight', good.replace('urges: 5', 'urges: -5'), 'assessment.yaml:18：weights.urges：权重应为 0 到 1000 的数，而不是“-5”'],
    ['a text weight', good.replace('redo: 10', 'redo: 很高'), 'assessment.yaml:16：weights.redo：权重应为 0 到 1000 的数，而不是“很高”'],
    ['a missing part', good.replace('  returns: 5\n', ''), 'weights.returns：缺少“退单”（returns）的权重（不计入请写 0）'],
    ['all zero', 'weights: { sign_on_time: 0, finish_on_time: 0, satisfaction: 0, redo: 0, returns: 0, urges: 0, extensions: 0 }\n', 'assessment.yaml:1：weights：权重不能全部为 0'],
    ['credit above 1', good.replace('basic_satisfied_credit: 0.8', 'basic_satisfied_credit: 1.5'), 'assessment.yaml:21：basic_satisfied_credit：“基本满意”的得分系数应为 0 到 1 的数，而不是“1.5”'],
    ['an unknown top key', good + 'weight: {}\n', 'assessment.yaml:22：weight：未知的键'],
    ['no weights', 'basic_satisfied_credit: 0.5\n', 'weights：缺少权重 weights'],
    ['bad YAML', 'weights: [1,\n', 'YAML 语法错误'],
  ];
  it.each(bad)('%s', (_n, text, message) => {
    const { config, issues } = parseAssessment(text);
    expect(config).toBeNull();
    expect(issues.map(formatAssessmentIssue).join('\n')).toContain(message);
  });
});

describe('the weights file at start (thin reader)', () => {
  it('missing or wrong: refuses with every problem in Chinese; else the weights; the data dir copy first', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { AssessmentFileError, assessmentPath, loadAssessmentFile } = await import('../../src/workorders/assessment-file.js');
    const dir = mkdtempSync(join(tmpdir(), 'assess-'));
    try {
      expect(() => loadAssessmentFile(join(dir, 'nope.yaml'))).toThrow(AssessmentFileError);
      expect(() => loadAssessmentFile(join(dir, 'nope.yaml'))).toThrow('考核权重文件不存在');
      expect(assessmentPath(dir, process.cwd())).toBe(join(process.cwd(), 'data', 'assessment.yaml'));
      const f = join(dir, 'assessment.yaml');
      writeFileSync(f, readFileSync('data/assessment.yaml', 'utf8').replace('redo: 10', 'redo: -1'));
      expect(assessmentPath(dir, process.cwd())).toBe(f);
      expect(() => loadAssessmentFile(f)).toThrow(/考核权重文件有误：\n.*assessment\.yaml:16：weights\.redo：权重应为 0 到 1000 的数/);
      writeFileSync(f, readFileSync('data/assessment.yaml', 'utf8').replace('redo: 10', 'redo: 20'));
      expect(loadAssessmentFile(f).weights.redo).toBe(20);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
});
