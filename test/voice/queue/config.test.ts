/** The queue section of the configuration → the reducer's settings. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { DEFAULT_QUEUE_CONFIG, queueConfigFrom } from '../../../src/voice/queue/index.js';

const load = (env: Record<string, string>) => loadConfig({ env, file: null });

describe('queue config', () => {
  it('the defaults are the reducer\'s defaults', () => {
    expect(queueConfigFrom(load({}))).toEqual(DEFAULT_QUEUE_CONFIG);
  });

  it('every key from its HOTLINE_QUEUE_* variable; bad values stop start-up naming the key', () => {
    expect(queueConfigFrom(load({
      HOTLINE_QUEUE_STRATEGY: 'round-robin', HOTLINE_QUEUE_WRAP_UP_SEC: '0', HOTLINE_QUEUE_CALLBACK_QUIET_START: '22:30',
      HOTLINE_QUEUE_NO_ANSWER_TO_BREAK: 'true', HOTLINE_TIME_ZONE: 'Asia/Urumqi',
    }))).toMatchObject({ strategy: 'roundRobin', wrapUpSec: 0, quietStart: '22:30', noAnswerToBreak: true, timeZone: 'Asia/Urumqi' });
    expect(queueConfigFrom(load({ HOTLINE_QUEUE_STRATEGY: 'ring-all' })).strategy).toBe('ringAll');
    expect(() => load({ HOTLINE_QUEUE_STRATEGY: 'random' })).toThrow(/HOTLINE_QUEUE_STRATEGY/);
    expect(() => load({ HOTLINE_QUEUE_RING_TIMEOUT_SEC: '2' })).toThrow(/HOTLINE_QUEUE_RING_TIMEOUT_SEC/);
  });
});
