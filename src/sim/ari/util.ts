/**
 * Small helpers shared by the ARI simulator: Asterisk-style timestamps and ids,
 * hang-up cause tables, parameter parsing with Asterisk's own leniency.
 */
import { randomBytes, randomUUID } from 'node:crypto';

/** `2026-11-26T21:55:50.309+0000` — what Asterisk prints (milliseconds, no colon in the offset). */
export function asteriskTimestamp(ms: number = Date.now()): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

let channelSeq = 0;
/** Channel unique ids look like `1795730150.2`: epoch seconds at start-up, then a running sequence. */
const epochAtLoad = Math.floor(Date.now() / 1000);
export function nextChannelId(): string {
  return `${epochAtLoad}.${channelSeq++}`;
}

let nameSeq = 0;
/** PJSIP channel names carry an 8-hex-digit sequence: `PJSIP/caller-0000001a`. */
export function nextChannelName(tech: string, resource: string): string {
  return `${tech}/${resource}-${(nameSeq++).toString(16).padStart(8, '0')}`;
}

/** SIP Call-ID-like protocol id (16 hex digits, as observed with PJSIP). */
export function protocolId(): string {
  return randomBytes(8).toString('hex');
}

export function uuid(): string {
  return randomUUID();
}

/** C `atoi` semantics: leading optional sign and digits, anything else → 0 (what Asterisk's ARI glue does). */
export function atoi(value: string | undefined): number {
  if (value === undefined) return 0;
  const m = /^\s*([+-]?\d+)/.exec(value);
  return m ? parseInt(m[1], 10) : 0;
}

/** Asterisk's `ast_true`: yes, true, y, t, 1, on. */
export function astTrue(value: string | undefined): boolean {
  if (value === undefined) return false;
  return ['yes', 'true', 'y', 't', '1', 'on'].includes(value.trim().toLowerCase());
}

/** Q.850 cause texts as Asterisk's `ast_cause2str` prints them (the subset the simulator produces). */
export const CAUSE_TEXT: Record<number, string> = {
  0: 'Unknown',
  1: 'Unallocated (unassigned) number',
  16: 'Normal Clearing',
  17: 'User busy',
  18: 'No user responding',
  19: 'User alerting, no answer',
  21: 'Call Rejected',
  26: 'Answered elsewhere',
  28: 'Invalid number format (incomplete number)',
  31: 'Normal, unspecified',
  38: 'Network out of order',
  42: 'Switching equipment congestion',
  58: 'Bearer capability not available',
  127: 'Interworking, unspecified',
};

export function causeText(cause: number): string {
  return CAUSE_TEXT[cause] ?? 'Unknown';
}

/** `DELETE /channels/{id}?reason=…` → cause code (res_ari_channels.c convert_reason_to_hangup_code). */
export const HANGUP_REASONS: Record<string, number> = {
  normal: 16,
  busy: 17,
  congestion: 42,
  no_answer: 19,
  timeout: 18,
  rejected: 21,
  unallocated: 1,
  normal_unspecified: 31,
  number_incomplete: 28,
  codec_mismatch: 58,
  interworking: 127,
  failure: 38,
  answered_elsewhere: 26,
};

/** A timer that can be cancelled and never keeps the process alive on its own. */
export function delay(ms: number, fn: () => void): NodeJS.Timeout {
  const t = setTimeout(fn, Math.max(0, ms));
  t.unref?.();
  return t;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
