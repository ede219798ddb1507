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
import { canonicalPhones } from './007_canonical_phones.js';
import type { Db } from '../db.js';
import { smsOutbound } from './008_sms_outbound.js';
import { hardening } from './009_hardening.js';
import { instances } from './010_instances.js';
import { workOrders } from './011_work_orders.js';
import { callQueue } from './012_call_queue.js';
import { operatorRecordings } from './013_operator_recordings.js';
import { mail } from './014_mail.js';
import { web } from './015_web.js';

/** `sql` runs first, then `run` (data migrations that need code), in the same transaction. */
export interface Migration { version: number; name: string; sql: string; run?: (db: Db) => void }

export const MIGRATIONS: Migration[] = [
  { version: 1, name: 'core', sql: core },
  { version: 2, name: 'sms', sql: sms },
  { version: 3, name: 'voice', sql: voice },
  { version: 4, name: 'admin', sql: admin },
  { version: 5, name: 'sms-inbound-dedupe', sql: smsInboundDedupe },
  { version: 6, name: 'voice_owner', sql: voiceOwner },
  { version: 7, name: 'canonical_phones', sql: '', run: (db) => { canonicalPhones(db); } },
  { version: 8, name: 'sms_outbound', sql: smsOutbound },
  { version: 9, name: 'hardening', sql: hardening },
  { version: 10, name: 'instances', sql: instances },
  { version: 11, name: 'work_orders', sql: workOrders },
  { version: 12, name: 'call_queue', sql: callQueue },
  { version: 13, name: 'operator_recordings', sql: operatorRecordings },
  { version: 14, name: 'mail', sql: mail },
  { version: 15, name: 'web', sql: web },
];
