/** The default flow ivr-flows/main.yaml: it passes the check and the main paths sound as specified. */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { withCheckDigit } from '../../../src/domain/query-code.js';
import { FlowEngine } from '../../../src/voice/flow/engine.js';
import { checkFlows } from '../../../src/voice/flow-files.js';
import { READING_PROMPTS } from '../../../src/voice/flow/zh-reading.js';
import { FlowDriver } from './driver.js';

const DIR = join(import.meta.dirname, '../../../ivr-flows');
const CODE = withCheckDigit('20261126001');
const BAD = CODE.slice(0, 11) + String((Number(CODE[11]) + 3) % 10);
const checked = checkFlows(DIR);
const engine = new FlowEngine({ flows: checked.flows });

const typing = (n: number, ms: number, first: 'stop' | 'cancel'): string[] =>
  [first, `timer ${ms}`, ...Array.from({ length: n - 1 }, () => ['cancel', `timer ${ms}`]).flat()];
const TYPED_CODE = [...typing(11, 5000, 'stop'), 'cancel', `effect lookup ${CODE}`, 'timer 15000'];
const FOUND = JSON.stringify({
  status: 'found',
  vars: { item: '食品经营许可证核发', dept: '市市场监督管理局', statusLabel: '办理中', lastStepDate: '2026-11-20', dueDate: '2026-12-08', overdue: false },
});
const STATUS_READ = 'play status_intro status_item tts:食品经营许可证核发 status_dept tts:市市场监督管理局 status_current tts:办理中 status_last_step date:2026-11-20';

describe('ivr-flows/main.yaml', () => {
  it('passes hotline flow check with no errors and no warnings', () => {
    expect(checked.errors).toEqual([]);
    expect(checked.warnings).toEqual([]);
    expect(checked.ok).toBe(true);
    expect(Object.keys(checked.flows)).toEqual(['callback', 'main']);
    expect(checked.report).toMatch(/flow check ok: 2 flow/);
  });

  it('the prompt catalogue has every reading prompt with the expected text', () => {
    for (const [name, text] of Object.entries(READING_PROMPTS)) expect(checked.catalogue?.prompts[name], name).toBe(text);
  });

  type Script = Array<[string, string[]]>;
  const cases: Array<{ label: string; now?: string; caller?: string; script: Script }> = [
    { label: '1 办事查询: code, status read back, subscribe, back to the main menu', script: [
      ['start', ['play welcome']], ['done', ['play main_menu']], ['press 1', ['stop', 'play enter_query_code']],
      [`press ${CODE}`, TYPED_CODE], ['press #', []],
      [`effect ${FOUND}`, ['cancel', STATUS_READ]],
      ['done', ['play status_due date:2026-12-08']], ['done', ['play status_menu']],
      ['press 1', ['stop', `effect subscribe ${CODE}`, 'timer 15000']], ['effect {"status":"ok"}', ['cancel', 'play subscribe_ok']],
      ['done', ['play after_subscribe_menu']], ['press 0', ['stop', 'play main_menu']],
    ] },
    { label: '1 办事查询: overdue and no due date; 2 hears it again; key during the read-back goes to the menu', script: [
      ['start', ['play welcome']], ['press 1', ['stop', 'play enter_query_code']], [`press ${CODE}`, TYPED_CODE],
      ['effect {"status":"found","vars":{"item":"A","dept":"B","statusLabel":"C","lastStepDate":"2026-11-20T08:00:00Z","dueDate":"","overdue":true}}',
        ['cancel', 'play status_intro status_item tts:A status_dept tts:B status_current tts:C status_last_step date:2026-11-20T08:00:00Z']],
      ['done', ['play status_overdue']], ['done', ['play status_menu']],
      ['press 2', ['stop', 'play status_intro status_item tts:A status_dept tts:B status_current tts:C status_last_step date:2026-11-20T08:00:00Z']],
      ['press 0', ['stop', 'play main_menu']], // typed ahead during the read-back: taken by the status menu
    ] },
    { label: '1 办事查询: bad check digit refused without lookup, unknown codes limited', script: [
      ['start', ['play welcome']], ['press 1', ['stop', 'play enter_query_code']],
      [`press ${BAD}`, [...typing(11, 5000, 'stop'), 'cancel', 'play code_check_failed enter_query_code']],
      [`press ${CODE}`, TYPED_CODE], ['effect {"status":"notFound"}', ['cancel', 'play code_not_found']], ['done', ['play enter_query_code']],
      [`press ${CODE}`, TYPED_CODE], ['effect {"status":"notFound"}', ['cancel', 'play code_not_found']], ['done', ['play enter_query_code']],
      [`press ${CODE}`, TYPED_CODE], ['effect {"status":"notFound"}', ['cancel', 'play lookup_limit']], ['done', ['hangup normal']],
    ] },
    { label: '2 投诉: record after the beep, listen, submit, reference read back twice', script: [
      ['start', ['play welcome']], ['press 2', ['stop', 'play record_instructions']],
      ['done', ['record voice-c1-3 180s silence=8 beep #', 'timer 190000']], ['recorded 25', ['cancel', 'play review_menu']],
      ['press 1', ['stop', 'play rec:voice-c1-3']], ['done', ['play review_menu']],
      ['press 3', ['stop', 'effect submitFeedback complaint voice-c1-3 25s', 'timer 20000']],
      ['effect {"status":"ok","ref":"2026112600042"}', ['cancel', 'play feedback_received digits:2026112600042 ref_repeat digits:2026112600042 sms_confirm_note']],
      ['done', ['play goodbye']], ['done', ['hangup normal']],
    ] },
    { label: '2 投诉: # (or any key) during the instructions goes straight to the beep; 2 re-records the same way', script: [
      ['start', ['play welcome']], ['press 2', ['stop', 'play record_instructions']],
      ['press #', ['stop', 'record voice-c1-3 180s silence=8 beep #', 'timer 190000']], ['recorded 9', ['cancel', 'play review_menu']],
      ['press 2', ['stop', 'play record_instructions']], ['press 5', ['stop', 'record voice-c1-7 180s silence=8 beep #', 'timer 190000']],
    ] },
    { label: 'announcements a caller may skip: a key during 未查到 is the first digit of the next code', script: [
      ['start', ['play welcome']], ['press 1', ['stop', 'play enter_query_code']],
      [`press ${CODE}`, TYPED_CODE], ['effect {"status":"notFound"}', ['cancel', 'play code_not_found']],
      ['press 2', ['stop', 'timer 5000']],
    ] },
    { label: '3 咨询建议: hanging up after speaking still submits the message', script: [
      ['start', ['play welcome']], ['done', ['play main_menu']], ['press 3', ['stop', 'play record_instructions']],
      ['done', ['record voice-c1-4 180s silence=8 beep #', 'timer 190000']], ['hangup', ['cancel']],
      ['recorded 41', ['effect submitFeedback consultation voice-c1-4 41s onHangup']],
    ] },
    { label: '0 人工 in office hours: queue, no operator → leave a message', now: '2026-11-26T10:00:00+08:00', script: [
      ['start', ['play welcome']], ['press 0', ['stop', 'play transferring']], ['done', ['effect queue normal']],
      ['effect {"status":"noOperator"}', ['play operator_busy']], ['press 1', ['stop', 'play record_instructions']],
    ] },
    { label: '0 人工: 按1预约回拨 in the queue → told, hung up', now: '2026-11-26T10:00:00+08:00', script: [
      ['start', ['play welcome']], ['press 0', ['stop', 'play transferring']], ['done', ['effect queue normal']],
      ['effect {"status":"callback"}', ['play queue_callback_booked']],
    ] },
    { label: '0 人工: 按2留言 in the queue → the recorded message', now: '2026-11-26T10:00:00+08:00', script: [
      ['start', ['play welcome']], ['press 0', ['stop', 'play transferring']], ['done', ['effect queue normal']],
      ['effect {"status":"message"}', ['play record_instructions']],
    ] },
    { label: '0 人工 at night: offered to leave a recording', now: '2026-11-26T21:00:00+08:00', script: [
      ['start', ['play welcome']], ['press 0', ['stop', 'play operator_closed']], ['press 0', ['stop', 'play main_menu']],
    ] },
    { label: 'silence: the main menu re-prompts twice, then a polite goodbye', script: [
      ['start', ['play welcome']], ['done', ['play main_menu']], ['done', ['timer 6000']],
      ['tick', ['play no_input main_menu']], ['done', ['timer 6000']], ['tick', ['play no_input main_menu']], ['done', ['timer 6000']],
      ['tick', ['play goodbye_retries']], ['done', ['hangup normal']],
    ] },
    { label: 'invalid keys: 9, 8, 7 → goodbye', script: [
      ['start', ['play welcome']], ['done', ['play main_menu']], ['press 9', ['stop', 'play invalid_choice main_menu']],
      ['press 8', ['stop', 'play invalid_choice main_menu']], ['press 7', ['stop', 'play goodbye_retries']],
    ] },
  ];

  it.each(cases)('$label', (c) => {
    const d = new FlowDriver(engine, { now: c.now ? Date.parse(c.now) : undefined });
    expect(c.script.map(([step]) => [step, d.run(step)])).toEqual(c.script);
  });

  it('queue answered: after the conversation the call ends quietly', () => {
    const d = new FlowDriver(engine, { now: Date.parse('2026-11-26T14:00:00+08:00') });
    expect(d.script(['start', 'press 0', 'done', 'effect {"status":"answered"}'])).toEqual([
      ['play welcome'], ['stop', 'play transferring'], ['effect queue normal'], ['hangup normal'],
    ]);
    expect(d.state?.outcomes).toEqual(['transferred']);
  });
});
