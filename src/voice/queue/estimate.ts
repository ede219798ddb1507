/**
 * Estimated wait, deliberately simple: position × average handling time ÷ operators signed in.
 * The average is a moving average of the last `handlingWindow` calls' handling times (bridge to
 * end, plus wrap-up); before the first call it is `defaultHandlingSec`. Operators "signed in" are
 * those not on break or logged out (ready, ringing, busy, wrap-up). None signed in → null (unknown).
 * Rounded up to whole minutes (the announcement speaks minutes).
 */
import type { QueueConfig, QueueState } from './types.js';

export function averageHandlingSec(s: QueueState, cfg: QueueConfig): number {
  if (!s.handled.length) return cfg.defaultHandlingSec;
  return s.handled.reduce((a, b) => a + b, 0) / s.handled.length;
}

export function signedIn(s: QueueState): number {
  return s.operators.filter((o) => o.state !== 'break' && o.state !== 'loggedOut').length;
}

export function estimateWaitSec(position: number, s: QueueState, cfg: QueueConfig): number | null {
  const n = signedIn(s);
  if (!n) return null;
  return Math.ceil((position * averageHandlingSec(s, cfg)) / n / 60) * 60;
}

/** Record one call's handling time, keeping the window. */
export function recordHandling(handled: number[], sec: number, cfg: QueueConfig): number[] {
  return [...handled, sec].slice(-Math.max(1, cfg.handlingWindow));
}
