/** The queue reducer's settings from the server configuration (section queue, time.zone). */
import type { Config } from '../../config/index.js';
import type { QueueConfig, Strategy } from './types.js';

const STRATEGIES: Record<string, Strategy> = { 'longest-idle': 'longestIdle', 'ring-all': 'ringAll', 'round-robin': 'roundRobin' };

export function queueConfigFrom(config: Pick<Config, 'queue' | 'time'>): QueueConfig {
  const q = config.queue;
  return {
    strategy: STRATEGIES[q.strategy] ?? 'longestIdle',
    ringTimeoutSec: q.ring_timeout_sec,
    wrapUpSec: q.wrap_up_sec,
    announceIntervalSec: q.announce_interval_sec,
    callbackOfferAfterSec: q.callback_offer_after_sec,
    callbackAttempts: q.callback_attempts,
    callbackBackoffSec: q.callback_backoff_sec,
    quietStart: q.callback_quiet_start,
    quietEnd: q.callback_quiet_end,
    timeZone: config.time.zone,
    noAnswerToBreak: q.no_answer_to_break,
    handlingWindow: q.handling_window,
    defaultHandlingSec: q.default_handling_sec,
  };
}
