/** menu: plays a prompt and routes by DTMF key. */
import { DTMF_KEY } from '../field-reader.js';
import { mediaVars, type VerbDef } from './verb.js';

export const menu: VerbDef<'menu'> = {
  name: 'menu',
  parse(r, err) {
    const options = r.map('options', true) ?? {};
    if (Object.keys(options).length === 0) err('options: at least one key is needed');
    for (const k of Object.keys(options)) if (!DTMF_KEY.test(k)) err(`options: "${k}" is not a DTMF key (0-9 * # A-D)`);
    const repeat = r.key('repeat', DTMF_KEY, undefined);
    if (repeat !== undefined && repeat in options) err(`repeat: key "${repeat}" is also an option`);
    return {
      verb: 'menu', prompt: r.media('prompt', true), options,
      timeoutMs: r.int('timeoutMs', 5000, 500, 120_000)!, maxRetries: r.int('maxRetries', 2, 0, 10)!,
      invalid: r.media('invalid', false), noInput: r.media('noInput', false), repeat, onFailure: r.target('onFailure')!,
    };
  },
  waitsForInput: true,
  targets: (n) => [...Object.entries(n.options).map(([k, v]): [string, string] => [`options.${k}`, v]), ['onFailure', n.onFailure]],
  varsUsed: (n) => [...mediaVars('prompt', n.prompt), ...mediaVars('invalid', n.invalid), ...mediaVars('noInput', n.noInput)],
};
