/**
 * The mail outbox's retry rule: a temporary failure (connection refused, timeout, 4xx) is tried again
 * after 30 s, 1 min, 2 min … (doubling, at most 1 h) until the attempts are used up; a permanent one
 * (5xx) fails at once. Pure.
 */
export type SendOutcome = { ok: true } | { ok: false; permanent: boolean; error: string };

export type NextStep = { status: 'sent' } | { status: 'failed'; error: string } | { status: 'retry'; error: string; delayMs: number };

export function nextStep(outcome: SendOutcome, attempts: number, maxAttempts: number, baseMs = 30_000): NextStep {
  if (outcome.ok) return { status: 'sent' };
  if (outcome.permanent || attempts >= maxAttempts) return { status: 'failed', error: outcome.error };
  return { status: 'retry', error: outcome.error, delayMs: Math.min(3600_000, baseMs * 2 ** Math.max(0, attempts - 1)) };
}

/** An SMTP reply code or error → permanent (5xx) or temporary (everything else: 4xx, network). */
export function isPermanent(responseCode: number | undefined): boolean {
  return typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600;
}
