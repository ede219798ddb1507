/**
 * Distribution strategies: which ready operators to ring for the next entry. Each takes the
 * candidates (ready, not yet tried for this entry) in registration order and returns the ones to ring.
 *  - longestIdle: the operator ready the longest (earliest readySince; ties by registration order).
 *    A ring that is not answered leaves readySince as it was, so the fair order is kept.
 *  - ringAll: every candidate at once; the first to answer takes the call.
 *  - roundRobin: the next candidate after the operator rung last, in registration order.
 */
import type { Operator, Strategy } from './types.js';

export function longestIdle(candidates: Operator[]): Operator[] {
  let best: Operator | null = null;
  for (const o of candidates) if (!best || (o.readySince ?? 0) < (best.readySince ?? 0)) best = o;
  return best ? [best] : [];
}

export function ringAll(candidates: Operator[]): Operator[] {
  return candidates;
}

/** `all` is every operator in registration order (the cursor may point at one who is not a candidate now). */
export function roundRobin(candidates: Operator[], all: Operator[], lastRung: string | null): Operator[] {
  if (!candidates.length) return [];
  const start = lastRung === null ? -1 : all.findIndex((o) => o.id === lastRung);
  for (let i = 1; i <= all.length; i++) {
    const o = all[(start + i + all.length) % all.length]!;
    if (candidates.includes(o)) return [o];
  }
  return [candidates[0]!];
}

export function choose(strategy: Strategy, candidates: Operator[], all: Operator[], lastRung: string | null): Operator[] {
  switch (strategy) {
    case 'longestIdle': return longestIdle(candidates);
    case 'ringAll': return ringAll(candidates);
    case 'roundRobin': return roundRobin(candidates, all, lastRung);
  }
}
