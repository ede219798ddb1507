/** menu: plays a prompt and routes by DTMF key. */
import { mediaVars, type VerbDef } from './verb.js';

export const menu: VerbDef<'menu'> = {
  name: 'menu',
  waitsForInput: true,
  targets: (n) => [...Object.entries(n.options).map(([k, v]): [string, string] => [`options.${k}`, v]), ['onFailure', n.onFailure]],
  varsUsed: (n) => [...mediaVars('prompt', n.prompt), ...mediaVars('invalid', n.invalid), ...mediaVars('noInput', n.noInput)],
};
