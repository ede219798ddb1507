import { describe, expect, it } from 'vitest';
import { withCheckDigit } from '../../../src/domain/query-code.js';
import { WorkingCalendar } from '../../../src/domain/calendar.js';
import { FlowDriver, engineFromYaml } from './driver.js';

const VALID = withCheckDigit('12345678901'); // 123456789010
const BAD = VALID.slice(0, 11) + String((Number(VALID[11]) + 1) % 10); // wrong check digit

// ───────────────────────────── fixture flows ─────────────────────────────

const MENU = `
start: m
nodes:
  m:
    verb: menu
    prompt: [menu_p]
    options: {'1': one, '2': again}
    repeat: '*'
    timeoutMs: 5000
    maxRetries: 2
    invalid: [bad]
    noInput: [silence]
    onFailure: bye
  one: {verb: hangup, prompt: [p_one]}
  again: {verb: goto, target: m}
  bye: {verb: hangup, prompt: [bye], reason: normal}
`;

const GATHER = `
start: g
nodes:
  g:
    verb: gather
    prompt: [enter]
    maxDigits: 12
    firstDigitTimeoutMs: 8000
    interDigitTimeoutMs: 3000
    validate: query-code
    into: code
    attempts: 3
    invalid: [bad]
    badCheckDigit: [badcheck]
    noInput: [silence]
    next: ok
    onFailure: bye
  ok: {verb: play, items: [got, {digits: '{code}'}], next: end}
  end: {verb: hangup}
  bye: {verb: hangup, prompt: [bye]}
`;

const GATHER_PIN = `
start: g
nodes:
  g:
    verb: gather
    prompt: [enter]
    maxDigits: 6
    minDigits: 4
    clearKey: '*'
    firstDigitTimeoutMs: 8000
    interDigitTimeoutMs: 3000
    validate: {pattern: '^[1-9][0-9]*$'}
    into: pin
    attempts: 2
    invalid: [bad]
    next: ok
    onFailure: bye
  ok: {verb: play, items: [got, {number: '{pin}'}], next: end}
  end: {verb: hangup}
  bye: {verb: hangup, prompt: [bye]}
`;

const GATHER_MENU = `
start: g
nodes:
  g: {verb: gather, prompt: [enter], maxDigits: 4, interDigitTimeoutMs: 3000, into: x, next: m, onFailure: bye}
  m:
    verb: menu
    prompt: [menu_p]
    options: {'#': hash, '1': one}
    onFailure: bye
  hash: {verb: hangup, prompt: [p_hash]}
  one: {verb: hangup, prompt: [p_one]}
  bye: {verb: hangup, prompt: [bye]}
`;

const LOOKUP = `
start: g
nodes:
  g:
    verb: gather
    prompt: [enter]
    maxDigits: 12
    validate: query-code
    into: code
    attempts: 5
    next: lk
    onFailure: bye
  lk:
    verb: lookup
    kind: declaration
    input: code
    results: [item, dueDate]
    maxNotFound: 2
    timeoutMs: 10000
    found: f
    notFound: nf
    limit: lim
    error: err
  f: {verb: play, items: [found, {tts: '{item}'}, {date: '{dueDate}'}], next: end}
  nf: {verb: play, items: [notfound], next: g}
  lim: {verb: hangup, prompt: [limit]}
  err: {verb: hangup, prompt: [busy]}
  end: {verb: hangup}
  bye: {verb: hangup, prompt: [bye]}
`;

const RECORD = `
start: r
nodes:
  r:
    verb: record
    prompt: [rec_p]
    name: voice
    maxDurationSeconds: 60
    maxSilenceSeconds: 5
    minDurationSeconds: 2
    attempts: 2
    tooShort: [short]
    feedbackKind: complaint
    next: review
    noRecording: bye
    onFailure: fail
  review:
    verb: menu
    prompt: [review_p]
    options: {'1': listen, '2': r, '3': submit}
    timeoutMs: 5000
    maxRetries: 0
    onFailure: submit
  listen: {verb: play, items: [{recording: '{lastRecording}'}], next: review}
  submit: {verb: submitFeedback, kind: complaint, next: ok, onFailure: fail}
  ok: {verb: play, items: [got, {digits: '{ref}'}], next: end}
  end: {verb: hangup}
  bye: {verb: hangup, prompt: [bye]}
  fail: {verb: hangup, prompt: [sorry]}
`;

const EFFECTS = `
start: m
nodes:
  m:
    verb: menu
    prompt: [menu_p]
    options: {'1': sub, '2': xfer}
    onFailure: bye
  sub: {verb: subscribe, input: code, ok: sub_ok, fail: sub_fail}
  sub_ok: {verb: hangup, prompt: [subscribed]}
  sub_fail: {verb: hangup, prompt: [not_subscribed]}
  xfer: {verb: transfer, endpoint: 'PJSIP/operator', ringTimeoutMs: 20000, answered: end, noAnswer: busy}
  busy: {verb: hangup, prompt: [busy]}
  end: {verb: hangup}
  bye: {verb: hangup, prompt: [bye]}
`;

const BRANCH = `
start: hours
nodes:
  hours:
    verb: branch
    officeHours:
      hours: ['08:30-12:00', '13:30-17:30']
      weekly: {fri: ['08:30-12:00']}
    open: open
    closed: closed
  open: {verb: hangup, prompt: [open]}
  closed: {verb: set, vars: {kind: '{caller}-closed'}, next: which}
  which:
    verb: branch
    var: kind
    cases: {'13800138000-closed': known}
    default: unknown
  known: {verb: hangup, prompt: [known, {tts: '{kind}'}]}
  unknown: {verb: hangup, prompt: [unknown]}
`;

const TYPEAHEAD = `
start: w
nodes:
  w: {verb: play, items: [welcome], bargeIn: true, next: info}
  info: {verb: play, items: [info], bargeIn: true, next: m}
  m:
    verb: menu
    prompt: [menu_p]
    options: {'1': one}
    onFailure: bye
  one: {verb: gather, prompt: [enter], maxDigits: 4, into: x, next: got, onFailure: bye}
  got: {verb: hangup, prompt: [{digits: '{x}'}]}
  bye: {verb: hangup, prompt: [bye]}
`;

// ───────────────────────────── the table ─────────────────────────────

type Script = Array<[step: string, expected: string[]]>;
interface Case {
  label: string;
  flow: string;
  script: Script;
  now?: string;
  calendar?: { holidays: string[]; workdays: string[] };
  vars?: Record<string, string>;
}

const pressEach = (digits: string, each: string[]): Script => Array.from(digits, (d) => [`press ${d}`, each]);
/** Actions for n digits typed without finishing: the first stops the prompt (or cancels the first-digit timer). */
const typing = (n: number, ms: number, first: 'stop' | 'cancel'): string[] =>
  [first, `timer ${ms}`, ...Array.from({ length: n - 1 }, () => ['cancel', `timer ${ms}`]).flat()];
/** Typing a whole valid code into LOOKUP's gather during its prompt: ends in the lookup effect. */
const LOOKUP_TYPED = [...typing(11, 4000, 'stop'), 'cancel', `effect lookup ${VALID}`, 'timer 10000'];

const cases: Case[] = [
  // menu
  { label: 'menu: key after the prompt', flow: MENU, script: [
    ['start', ['play menu_p']], ['done', ['timer 5000']], ['press 1', ['cancel', 'play p_one']], ['done', ['hangup normal']],
  ] },
  { label: 'menu: barge-in stops the prompt and takes the key', flow: MENU, script: [
    ['start', ['play menu_p']], ['press 1', ['stop', 'play p_one']],
  ] },
  { label: 'menu: invalid key re-prompts with the invalid prompt', flow: MENU, script: [
    ['start', ['play menu_p']], ['done', ['timer 5000']], ['press 9', ['cancel', 'play bad menu_p']], ['press 1', ['stop', 'play p_one']],
  ] },
  { label: 'menu: timeouts re-prompt up to maxRetries, then onFailure', flow: MENU, script: [
    ['start', ['play menu_p']], ['done', ['timer 5000']],
    ['tick', ['play silence menu_p']], ['done', ['timer 5000']],
    ['tick', ['play silence menu_p']], ['done', ['timer 5000']],
    ['tick', ['play bye']], ['done', ['hangup normal']],
  ] },
  { label: 'menu: invalid keys and timeouts count together', flow: MENU, script: [
    ['start', ['play menu_p']], ['press 7', ['stop', 'play bad menu_p']], ['done', ['timer 5000']],
    ['tick', ['play silence menu_p']], ['press #', ['stop', 'play bye']],
  ] },
  { label: 'menu: repeat key replays and does not count', flow: MENU, script: [
    ['start', ['play menu_p']], ['press *', ['stop', 'play menu_p']], ['press *', ['stop', 'play menu_p']], ['press *', ['stop', 'play menu_p']],
    ['press 9', ['stop', 'play bad menu_p']], ['press 9', ['stop', 'play bad menu_p']], ['press 9', ['stop', 'play bye']],
  ] },
  { label: 'menu: option leading back to the menu resets its retries', flow: MENU, script: [
    ['start', ['play menu_p']], ['press 9', ['stop', 'play bad menu_p']], ['press 9', ['stop', 'play bad menu_p']],
    ['press 2', ['stop', 'play menu_p']], ['press 9', ['stop', 'play bad menu_p']], ['press 1', ['stop', 'play p_one']],
  ] },
  { label: 'menu: failed playback (missing sound) still starts the key timer', flow: MENU, script: [
    ['start', ['play menu_p']], ['failed', ['timer 5000']],
  ] },

  // gather: the DTMF timing contract
  { label: 'gather: 12 digits finish at maxDigits; the # typed after is swallowed', flow: GATHER, script: [
    ['start', ['play enter']], ['done', ['timer 8000']],
    ...pressEach(VALID.slice(0, 11), ['cancel', 'timer 3000']),
    [`press ${VALID[11]}`, ['cancel', `play got digits:${VALID}`]],
    ['press #', []],
    ['done', ['hangup normal']],
  ] },
  { label: 'gather: a slow typist is never cut off (only inter-digit timers, no overall limit)', flow: GATHER, script: [
    ['start', ['play enter']], ['done', ['timer 8000']],
    ...Array.from(VALID.slice(0, 11)).flatMap((d): Script => [['wait 2900', []], [`press ${d}`, ['cancel', 'timer 3000']]]),
    ['wait 2900', []], [`press ${VALID[11]}`, ['cancel', `play got digits:${VALID}`]],
  ] },
  { label: 'gather: digits during the prompt stop it and count (barge-in)', flow: GATHER, script: [
    ['start', ['play enter']], ['press 1', ['stop', 'timer 3000']], ['press 2', ['cancel', 'timer 3000']],
  ] },
  { label: 'gather: first-digit timeout re-prompts with noInput, attempts then onFailure', flow: GATHER, script: [
    ['start', ['play enter']], ['done', ['timer 8000']],
    ['tick', ['play silence enter']], ['done', ['timer 8000']],
    ['tick', ['play silence enter']], ['done', ['timer 8000']],
    ['tick', ['play bye']], ['done', ['hangup normal']],
  ] },
  { label: 'gather: inter-digit timeout ends the entry (too short → invalid)', flow: GATHER, script: [
    ['start', ['play enter']], ['done', ['timer 8000']], ['press 12345', typing(5, 3000, 'cancel')],
    ['tick', ['play bad enter']],
  ] },
  { label: 'gather: # finishes early (a short entry is refused, not looked up)', flow: GATHER, script: [
    ['start', ['play enter']], ['done', ['timer 8000']], ['press 123#', [...typing(3, 3000, 'cancel'), 'cancel', 'play bad enter']],
  ] },
  { label: 'gather: a bad check digit is refused at once with its own prompt', flow: GATHER, script: [
    ['start', ['play enter']], [`press ${BAD.slice(0, 11)}`, typing(11, 3000, 'stop')],
    [`press ${BAD[11]}`, ['cancel', 'play badcheck enter']],
  ] },
  { label: 'gather: * and letters are invalid input', flow: GATHER, script: [
    ['start', ['play enter']], ['done', ['timer 8000']], ['press 12*', [...typing(2, 3000, 'cancel'), 'cancel', 'play bad enter']],
    ['press A', ['stop', 'play bad enter']], ['press x', ['stop', 'play bye']],
  ] },
  { label: 'gather: # alone is an empty entry: ignored (the prompt goes on), never counted as an attempt', flow: GATHER, script: [
    ['start', ['play enter']], ['press #', []], ['press #', []], ['done', ['timer 8000']], ['press #', []], ['press #', []],
    ...pressEach(VALID.slice(0, 11), ['cancel', 'timer 3000']),
    [`press ${VALID[11]}`, ['cancel', `play got digits:${VALID}`]],
  ] },
  { label: 'gather: empty entries do not use up attempts; only timeouts and real entries do', flow: GATHER, script: [
    ['start', ['play enter']], ['done', ['timer 8000']],
    ['tick', ['play silence enter']], ['press #', []], ['done', ['timer 8000']],
    ['tick', ['play silence enter']], ['press #', []], ['press #', []], ['done', ['timer 8000']],
    ['tick', ['play bye']],
  ] },
  { label: 'gather: a wrong check digit at the 12th key — the # that follows belongs to that entry: the error plays whole, one attempt used', flow: GATHER, script: [
    ['start', ['play enter']], ['done', ['timer 8000']],
    ...pressEach(BAD.slice(0, 11), ['cancel', 'timer 3000']),
    [`press ${BAD[11]}`, ['cancel', 'play badcheck enter']],
    ['press #', []],
    ['done', ['timer 8000']],
    [`press ${BAD}`, [...typing(11, 3000, 'cancel'), 'cancel', 'play badcheck enter']],
    ['press #', []],
    [`press ${VALID}`, [...typing(11, 3000, 'stop'), 'cancel', `play got digits:${VALID}`]],
  ] },
  { label: 'gather: a # pressed twice after a wrong 12th digit still neither cuts the error nor costs an attempt', flow: GATHER, script: [
    ['start', ['play enter']], [`press ${BAD}`, [...typing(11, 3000, 'stop'), 'cancel', 'play badcheck enter']],
    ['press #', []], ['press #', []], ['done', ['timer 8000']],
    [`press ${BAD}`, [...typing(11, 3000, 'cancel'), 'cancel', 'play badcheck enter']],
    [`press ${BAD}`, [...typing(11, 3000, 'stop'), 'cancel', 'play bye']],
  ] },
  { label: 'gather: the swallowed # belongs to the entry only right after it (a menu may use # later)', flow: GATHER_MENU, script: [
    ['start', ['play enter']], ['press 1234', [...typing(3, 3000, 'stop'), 'cancel', 'play menu_p']],
    ['press #', []], ['press #', ['stop', 'play p_hash']],
  ] },
  { label: 'gather: a # long after a fixed-length entry is a key of its own', flow: GATHER_MENU, script: [
    ['start', ['play enter']], ['press 1234', [...typing(3, 3000, 'stop'), 'cancel', 'play menu_p']],
    ['wait 3500', []], ['press #', ['stop', 'play p_hash']],
  ] },
  { label: 'gather: clear key erases, minDigits and a pattern validate', flow: GATHER_PIN, script: [
    ['start', ['play enter']], ['press 12*', ['stop', 'timer 3000', 'cancel', 'timer 3000', 'cancel', 'timer 8000']],
    ['press 042#', ['cancel', 'timer 3000', 'cancel', 'timer 3000', 'cancel', 'timer 3000', 'cancel', 'play bad enter']],
    ['press 2026#', ['stop', 'timer 3000', 'cancel', 'timer 3000', 'cancel', 'timer 3000', 'cancel', 'timer 3000', 'cancel', 'play got number:2026']],
  ] },

  // lookup
  { label: 'lookup: found → result variables read back', flow: LOOKUP, script: [
    ['start', ['play enter']], [`press ${VALID}`, LOOKUP_TYPED],
    ['effect {"status":"found","vars":{"item":"食品经营许可","dueDate":"2026-12-08"}}', ['cancel', 'play found tts:食品经营许可 date:2026-12-08']],
  ] },
  { label: 'lookup: guessing limit — the N-th unknown code ends lookups', flow: LOOKUP, script: [
    ['start', ['play enter']], [`press ${VALID}`, LOOKUP_TYPED],
    ['effect {"status":"notFound"}', ['cancel', 'play notfound']], ['done', ['play enter']],
    [`press ${VALID}`, LOOKUP_TYPED],
    ['effect {"status":"notFound"}', ['cancel', 'play limit']], ['done', ['hangup normal']],
  ] },
  { label: 'lookup: adapter-wide limit and errors', flow: LOOKUP, script: [
    ['start', ['play enter']], [`press ${VALID}`, LOOKUP_TYPED],
    ['effect {"status":"limited"}', ['cancel', 'play limit']],
  ] },
  { label: 'lookup: no answer within the watchdog → error target', flow: LOOKUP, script: [
    ['start', ['play enter']], [`press ${VALID}`, LOOKUP_TYPED],
    ['tick', ['play busy']],
  ] },

  // record
  { label: 'record: prompt, beep, record, review, listen, submit, reference read back', flow: RECORD, script: [
    ['start', ['play rec_p']], ['done', ['record voice-c1-2 60s silence=5 beep #', 'timer 70000']],
    ['recorded 12', ['cancel', 'play review_p']], ['press 1', ['stop', 'play rec:voice-c1-2']], ['done', ['play review_p']],
    ['press 3', ['stop', 'effect submitFeedback complaint voice-c1-2 12s', 'timer 20000']],
    ['effect {"status":"ok","ref":"TS20261126001"}', ['cancel', 'play got digits:TS20261126001']], ['done', ['hangup normal']],
  ] },
  { label: 'record: # during the recording stops it (fallback to terminateOn)', flow: RECORD, script: [
    ['start', ['play rec_p']], ['press 5', []], ['done', ['record voice-c1-2 60s silence=5 beep #', 'timer 70000']],
    ['press 3', []], ['press #', ['stopRecording voice-c1-2']],
  ] },
  { label: 'record: too short → try again, then noRecording', flow: RECORD, script: [
    ['start', ['play rec_p']], ['done', ['record voice-c1-2 60s silence=5 beep #', 'timer 70000']],
    ['recorded 1', ['cancel', 'play short rec_p']], ['done', ['record voice-c1-5 60s silence=5 beep #', 'timer 70000']],
    ['recorded 0', ['cancel', 'play bye']],
  ] },
  { label: 'record: a failed recording gets an apology, not silence', flow: RECORD, script: [
    ['start', ['play rec_p']], ['done', ['record voice-c1-2 60s silence=5 beep #', 'timer 70000']], ['recfail', ['cancel', 'play sorry']],
  ] },
  { label: 'record: watchdog stops a recording Asterisk never ended', flow: RECORD, script: [
    ['start', ['play rec_p']], ['done', ['record voice-c1-2 60s silence=5 beep #', 'timer 70000']],
    ['tick', ['stopRecording voice-c1-2', 'timer 5000']], ['tick', ['play sorry']],
  ] },
  { label: 'record: record again replaces the message; review timeout submits', flow: RECORD, script: [
    ['start', ['play rec_p']], ['done', ['record voice-c1-2 60s silence=5 beep #', 'timer 70000']],
    ['recorded 9', ['cancel', 'play review_p']], ['press 2', ['stop', 'play rec_p']],
    ['done', ['record voice-c1-6 60s silence=5 beep #', 'timer 70000']], ['recorded 20', ['cancel', 'play review_p']],
    ['done', ['timer 5000']], ['tick', ['effect submitFeedback complaint voice-c1-6 20s', 'timer 20000']],
    ['effect {"status":"error"}', ['cancel', 'play sorry']],
  ] },

  // subscribe / transfer
  { label: 'subscribe: ok', flow: EFFECTS, vars: { code: VALID }, script: [
    ['start', ['play menu_p']], ['press 1', ['stop', 'effect subscribe 123456789010', 'timer 15000']],
    ['effect {"status":"ok"}', ['cancel', 'play subscribed']],
  ] },
  { label: 'subscribe: fail (landline)', flow: EFFECTS, vars: { code: VALID }, script: [
    ['start', ['play menu_p']], ['press 1', ['stop', 'effect subscribe 123456789010', 'timer 15000']],
    ['effect {"status":"fail","reason":"not-mobile"}', ['cancel', 'play not_subscribed']],
  ] },
  { label: 'transfer: answered, the conversation ends, then the call ends', flow: EFFECTS, vars: { code: VALID }, script: [
    ['start', ['play menu_p']], ['press 2', ['stop', 'effect transfer PJSIP/operator']], ['effect {"status":"answered"}', ['hangup normal']],
  ] },
  { label: 'transfer: no answer → fallback', flow: EFFECTS, vars: { code: VALID }, script: [
    ['start', ['play menu_p']], ['press 2', ['stop', 'effect transfer PJSIP/operator']], ['effect {"status":"noAnswer"}', ['play busy']],
  ] },

  // branch / set
  { label: 'office hours: Thursday 10:00 is open', flow: BRANCH, now: '2026-11-26T10:00:00+08:00', script: [['start', ['play open']]] },
  { label: 'office hours: lunch break is closed', flow: BRANCH, now: '2026-11-26T12:30:00+08:00', script: [['start', ['play known tts:13800138000-closed']]] },
  { label: 'office hours: Friday afternoon uses the weekly override', flow: BRANCH, now: '2026-11-27T15:00:00+08:00', script: [['start', ['play known tts:13800138000-closed']]] },
  { label: 'office hours: Saturday is closed', flow: BRANCH, now: '2026-11-28T10:00:00+08:00', script: [['start', ['play known tts:13800138000-closed']]] },
  { label: 'office hours: a public holiday on a weekday is closed', flow: BRANCH, now: '2026-10-01T10:00:00+08:00',
    calendar: { holidays: ['2026-10-01'], workdays: [] }, script: [['start', ['play known tts:13800138000-closed']]] },
  { label: 'office hours: a make-up working Sunday (调休) is open', flow: BRANCH, now: '2026-09-27T10:00:00+08:00',
    calendar: { holidays: [], workdays: ['2026-09-27'] }, script: [['start', ['play open']]] },
  { label: 'office hours: the edge minute 17:30 is closed, 17:29 open', flow: BRANCH, now: '2026-11-26T17:30:00+08:00', script: [['start', ['play known tts:13800138000-closed']]] },
  { label: 'office hours: 17:29 open', flow: BRANCH, now: '2026-11-26T17:29:00+08:00', script: [['start', ['play open']]] },

  // type-ahead through barge-in plays
  { label: 'play bargeIn: a key skips the announcements and reaches the menu', flow: TYPEAHEAD, script: [
    ['start', ['play welcome']], ['press 1', ['stop', 'play enter']], ['press 42#', ['stop', 'timer 4000', 'cancel', 'timer 4000', 'cancel', 'play digits:42']],
  ] },
  { label: 'play bargeIn: without keys each announcement plays', flow: TYPEAHEAD, script: [
    ['start', ['play welcome']], ['done', ['play info']], ['done', ['play menu_p']],
  ] },

  // hang-up mid-anything: the engine stops, cancels its timer, and ignores whatever comes after
  { label: 'hangup during a prompt', flow: MENU, script: [['start', ['play menu_p']], ['hangup', []], ['done', []], ['press 1', []]] },
  { label: 'hangup while waiting for a key', flow: MENU, script: [['start', ['play menu_p']], ['done', ['timer 5000']], ['hangup', ['cancel']], ['press 1', []]] },
  { label: 'hangup while typing', flow: GATHER, script: [['start', ['play enter']], ['press 12', ['stop', 'timer 3000', 'cancel', 'timer 3000']], ['hangup', ['cancel']]] },
  { label: 'hangup during a lookup', flow: LOOKUP, script: [
    ['start', ['play enter']], [`press ${VALID}`, LOOKUP_TYPED],
    ['hangup', ['cancel']], ['effect {"status":"found","vars":{}}', []],
  ] },
  { label: 'hangup during the goodbye', flow: MENU, script: [['start', ['play menu_p']], ['press 1', ['stop', 'play p_one']], ['hangup', []], ['done', []]] },
  { label: 'hangup during a recording: the message is submitted when Asterisk reports it', flow: RECORD, script: [
    ['start', ['play rec_p']], ['done', ['record voice-c1-2 60s silence=5 beep #', 'timer 70000']],
    ['hangup', ['cancel']], ['recorded 14', ['effect submitFeedback complaint voice-c1-2 14s onHangup']],
  ] },
  { label: 'hangup during a recording that stays too short: nothing submitted', flow: RECORD, script: [
    ['start', ['play rec_p']], ['done', ['record voice-c1-2 60s silence=5 beep #', 'timer 70000']], ['hangup', ['cancel']], ['recorded 1', []],
  ] },
  { label: 'hangup during a re-recording that stays too short: the earlier take is submitted', flow: RECORD, script: [
    ['start', ['play rec_p']], ['done', ['record voice-c1-2 60s silence=5 beep #', 'timer 70000']], ['recorded 30', ['cancel', 'play review_p']],
    ['press 2', ['stop', 'play rec_p']], ['done', ['record voice-c1-6 60s silence=5 beep #', 'timer 70000']],
    ['hangup', ['cancel']], ['recorded 1', ['effect submitFeedback complaint voice-c1-2 30s onHangup']],
  ] },
  { label: 'hangup during the review menu submits the message', flow: RECORD, script: [
    ['start', ['play rec_p']], ['done', ['record voice-c1-2 60s silence=5 beep #', 'timer 70000']], ['recorded 30', ['cancel', 'play review_p']],
    ['hangup', ['effect submitFeedback complaint voice-c1-2 30s onHangup']],
  ] },
  { label: 'hangup while submitting: no second submission', flow: RECORD, script: [
    ['start', ['play rec_p']], ['done', ['record voice-c1-2 60s silence=5 beep #', 'timer 70000']], ['recorded 30', ['cancel', 'play review_p']],
    ['press 3', ['stop', 'effect submitFeedback complaint voice-c1-2 30s', 'timer 20000']], ['hangup', ['cancel']],
  ] },
];

describe('flow engine (table)', () => {
  it.each(cases)('$label', (c) => {
    const cal = c.calendar ? new WorkingCalendar(c.calendar) : undefined;
    const engine = engineFromYaml(c.flow, cal ? { isWorkingDay: (d) => cal.isWorkingDay(d) } : {});
    const d = new FlowDriver(engine, { now: c.now ? Date.parse(c.now) : undefined, vars: c.vars });
    const got = c.script.map(([step]) => [step, d.run(step)]);
    expect(got).toEqual(c.script);
  });
});

describe('flow engine (exact ids, logs, state)', () => {
  it('ids are deterministic per call and stale events are ignored', () => {
    const d = new FlowDriver(engineFromYaml(MENU), { callId: '1795730150.2' });
    expect(d.start()).toEqual([
      { type: 'log', nodeId: 'm', kind: 'enter' },
      { type: 'play', playbackId: '1795730150.2-pb-1', media: [{ prompt: 'menu_p' }] },
    ]);
    expect(d.press('9')).toEqual([
      { type: 'stopPlayback', playbackId: '1795730150.2-pb-1' },
      { type: 'log', nodeId: 'm', kind: 'invalid', detail: 'key "9"' },
      { type: 'play', playbackId: '1795730150.2-pb-2', media: [{ prompt: 'bad' }, { prompt: 'menu_p' }] },
    ]);
    // PlaybackFinished of the stopped playback arrives late: ignored.
    expect(d.send({ type: 'playbackFinished', playbackId: '1795730150.2-pb-1', ok: false })).toEqual([]);
    expect(d.playbackDone()).toEqual([{ type: 'startTimer', timerId: '1795730150.2-t-3', ms: 5000 }]);
    // A timer id that is not live: ignored.
    expect(d.send({ type: 'timer', timerId: '1795730150.2-t-99' })).toEqual([]);
    expect(d.press('1')).toEqual([
      { type: 'cancelTimer', timerId: '1795730150.2-t-3' },
      { type: 'log', nodeId: 'm', kind: 'input', detail: '1' },
      { type: 'log', nodeId: 'one', kind: 'enter' },
      { type: 'play', playbackId: '1795730150.2-pb-4', media: [{ prompt: 'p_one' }] },
    ]);
    expect(d.playbackDone()).toEqual([{ type: 'hangup', reason: 'normal' }]);
    expect(d.state?.ended).toBe(true);
    expect(d.state?.path).toEqual(['m', 'one']);
  });

  it('the input state is never mutated', () => {
    const engine = engineFromYaml(MENU);
    const r1 = engine.start({ type: 'start', callId: 'x', caller: '1', called: '96365', now: 0 });
    const frozen = JSON.stringify(r1.state);
    const r2 = engine.step(r1.state, { type: 'dtmf', digit: '1' });
    expect(JSON.stringify(r1.state)).toBe(frozen);
    expect(r2.state.nodeId).toBe('one');
    // The same event on the same state gives the same result (replayable).
    expect(engine.step(r1.state, { type: 'dtmf', digit: '1' })).toEqual(r2);
  });

  it('logs the funnel: enter, input, timeout, invalid, hangup', () => {
    const d = new FlowDriver(engineFromYaml(MENU), { logs: true });
    expect(d.script(['start', 'done', 'tick', 'press 5', 'hangup'])).toEqual([
      ['log enter m', 'play menu_p'],
      ['timer 5000'],
      ['log timeout m no key', 'play silence menu_p'],
      ['stop', 'log invalid m key "5"', 'play bad menu_p'],
      ['log hangup m prompt'],
    ]);
  });

  it('a lookup result fills variables; booleans and nulls become strings', () => {
    const d = new FlowDriver(engineFromYaml(LOOKUP));
    d.run('start');
    d.run(`press ${VALID}`);
    d.run('effect {"status":"found","vars":{"item":"A","dueDate":null,"overdue":true,"bad-name":"x"}}');
    expect(d.state?.vars).toMatchObject({ code: VALID, item: 'A', dueDate: '', overdue: 'true' });
    expect(d.state?.vars['bad-name']).toBeUndefined();
    expect(d.state?.outcomes).toEqual(['status_read']);
  });

  it('the submitFeedback effect carries the call, the caller and the path', () => {
    const d = new FlowDriver(engineFromYaml(RECORD), { callId: 'c9', caller: '057912345' });
    d.script(['start', 'done', 'recorded 12', 'press 3']);
    expect(d.pendingEffect).toMatchObject({
      kind: 'submitFeedback',
      params: { feedbackKind: 'complaint', recording: 'voice-c9-2', durationSec: 12, callId: 'c9', caller: '057912345', called: '96365', flowId: 'main', path: ['r', 'review', 'submit'], onHangup: false },
    });
    d.run('effect {"status":"ok","ref":"0001"}');
    expect(d.state?.vars.ref).toBe('0001');
    expect(d.state?.outcomes).toEqual(['feedback_submitted']);
  });

  it('an unknown flow id hangs up with a defined reason', () => {
    const d = new FlowDriver(engineFromYaml(MENU));
    expect(d.start({ flowId: 'nope' })).toEqual([
      { type: 'log', nodeId: '', kind: 'invalid', detail: 'unknown flow "nope"' },
      { type: 'hangup', reason: 'no-flow' },
    ]);
  });

  it('malformed events get a defined answer, never a crash', () => {
    const d = new FlowDriver(engineFromYaml(GATHER));
    d.run('start');
    expect(d.send({ type: 'dtmf', digit: '' })).toEqual([
      { type: 'stopPlayback', playbackId: 'c1-pb-1' },
      { type: 'log', nodeId: 'g', kind: 'invalid', detail: 'key ""' },
      { type: 'play', playbackId: 'c1-pb-2', media: [{ prompt: 'bad' }, { prompt: 'enter' }] },
    ]);
    expect(d.send({ type: 'dtmf', digit: '12' })).toHaveLength(3); // multi-char "digit": invalid too
    expect(d.send({ type: 'effectResult', effectId: 'nope', result: { status: 'ok' } })).toEqual([]);
    expect(d.send({ type: 'recordingFinished', name: 'nope', durationSec: 3, ok: true, kept: true })).toEqual([]);
    expect(() => new FlowDriver(engineFromYaml(GATHER)).send({ type: 'dtmf', digit: '1' })).toThrow(/without a call state/);
  });

  it('start variables are available to templates (voice call-back flows)', () => {
    const engine = engineFromYaml(`
start: read
nodes:
  read: {verb: hangup, prompt: [answer_intro, {tts: '{answerText}'}, {digits: '{ref}'}]}
`);
    const r = engine.start({ type: 'start', callId: 'cb1', caller: '96365', called: '057912345', now: 0, vars: { answerText: '您反映的问题已处理。', ref: '123' } });
    expect(r.actions.filter((a) => a.type === 'play')).toEqual([
      { type: 'play', playbackId: 'cb1-pb-1', media: [{ prompt: 'answer_intro' }, { tts: '您反映的问题已处理。' }, { digits: '123' }] },
    ]);
  });
});
