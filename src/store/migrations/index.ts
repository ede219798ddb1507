/**
 * Versioned migrations. Each entry's position is its version (PRAGMA user_version).
 * Append only: never edit a migration that has shipped; add a new one.
 */
import { core } from './001_core.js';
import { sms } from './002_sms.js';
import { voice } from './003_voice.js';
import { admin } from './004_admin.js';
import { smsInboundDedupe } from './005_sms_inbound_dedupe.js';
import { voiceOwner } from './006_voice_owner.js';
import { hardening } from './007_hardening.js';

export interface Migration { version: number; name: string; sql: string }

export const MIGRATIONS: Migration[] = [
  { version: 1, name: 'core', sql: core },
  { version: 2, name: 'sms', sql: sms },
  { version: 3, name: 'voice', sql: voice },
  { version: 4, name: 'admin', sql: admin },
  { version: 5, name: 'sms-inbound-dedupe', sql: smsInboundDedupe },
  { version: 6, name: 'voice_owner', sql: voiceOwner },
  { version: 7, name: 'hardening', sql: hardening },
];
