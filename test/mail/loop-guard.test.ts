/** Loop and abuse protection (src/mail/loop-guard.ts): which mail gets an auto-reply, which is dropped, which is a bounce. */
import { describe, expect, it } from 'vitest';
import { bouncedRecipients, isBounce, loopVerdict, type LoopVerdict } from '../../src/mail/loop-guard.js';

const OWN = ['96365@hotline.local', 'noreply@hotline.local'];
type Row = [string, { headers?: Record<string, string>; from?: string; returnPath?: string }, LoopVerdict];
const table: Row[] = [
  ['a citizen\'s letter', {}, { action: 'reply' }],
  ['Auto-Submitted: no is a person', { headers: { 'auto-submitted': 'no' } }, { action: 'reply' }],
  ['Auto-Submitted: auto-replied (vacation)', { headers: { 'auto-submitted': 'auto-replied' } }, { action: 'noReply', reason: 'Auto-Submitted: auto-replied' }],
  ['Auto-Submitted: auto-generated', { headers: { 'auto-submitted': 'Auto-Generated' } }, { action: 'noReply', reason: 'Auto-Submitted: auto-generated' }],
  ['Precedence: bulk', { headers: { precedence: 'bulk' } }, { action: 'noReply', reason: 'Precedence: bulk' }],
  ['Precedence: list', { headers: { precedence: 'List' } }, { action: 'noReply', reason: 'Precedence: list' }],
  ['Precedence: junk', { headers: { precedence: 'junk' } }, { action: 'noReply', reason: 'Precedence: junk' }],
  ['Precedence: first-class is a person', { headers: { precedence: 'first-class' } }, { action: 'reply' }],
  ['List-Id', { headers: { 'list-id': '<news.example.cn>' } }, { action: 'noReply', reason: 'List-Id' }],
  ['List-Unsubscribe', { headers: { 'list-unsubscribe': '<mailto:u@example.cn>' } }, { action: 'noReply', reason: 'List-Unsubscribe' }],
  ['X-Auto-Response-Suppress: All (Exchange robots)', { headers: { 'x-auto-response-suppress': 'All' } }, { action: 'noReply', reason: 'X-Auto-Response-Suppress' }],
  ['empty return-path <>', { returnPath: '' }, { action: 'noReply', reason: 'empty return-path' }],
  ['mailer-daemon sender', { from: 'MAILER-DAEMON@mx.example.cn'.toLowerCase() }, { action: 'drop', reason: 'mailer-daemon' }],
  ['postmaster sender', { from: 'postmaster@example.cn' }, { action: 'drop', reason: 'mailer-daemon' }],
  ['mailer-daemon envelope', { returnPath: 'mailer-daemon@example.cn' }, { action: 'drop', reason: 'mailer-daemon' }],
  ['our own address', { from: '96365@hotline.local' }, { action: 'drop', reason: 'own address' }],
  ['our relay from', { from: 'noreply@hotline.local' }, { action: 'drop', reason: 'own address' }],
];

describe('loop guard', () => {
  it.each(table)('%s', (_l, f, verdict) => {
    expect(loopVerdict({ headers: f.headers ?? {}, from: f.from ?? 'zhang@example.cn', returnPath: f.returnPath ?? 'zhang@example.cn', own: OWN })).toEqual(verdict);
  });

  const bounces: Array<[string, string, string, string, boolean]> = [
    ['a DSN', 'multipart/report; report-type=delivery-status; boundary="b"', 'mailer-daemon@example.cn', '', true],
    ['a DSN with quotes', 'multipart/report; report-type="delivery-status"', 'postmaster@example.cn', '', true],
    ['a read receipt is not a bounce', 'multipart/report; report-type=disposition-notification', 'zhang@example.cn', 'zhang@example.cn', false],
    ['a daemon with the null sender', 'text/plain', 'mailer-daemon@example.cn', '', true],
    ['a letter', 'text/plain; charset=utf-8', 'zhang@example.cn', 'zhang@example.cn', false],
  ];
  it.each(bounces)('bounce? %s', (_l, ct, from, rp, yes) => expect(isBounce(ct, from, rp)).toBe(yes));

  it('the failed recipients of a DSN (delayed ones are not bounced)', () => {
    const dsn = 'Reporting-MTA: dns; mx\n\nFinal-Recipient: rfc822; <Gone@Example.cn>\nAction: failed\nStatus: 5.1.1\n\nFinal-Recipient: rfc822; slow@example.cn\nAction: delayed\n\nFinal-Recipient: rfc822; full@example.cn\nAction: failed\n';
    expect(bouncedRecipients(dsn)).toEqual(['gone@example.cn', 'full@example.cn']);
    expect(bouncedRecipients('nothing here')).toEqual([]);
  });
});
