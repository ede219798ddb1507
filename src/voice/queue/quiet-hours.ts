/** Quiet hours for call-backs: no call-back is originated in the configured local night window. */
import { inDailyWindow } from '../../domain/time.js';
import type { QueueConfig } from './types.js';

export function inCallbackQuietHours(now: number, cfg: QueueConfig): boolean {
  return inDailyWindow(new Date(now), cfg.quietStart, cfg.quietEnd, cfg.timeZone);
}

/** Back-off before retry `attempt` (1-based count of failed attempts so far): base × 2^(attempt-1). */
export function callbackBackoffMs(attempt: number, cfg: QueueConfig): number {
  return cfg.callbackBackoffSec * 1000 * 2 ** Math.max(0, attempt - 1);
}
