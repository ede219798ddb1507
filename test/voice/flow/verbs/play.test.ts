/** Verb play: its edges and template variables. */
import { stepTable, verbTable } from './table.js';

verbTable('play', false, [
  ['next edge; template vars of items', { verb: 'play', items: [{ prompt: 'hello' }, { tts: '您好{caller}' }], bargeIn: false, next: 'm' },
    [['next', 'm']], [['items', 'caller']]],
]);

const FLOW = (bargeIn: boolean) => `start: a
nodes:
  a: {verb: play, items: [hello, {tts: '您好'}], bargeIn: ${bargeIn}, next: m}
  m: {verb: menu, prompt: [menu_p], options: {'1': end}, timeoutMs: 5000, onFailure: end}
  end: {verb: hangup, prompt: [bye]}
`;
stepTable('play', [
  ['plays its items, then the next node', FLOW(false), [['start', ['play hello tts:您好']], ['done', ['play menu_p']]]],
  ['without barge-in a key is ignored', FLOW(false), [['start', ['play hello tts:您好']], ['press 1', []], ['done', ['play menu_p']]]],
  ['barge-in: a key stops it and reaches the menu (type-ahead)', FLOW(true), [['start', ['play hello tts:您好']], ['press 1', ['stop', 'play bye']]]],
]);
