/** gather: collects digits into a variable, with validation. */
import { parseValidation } from '../field-reader.js';
import { mediaVars, type VerbDef } from './verb.js';

export const gather: VerbDef<'gather'> = {
  name: 'gather',
  parse(r, err) {
    const maxDigits = r.int('maxDigits', undefined, 1, 64) ?? 1;
    const validate = parseValidation(r, err);
    if (validate.kind === 'query-code' && maxDigits < 12) err(`maxDigits: ${maxDigits} is shorter than a query code (12 digits)`);
    const terminator = r.key('terminator', /^[#*]$/, '#', true)!;
    const clearKey = r.key('clearKey', /^[#*]$/, undefined);
    if (clearKey !== undefined && clearKey === terminator) err('clearKey: must differ from terminator');
    const minDigits = r.int('minDigits', 1, 1, 64)!;
    if (minDigits > maxDigits) err(`minDigits: ${minDigits} is more than maxDigits ${maxDigits}`);
    const invalid = r.media('invalid', false);
    const bad = r.media('badCheckDigit', false);
    return {
      verb: 'gather', prompt: r.media('prompt', true), maxDigits, minDigits, terminator, clearKey,
      firstDigitTimeoutMs: r.int('firstDigitTimeoutMs', 8000, 500, 120_000)!,
      interDigitTimeoutMs: r.int('interDigitTimeoutMs', 4000, 500, 60_000)!,
      validate, into: r.varName('into', true)!, attempts: r.int('attempts', 3, 1, 10)!,
      invalid, noInput: r.media('noInput', false), badCheckDigit: bad.length ? bad : invalid,
      next: r.target('next')!, onFailure: r.target('onFailure')!,
    };
  },
  waitsForInput: true,
  targets: (n) => [['next', n.next], ['onFailure', n.onFailure]],
  varsUsed: (n) => [
    ...mediaVars('prompt', n.prompt), ...mediaVars('invalid', n.invalid),
    ...mediaVars('noInput', n.noInput), ...mediaVars('badCheckDigit', n.badCheckDigit),
  ],
};
