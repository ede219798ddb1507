/** Our outbound mail's headers (src/mail/compose.ts): Message-IDs, In-Reply-To / References, auto-reply markers. */
import { describe, expect, it } from 'vitest';
import { composeMessage, messageIdsIn, newMessageId, referencesFor } from '../../src/mail/compose.js';
import { nextStep } from '../../src/mail/retry.js';

describe('reply composition', () => {
  it('Message-IDs are ours: kind, random, the from domain', () => {
    expect(newMessageId('auto-reply', 'abc123', '96365@Hotline.Local')).toBe('<auto-reply.abc123@hotline.local>');
  });

  const refs: Array<[string, string[], string | null, string[]]> = [
    ['first reply', [], '<c1@x>', ['<c1@x>']],
    ['thread so far, then the one answered', ['<c1@x>', '<a1@us>'], '<c2@x>', ['<c1@x>', '<a1@us>', '<c2@x>']],
    ['the answered one is moved last, not repeated', ['<c1@x>', '<c2@x>', '<a1@us>'], '<c2@x>', ['<c1@x>', '<a1@us>', '<c2@x>']],
    ['duplicates dropped', ['<c1@x>', '<c1@x>'], null, ['<c1@x>']],
    ['long threads keep the first and the latest', Array.from({ length: 15 }, (_, i) => `<m${i}@x>`), '<last@x>', ['<m0@x>', '<m7@x>', '<m8@x>', '<m9@x>', '<m10@x>', '<m11@x>', '<m12@x>', '<m13@x>', '<m14@x>', '<last@x>']],
  ];
  it.each(refs)('References: %s', (_l, thread, irt, out) => expect(referencesFor(thread, irt)).toEqual(out));

  it('ids in a header value', () => {
    expect(messageIdsIn('<a@b>  <c@d>\r\n <a@b>')).toEqual(['<a@b>', '<c@d>']);
    expect(messageIdsIn(['<a@b>', '<e@f>'])).toEqual(['<a@b>', '<e@f>']);
    expect(messageIdsIn(null)).toEqual([]);
  });

  it('an automatic reply is marked for robots; a staff answer is not', () => {
    const base = { from: '96365@hotline.local', to: 'zhang@example.cn', subject: 'Re: 投诉 【96365-2612030001】', text: '答复', messageId: '<answer.1@hotline.local>', inReplyTo: '<c1@x>' };
    expect(composeMessage({ ...base, references: ['<c1@x>'], automatic: true })).toEqual({
      ...base, references: '<c1@x>', headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All', Precedence: 'auto_reply' },
    });
    expect(composeMessage({ ...base, references: '<c0@x> <c1@x>', automatic: false })).toEqual({ ...base, references: '<c0@x> <c1@x>', headers: {} });
    const bare = composeMessage({ ...base, inReplyTo: null, references: null, automatic: false });
    expect('inReplyTo' in bare || 'references' in bare).toBe(false);
  });

  const steps: Array<[string, Parameters<typeof nextStep>, ReturnType<typeof nextStep>]> = [
    ['sent', [{ ok: true }, 1, 8], { status: 'sent' }],
    ['temporary: retry after 30 s', [{ ok: false, permanent: false, error: '421' }, 1, 8], { status: 'retry', error: '421', delayMs: 30_000 }],
    ['doubling', [{ ok: false, permanent: false, error: 'ECONNREFUSED' }, 3, 8], { status: 'retry', error: 'ECONNREFUSED', delayMs: 120_000 }],
    ['at most an hour', [{ ok: false, permanent: false, error: 'x' }, 12, 20], { status: 'retry', error: 'x', delayMs: 3600_000 }],
    ['attempts used up', [{ ok: false, permanent: false, error: 'x' }, 8, 8], { status: 'failed', error: 'x' }],
    ['permanent 5xx at once', [{ ok: false, permanent: true, error: '550 no such user' }, 1, 8], { status: 'failed', error: '550 no such user' }],
  ];
  it.each(steps)('outbox retry: %s', (_l, args, out) => expect(nextStep(...args)).toEqual(out));
});
