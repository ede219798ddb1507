/**
 * One-time codes of the web subscription (订阅 / 退订): 6 digits sent by SMS to the phone being
 * subscribed, so no one subscribes someone else's phone. Stored only as an HMAC (web_codes), valid
 * code_minutes, void after code_attempts wrong tries, used once. Keyed by purpose, phone and
 * declaration: a code for one declaration does not confirm another.
 */
import { randomInt } from 'node:crypto';
import type { WebStore } from '../store/ports.js';
import type { Signer } from './tokens.js';

export type CodePurpose = 'subscribe' | 'unsubscribe';
export type CodeCheck = 'ok' | 'wrong' | 'expired' | 'too-many' | 'missing';

export interface OneTimeCodeOptions { minutes: number; attempts: number; now: () => Date; random?: () => string }

export function codeKey(purpose: CodePurpose, phone: string, declarationId: number): string { return `${purpose}:${phone}:${declarationId}`; }

export function newCode(): string { return String(randomInt(0, 1_000_000)).padStart(6, '0'); }

export class OneTimeCodes {
  constructor(private readonly store: WebStore, private readonly signer: Signer, private readonly o: OneTimeCodeOptions) {}

  private hash(key: string, code: string): string { return this.signer.sign('otp', key, code); }

  /** A new code for key (replacing an earlier one); the caller sends it. */
  async issue(key: string): Promise<string> {
    const code = (this.o.random ?? newCode)();
    const now = this.o.now();
    await this.store.putCode(key, this.hash(key, code), new Date(now.getTime() + this.o.minutes * 60_000).toISOString(), now.toISOString());
    return code;
  }

  /** Check a typed code; 'ok' consumes it. A wrong try counts, the last allowed one voids the code. */
  async check(key: string, typed: string): Promise<CodeCheck> {
    const c = await this.store.code(key);
    if (!c) return 'missing';
    const now = this.o.now().toISOString();
    if (c.expiresAt <= now) { await this.store.dropCode(key); return 'expired'; }
    if (c.attempts >= this.o.attempts) { await this.store.dropCode(key); return 'too-many'; }
    const t = typed.trim().replace(/[０-９]/g, (x) => String.fromCharCode(x.charCodeAt(0) - 0xfee0));
    if (/^\d{6}$/.test(t) && this.signer.verify(c.codeHash, 'otp', key, t)) { await this.store.dropCode(key); return 'ok'; }
    const n = await this.store.countAttempt(key);
    if (n >= this.o.attempts) { await this.store.dropCode(key); return 'too-many'; }
    return 'wrong';
  }
}
