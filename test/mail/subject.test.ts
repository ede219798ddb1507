/** What a subject says (src/mail/subject.ts): the reference of a reply, subscription commands, the kind of a letter, reply subjects. */
import { describe, expect, it } from 'vitest';
import { kindOfLetter, mailCommand, refInSubject, replySubject } from '../../src/mail/subject.js';

describe('reference in the subject', () => {
  const table: Array<[string, string | null]> = [
    ['Re: 您的来信已受理 【96365-2612030001】', '2612030001'],
    ['【96365-2612030001】您的来信已受理', '2612030001'],
    ['[96365-2612030001] ascii brackets', '2612030001'],
    ['［96365－2612030001］ full-width', '2612030001'],
    ['【96365 - 26120300012】 spaces, 11 digits', '26120300012'],
    ['(96365:2612030001)', '2612030001'],
    ['96365-2612030001 without brackets', null],
    ['【96365-12345】 too short', null],
    ['【12345-2612030001】 another number', null],
    ['', null],
  ];
  it.each(table)('%s', (s, ref) => expect(refInSubject(s)).toBe(ref));
});

describe('subscription commands and letter kinds', () => {
  const commands: Array<[string, ReturnType<typeof mailCommand>]> = [
    ['订阅 12345678', { cmd: 'subscribe', code: '12345678' }],
    ['订阅：12345678', { cmd: 'subscribe', code: '12345678' }],
    ['dy 12345678', { cmd: 'subscribe', code: '12345678' }],
    ['退订 12345678', { cmd: 'unsubscribe', code: '12345678' }],
    ['退订', { cmd: 'unsubscribe', code: null }],
    ['TD', { cmd: 'unsubscribe', code: null }],
    ['订阅号太多了，投诉', null],
    ['投诉：噪音', null],
  ];
  it.each(commands)('%s', (s, c) => expect(mailCommand(s)).toEqual(c));

  const kinds: Array<[string, string]> = [['投诉：噪音', 'complaint'], ['咨询社保', 'consultation'], ['请问几点上班', 'consultation'], ['建议增设公交', 'suggestion'], ['举报无证经营', 'report'], ['你好', 'request'], ['', 'request']];
  it.each(kinds)('kind of %s', (s, k) => expect(kindOfLetter(s)).toBe(k));

  const replies: Array<[string | null, string]> = [
    ['投诉：噪音', 'Re: 投诉：噪音 【96365-2612030001】'],
    ['Re: RE: 回复：投诉：噪音', 'Re: 投诉：噪音 【96365-2612030001】'],
    ['【96365-2612030001】您的来信已受理', 'Re: 【96365-2612030001】您的来信已受理'],
    ['', 'Re: 您的来信 【96365-2612030001】'],
    [null, 'Re: 您的来信 【96365-2612030001】'],
  ];
  it.each(replies)('reply subject of %s', (s, r) => expect(replySubject(s, '2612030001', '您的来信')).toBe(r));
});
