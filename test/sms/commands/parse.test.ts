import { describe, expect, it } from 'vitest';
import { normalise, parseCommand, type Command } from '../../../src/sms/commands/index.js';

const CODE = '123456789012';
const codePattern = /^\d{12}$/;
const long = '路灯坏了'.repeat(1250); // 5,000 characters

describe('parseCommand', () => {
  const rows: Array<[label: string, text: string, survey: boolean, expected: Command]> = [
    // Query
    ['CX space code', `CX ${CODE}`, false, { type: 'query', code: CODE }],
    ['cx lower case', `cx ${CODE}`, false, { type: 'query', code: CODE }],
    ['Cx mixed case, no separator', `Cx${CODE}`, false, { type: 'query', code: CODE }],
    ['CX colon', `CX:${CODE}`, false, { type: 'query', code: CODE }],
    ['CX full-width colon', `CX：${CODE}`, false, { type: 'query', code: CODE }],
    ['CX hash', `CX#${CODE}`, false, { type: 'query', code: CODE }],
    ['CX plus', `CX+${CODE}`, false, { type: 'query', code: CODE }],
    ['CX full-width plus', `CX＋${CODE}`, false, { type: 'query', code: CODE }],
    ['full-width letters, digits, ideographic space', 'ＣＸ　１２３４５６７８９０１２', false, { type: 'query', code: CODE }],
    ['查询 space', `查询 ${CODE}`, false, { type: 'query', code: CODE }],
    ['查询 full-width colon', `查询：${CODE}`, false, { type: 'query', code: CODE }],
    ['查询 no separator', `查询${CODE}`, false, { type: 'query', code: CODE }],
    ['查询 with words around the code', `查询一下我的办件 ${CODE} 谢谢`, false, { type: 'query', code: CODE }],
    ['code typed with spaces', 'CX 1234 5678 9012', false, { type: 'query', code: CODE }],
    ['code typed with dashes', 'CX 1234-5678-9012', false, { type: 'query', code: CODE }],
    ['CX wrong length → best guess', 'CX 12345', false, { type: 'query', code: '12345' }],
    ['CX without code', 'CX', false, { type: 'query', code: '' }],
    ['CX with words only', 'CX 营业执照', false, { type: 'query', code: '营业执照' }],
    ['surrounding spaces and newline', `  \n CX ${CODE} \r\n`, false, { type: 'query', code: CODE }],
    ['zero-width space inside keyword', `C\u200BX ${CODE}`, false, { type: 'query', code: CODE }],
    ['CX reference with letters and a hyphen', 'CX RS2026-0107', false, { type: 'query', code: 'RS2026-0107' }],
    ['cx lower-case reference kept as typed', 'cx rs2026-0107', false, { type: 'query', code: 'rs2026-0107' }],
    ['full-width reference', 'ＣＸ　ＲＳ２０２６－０１０７', false, { type: 'query', code: 'RS2026-0107' }],
    ['reference with an IME dash', 'CX RS2026—0107', false, { type: 'query', code: 'RS2026-0107' }],
    ['查询 reference among words', '查询一下 RS2026-0107 谢谢', false, { type: 'query', code: 'RS2026-0107' }],
    ['reference with a slash', 'CX SC/2026/77', false, { type: 'query', code: 'SC/2026/77' }],
    ['CX department code and reference', 'CX SCJG RS2026-0107', false, { type: 'query', code: 'RS2026-0107', dept: 'SCJG' }],
    ['CX department code and platform code → the code alone', `CX SCJG ${CODE}`, false, { type: 'query', code: CODE }],
    ['DY reference', 'DY RS2026-0107', false, { type: 'subscribe', code: 'RS2026-0107' }],
    ['DY department and reference', 'DY RSJ RS2026-0107', false, { type: 'subscribe', code: 'RS2026-0107', dept: 'RSJ' }],
    ['bidi override inside the keyword is dropped', `C\u202EX ${CODE}`, false, { type: 'query', code: CODE }],
    ['bare code', CODE, false, { type: 'query', code: CODE }],
    ['bare full-width code', '１２３４５６７８９０１２', false, { type: 'query', code: CODE }],
    ['bare code with trailing 。', `${CODE}。`, false, { type: 'query', code: CODE }],
    ['bare code while a survey is pending', CODE, true, { type: 'query', code: CODE }],
    ['bare 11 digits is not a code', '12345678901', false, { type: 'unknown', text: '12345678901' }],
    // Feedback
    ['TS complaint', 'TS 路灯坏了', false, { type: 'feedback', kind: 'complaint', text: '路灯坏了' }],
    ['ts lower, no separator, Chinese follows', 'ts我家门口路灯坏了', false, { type: 'feedback', kind: 'complaint', text: '我家门口路灯坏了' }],
    ['投诉 full-width colon, punctuation kept', '投诉：窗口人员态度差，排队两小时！', false, { type: 'feedback', kind: 'complaint', text: '窗口人员态度差，排队两小时！' }],
    ['Ｔｓ full-width keyword, original text kept', 'Ｔｓ　ＡＢＣ路段积水', false, { type: 'feedback', kind: 'complaint', text: 'ＡＢＣ路段积水' }],
    ['TS with emoji', 'TS 路灯坏了😡😡', false, { type: 'feedback', kind: 'complaint', text: '路灯坏了😡😡' }],
    ['TS with HTML kept literally', 'TS <script>alert(1)</script>', false, { type: 'feedback', kind: 'complaint', text: '<script>alert(1)</script>' }],
    ['TS 5,000 characters', `TS ${long}`, false, { type: 'feedback', kind: 'complaint', text: long }],
    ['TS multi-line', 'TS 第一行\n第二行', false, { type: 'feedback', kind: 'complaint', text: '第一行\n第二行' }],
    ['TS empty', 'TS', false, { type: 'feedback-empty', kind: 'complaint' }],
    ['投诉 with only punctuation', '投诉：。。。', false, { type: 'feedback-empty', kind: 'complaint' }],
    ['TS with only emoji', 'TS 😡', false, { type: 'feedback-empty', kind: 'complaint' }],
    ['TSX is not a complaint', 'TSX', false, { type: 'unknown', text: 'TSX' }],
    ['ZX consultation', 'ZX 营业执照怎么办', false, { type: 'feedback', kind: 'consultation', text: '营业执照怎么办' }],
    ['咨询 hash', '咨询#公积金提取需要什么材料？', false, { type: 'feedback', kind: 'consultation', text: '公积金提取需要什么材料？' }],
    ['JY suggestion', 'jy+增加周末窗口', false, { type: 'feedback', kind: 'suggestion', text: '增加周末窗口' }],
    ['建议 no separator', '建议增加周末窗口', false, { type: 'feedback', kind: 'suggestion', text: '增加周末窗口' }],
    ['建议 empty', '建议', false, { type: 'feedback-empty', kind: 'suggestion' }],
    ['ZX empty with separator', 'ZX：', false, { type: 'feedback-empty', kind: 'consultation' }],
    // Subscribe
    ['DY code', `DY ${CODE}`, false, { type: 'subscribe', code: CODE }],
    ['订阅 full-width', '订阅：１２３４５６７８９０１２', false, { type: 'subscribe', code: CODE }],
    ['DY without code', 'DY', false, { type: 'subscribe', code: '' }],
    // Unsubscribe / opt-out
    ['TD', 'TD', false, { type: 'unsubscribe', code: null }],
    ['td lower', 'td', false, { type: 'unsubscribe', code: null }],
    ['Ｔｄ full-width', 'Ｔｄ', false, { type: 'unsubscribe', code: null }],
    ['退订', '退订', false, { type: 'unsubscribe', code: null }],
    ['取消', '取消', false, { type: 'unsubscribe', code: null }],
    ['STOP', 'STOP', false, { type: 'unsubscribe', code: null }],
    ['stop. with punctuation', 'stop.', false, { type: 'unsubscribe', code: null }],
    ['UNSUBSCRIBE', 'unsubscribe', false, { type: 'unsubscribe', code: null }],
    ['TD one code', `TD ${CODE}`, false, { type: 'unsubscribe', code: CODE }],
    ['TD code without separator', `TD${CODE}`, false, { type: 'unsubscribe', code: CODE }],
    ['退订 code', `退订：${CODE}`, false, { type: 'unsubscribe', code: CODE }],
    ['取消订阅 code', `取消订阅${CODE}`, false, { type: 'unsubscribe', code: CODE }],
    ['TD ALL', 'TD ALL', false, { type: 'unsubscribe', code: null }],
    ['退订全部', '退订全部', false, { type: 'unsubscribe', code: null }],
    ['TD bad code → all (safe reading)', 'TD 12345', false, { type: 'unsubscribe', code: null }],
    ['polite 我要退订', '我要退订', false, { type: 'unsubscribe', code: null }],
    ['polite 请帮我取消订阅', '请帮我取消订阅', false, { type: 'unsubscribe', code: null }],
    ['TDX is not an opt-out', 'TDX', false, { type: 'unknown', text: 'TDX' }],
    ['STOPS is not an opt-out', 'STOPS', false, { type: 'unknown', text: 'STOPS' }],
    // Survey vs opt-out precedence
    ['survey 1', '1', true, { type: 'survey', score: 1 }],
    ['survey 2', '2', true, { type: 'survey', score: 2 }],
    ['survey 3', '3', true, { type: 'survey', score: 3 }],
    ['survey full-width ３', '３', true, { type: 'survey', score: 3 }],
    ['survey circled ①', '①', true, { type: 'survey', score: 1 }],
    ['survey 满意', '满意', true, { type: 'survey', score: 1 }],
    ['survey 基本满意', '基本满意', true, { type: 'survey', score: 2 }],
    ['survey 不满意', '不满意', true, { type: 'survey', score: 3 }],
    ['survey 非常不满意', '非常不满意！', true, { type: 'survey', score: 3 }],
    ['survey 3 with comment', '3 太慢了！', true, { type: 'survey', score: 3, comment: '太慢了！' }],
    ['survey 3不满意 with comment', '3不满意，处理太慢', true, { type: 'survey', score: 3, comment: '处理太慢' }],
    ['survey 1。', '1。', true, { type: 'survey', score: 1 }],
    ['1 without pending survey → unknown', '1', false, { type: 'unknown', text: '1' }],
    ['满意 without pending survey → unknown', '满意', false, { type: 'unknown', text: '满意' }],
    ['1个月 is not a score', '1个月了还没办好', true, { type: 'unknown', text: '1个月了还没办好' }],
    ['TD beats a pending survey', 'TD', true, { type: 'unsubscribe', code: null }],
    ['退订 beats a pending survey', '退订', true, { type: 'unsubscribe', code: null }],
    ['STOP beats a pending survey', 'Stop', true, { type: 'unsubscribe', code: null }],
    ['取消 beats a pending survey', '取消', true, { type: 'unsubscribe', code: null }],
    ['a complaint while a survey is pending', 'TS 还是没修好', true, { type: 'feedback', kind: 'complaint', text: '还是没修好' }],

    // ---- Citizens' own words (issue 8 §3) ----
    // Opt-out only when the whole message is an opt-out word or a clear opt-out phrase.
    ['取消订阅', '取消订阅', false, { type: 'unsubscribe', code: null }],
    ['取消提醒', '取消提醒', false, { type: 'unsubscribe', code: null }],
    ['退订短信', '退订短信', false, { type: 'unsubscribe', code: null }],
    ['请取消短信提醒', '请取消短信提醒', false, { type: 'unsubscribe', code: null }],
    ['退订全部提醒', '退订全部提醒', false, { type: 'unsubscribe', code: null }],
    ['TD，谢谢', 'TD，谢谢', false, { type: 'unsubscribe', code: null }],
    ['td with a code', `td ${CODE}`, false, { type: 'unsubscribe', code: CODE }],
    ['退订 code without separator', `退订${CODE}`, false, { type: 'unsubscribe', code: CODE }],
    ['取消订阅 space code', `取消订阅 ${CODE}`, false, { type: 'unsubscribe', code: CODE }],
    ['N (the usual “回复N退订”)', 'N', false, { type: 'unsubscribe', code: null }],
    ['T (“回T退订”)', 't', false, { type: 'unsubscribe', code: null }],
    ['R (“拒收请回复R”)', 'R', false, { type: 'unsubscribe', code: null }],
    ['不要再给我发短信了', '不要再给我发短信了', false, { type: 'unsubscribe', code: null }],
    ['a consultation starting with 取消 is not an opt-out', '取消营业执照的申请需要什么材料', false, { type: 'request', text: '取消营业执照的申请需要什么材料' }],
    ['取消订阅后… is a question, not an opt-out', '取消订阅后还能重新订阅吗', false, { type: 'request', text: '取消订阅后还能重新订阅吗' }],
    ['取消预约怎么操作 (short, not an opt-out)', '取消预约怎么操作', false, { type: 'unknown', text: '取消预约怎么操作' }],
    ['取消了吗 is not an opt-out', '取消了吗', false, { type: 'unknown', text: '取消了吗' }],
    ['TD followed by a sentence is not an opt-out', 'TD是什么意思', false, { type: 'unknown', text: 'TD是什么意思' }],
    ['R2026 is not an opt-out', 'R2026', false, { type: 'unknown', text: 'R2026' }],
    // Natural prefixes: complaint, consultation, suggestion, report.
    ['我要投诉：…', '我要投诉：小区门口的垃圾三天没人清理', false, { type: 'feedback', kind: 'complaint', text: '小区门口的垃圾三天没人清理' }],
    ['我要投诉 with ASCII colon', '我要投诉:楼下餐馆油烟扰民', false, { type: 'feedback', kind: 'complaint', text: '楼下餐馆油烟扰民' }],
    ['投诉 space 噪音', '投诉 噪音', false, { type: 'feedback', kind: 'complaint', text: '噪音' }],
    ['我想投诉，…', '我想投诉，公交车不按站停靠', false, { type: 'feedback', kind: 'complaint', text: '公交车不按站停靠' }],
    ['投诉一下 …', '投诉一下，窗口中午没人', false, { type: 'feedback', kind: 'complaint', text: '窗口中午没人' }],
    ['您好，我要投诉…', '您好，我要投诉，办证窗口工作人员态度很差', false, { type: 'feedback', kind: 'complaint', text: '办证窗口工作人员态度很差' }],
    ['我要反映 …', '我要反映一个问题：小区电梯经常坏', false, { type: 'feedback', kind: 'complaint', text: '一个问题：小区电梯经常坏' }],
    ['反映 …', '反映：路口红绿灯不亮', false, { type: 'feedback', kind: 'complaint', text: '路口红绿灯不亮' }],
    ['我要投诉 alone', '我要投诉', false, { type: 'feedback-empty', kind: 'complaint' }],
    ['我想咨询一下…', '我想咨询一下社保卡补办要带什么', false, { type: 'feedback', kind: 'consultation', text: '社保卡补办要带什么' }],
    ['我想咨询，…', '我想咨询，公积金怎么提取', false, { type: 'feedback', kind: 'consultation', text: '公积金怎么提取' }],
    ['请问 …', '请问新生儿医保在哪里办？', false, { type: 'feedback', kind: 'consultation', text: '新生儿医保在哪里办？' }],
    ['你好，请问…', '你好，请问居住证续签要带什么', false, { type: 'feedback', kind: 'consultation', text: '居住证续签要带什么' }],
    ['我想咨询 alone', '我想咨询', false, { type: 'feedback-empty', kind: 'consultation' }],
    ['我有个建议，…', '我有个建议，周末也开放办事大厅', false, { type: 'feedback', kind: 'suggestion', text: '周末也开放办事大厅' }],
    ['我建议 …', '我建议公交站加装遮雨棚', false, { type: 'feedback', kind: 'suggestion', text: '公交站加装遮雨棚' }],
    ['建议：…', '建议：增加夜间门诊', false, { type: 'feedback', kind: 'suggestion', text: '增加夜间门诊' }],
    ['我有个建议 alone', '我有个建议', false, { type: 'feedback-empty', kind: 'suggestion' }],
    ['举报 space …', '举报 无证经营', false, { type: 'feedback', kind: 'report', text: '无证经营' }],
    ['我要举报，…', '我要举报，有人在小区里无证经营', false, { type: 'feedback', kind: 'report', text: '有人在小区里无证经营' }],
    ['举报：… (full-width colon)', '举报：某饭店使用过期食材', false, { type: 'feedback', kind: 'report', text: '某饭店使用过期食材' }],
    ['举报 alone', '举报', false, { type: 'feedback-empty', kind: 'report' }],
    // No keyword: long enough → a request (诉求) for staff to classify; short → help.
    ['10 Chinese characters → request', '小区路灯坏了好几天了', false, { type: 'request', text: '小区路灯坏了好几天了' }],
    ['9 Chinese characters → unknown (help)', '路灯坏了好几天了吧', false, { type: 'unknown', text: '路灯坏了好几天了吧' }],
    ['a request with punctuation and emoji', '楼下烧烤店油烟太大了，每天晚上😡😡', false, { type: 'request', text: '楼下烧烤店油烟太大了，每天晚上😡😡' }],
    ['emoji only → unknown', '👍👍👍', false, { type: 'unknown', text: '👍👍👍' }],
    ['你好 → unknown', '你好', false, { type: 'unknown', text: '你好' }],
    ['谢谢 → unknown', '谢谢！', false, { type: 'unknown', text: '谢谢！' }],
    ['short English → unknown', 'hello', false, { type: 'unknown', text: 'hello' }],
    ['long English → request', 'The street light outside my building has been broken for a week', false, { type: 'request', text: 'The street light outside my building has been broken for a week' }],
    ['a request keeps the original text', '  我家楼上每天半夜装修，吵得睡不着！\n', false, { type: 'request', text: '我家楼上每天半夜装修，吵得睡不着！' }],
    ['a pending survey does not swallow a request', '我家楼上每天半夜装修吵得睡不着', true, { type: 'request', text: '我家楼上每天半夜装修吵得睡不着' }],
    // A code inside a short sentence is a query.
    ['code inside a short question', `我的办件${CODE}办好了吗`, false, { type: 'query', code: CODE }],
    ['CX 13 digits → best guess (the handler says the format is wrong)', 'CX 1234567890123', false, { type: 'query', code: '1234567890123' }],
    ['CX 11 digits', 'CX 12345678901', false, { type: 'query', code: '12345678901' }],
    // Help / unknown / empty
    ['BZ', 'BZ', false, { type: 'help' }],
    ['帮助', '帮助', false, { type: 'help' }],
    ['HELP', 'help', false, { type: 'help' }],
    ['help me', 'help me', false, { type: 'help' }],
    ['?', '?', false, { type: 'help' }],
    ['full-width ？', '？', false, { type: 'help' }],
    ['help while a survey is pending', '帮助', true, { type: 'help' }],
    ['unknown Chinese', '你好', false, { type: 'unknown', text: '你好' }],
    ['unknown emoji only', '👍', false, { type: 'unknown', text: '👍' }],
    ['unknown HTML', '<b>hi</b>', false, { type: 'unknown', text: '<b>hi</b>' }],
    ['5,000 characters without a keyword → a request', long, false, { type: 'request', text: long }],
    ['empty string', '', false, { type: 'empty' }],
    ['spaces only', '   　 ', false, { type: 'empty' }],
    ['punctuation only', '。。。', false, { type: 'empty' }],
    ['zero-width only', '\u200B\uFEFF', false, { type: 'empty' }],
  ];
  it('has at least 150 rows', () => expect(rows.length).toBeGreaterThanOrEqual(150));
  it.each(rows)('%s', (_label, text, surveyPending, expected) => {
    expect(parseCommand(text, { codePattern, surveyPending })).toEqual(expected);
  });

  it('a global/sticky code pattern does not make parsing stateful', () => {
    const g = /\d{12}/g;
    for (let i = 0; i < 3; i++) expect(parseCommand(`CX ${CODE}`, { codePattern: g, surveyPending: false })).toEqual({ type: 'query', code: CODE });
  });

  it('non-string input is treated as empty', () => {
    expect(parseCommand(undefined as unknown as string, { codePattern, surveyPending: false })).toEqual({ type: 'empty' });
  });

  it('parses 5,000-character messages fast', () => {
    const t0 = performance.now();
    for (let i = 0; i < 50; i++) parseCommand(`TS ${long}`, { codePattern, surveyPending: true });
    expect(performance.now() - t0).toBeLessThan(1500);
  });
});

describe('normalise', () => {
  it.each([
    ['ＣＸ　１２３', 'CX 123'],
    ['  a \t\n b  ', 'a b'],
    ['查询：１２３＃', '查询:123#'],
    ['①②③', '123'],
    ['ｶﾀｶﾅ', 'カタカナ'],
    ['a\u200Bb\uFEFF', 'ab'],
    ['中文，标点。', '中文,标点。'],
    ['', ''],
  ])('%j → %j', (input, out) => {
    expect(normalise(input)).toBe(out);
  });
});
