/** planRecipients (pure): canonical numbers, invalid ones by position, repeats once. */
import { describe, expect, it } from 'vitest';
import { planRecipients } from '../../src/sms/notices.js';

describe('planRecipients', () => {
  const table: Array<[string, string[], { phones: string[]; invalid: number[]; repeated: number }]> = [
    ['national, +86 and spaced forms are one number', ['13900000001', '+8613900000001', '139 0000 0001'], { phones: ['8613900000001'], invalid: [], repeated: 2 }],
    ['landline, short, letters, empty are invalid', ['0579-8888888', '12345', 'abc', '', '   '], { phones: [], invalid: [0, 1, 2, 3, 4], repeated: 0 }],
    ['order kept, invalid in between', ['13900000002', 'x', '13900000001'], { phones: ['8613900000002', '8613900000001'], invalid: [1], repeated: 0 }],
    ['empty list', [], { phones: [], invalid: [], repeated: 0 }],
  ];
  it.each(table)('%s', (_label, input, want) => {
    const p = planRecipients(input);
    expect(p.phones).toEqual(want.phones);
    expect(p.invalid.map((x) => x.index)).toEqual(want.invalid);
    expect(p.repeated).toBe(want.repeated);
  });

  it('keeps the number as given (answers echo the caller\'s form) and says why one is invalid', () => {
    const p = planRecipients([' 139-0000-0003 ', '']);
    expect(p.given.get(p.phones[0])).toBe('139-0000-0003');
    expect(p.invalid[0].reason).toBe('号码为空 (empty)');
  });
});
