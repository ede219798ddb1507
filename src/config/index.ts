/**
 * One typed configuration object. Sources, later wins: defaults → JSON file (HOTLINE_CONFIG or
 * ./hotline.config.json) → environment variables HOTLINE_<SECTION>_<KEY>. Every key is validated;
 * a wrong value stops start-up with one line naming the key.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

type Kind = 'string' | 'int' | 'bool' | 'enum' | 'hhmm' | 'url' | 'float';
interface KeyDef { kind: Kind; def: string | number | boolean | null; doc: string; values?: readonly string[]; min?: number; max?: number; secret?: boolean }

/** The schema: section → key → definition. The README's config table is printed from this (`hotline config`). */
export const SCHEMA = {
  data: {
    dir: { kind: 'string', def: './data', doc: 'Data directory: SQLite file, recordings, TTS cache' },
    url: { kind: 'string', def: '', secret: true, doc: 'Database: empty = the SQLite file in the data dir; postgres://user:pass@host/db = PostgreSQL (two or more instances on one database)' },
    pool_size: { kind: 'int', def: 10, min: 1, max: 200, doc: 'PostgreSQL: connections in the pool of this instance' },
    pg_synchronous_commit: { kind: 'enum', def: 'on', values: ['on', 'off'], doc: 'PostgreSQL synchronous_commit of this instance\'s sessions: on waits for the WAL flush at every commit (survives a database crash); off survives kill -9 of the hotline but a database crash may lose its last ~0.6 s of commits (like SQLite NORMAL), and is several times faster' },
    synchronous: { kind: 'enum', def: 'NORMAL', values: ['NORMAL', 'FULL'], doc: 'SQLite synchronous: NORMAL survives kill -9; FULL also power loss' },
    checkpoint: { kind: 'enum', def: 'background', values: ['background', 'inline'], doc: 'WAL checkpoints in a worker thread, off the event loop (background), or SQLite\'s auto-checkpoint on commit (inline)' },
    calendar_file: { kind: 'string', def: '', doc: 'Working-day calendar JSON (holidays, 调休 make-up days); default data/calendar.json' },
    categories_file: { kind: 'string', def: '', doc: 'Work-order categories (诉求分类) YAML: default departments, 签收/办结 time limits, working hours; default <data dir>/categories.yaml, else data/categories.yaml' },
    retention_days: { kind: 'int', def: 730, min: 30, doc: 'Days to keep SMS/call logs and recordings of closed items' },
    min_free_mb: { kind: 'int', def: 200, min: 0, doc: 'Warn (at start, in /health and the panel) when the data directory has less free disk space (MiB)' },
  },
  cluster: {
    heartbeat_sec: { kind: 'int', def: 5, min: 1, max: 60, doc: 'Several instances on one PostgreSQL: how often this instance renews its lease' },
    lease_sec: { kind: 'int', def: 20, min: 3, max: 600, doc: 'An instance not heard from this long is gone: its SMS being submitted go back to the queue for another instance' },
  },
  http: {
    host: { kind: 'string', def: '127.0.0.1', doc: 'HTTP listen address' },
    port: { kind: 'int', def: 8080, min: 0, max: 65535, doc: 'HTTP port (API, admin panel, media for Asterisk)' },
    public_url: { kind: 'string', def: '', doc: 'URL Asterisk uses to fetch generated prompts (default http://<host>:<port>)' },
    body_limit: { kind: 'int', def: 262144, min: 1024, doc: 'Maximum request body in bytes' },
    secure_cookies: { kind: 'bool', def: false, doc: 'Mark session cookies Secure (set when served behind https)' },
  },
  api: {
    clock_skew_sec: { kind: 'int', def: 600, min: 0, max: 86400, doc: 'How far in the future a department may date a step or acceptance (clock skew allowance)' },
  },
  time: {
    zone: { kind: 'string', def: 'Asia/Shanghai', doc: 'Time zone for due dates, quiet hours, display' },
  },
  ari: {
    url: { kind: 'string', def: '', doc: 'Asterisk ARI base URL, e.g. http://127.0.0.1:8088 (empty: built-in simulator)' },
    user: { kind: 'string', def: 'hotline', doc: 'ARI user' },
    password: { kind: 'string', def: '', secret: true, doc: 'ARI password' },
    app: { kind: 'string', def: 'hotline96365', doc: 'Stasis application name (one server per name: several servers against one Asterisk need distinct names)' },
    app_check_sec: { kind: 'int', def: 10, min: 0, doc: 'Check every N s that Asterisk still has the Stasis app registered to us (GET /applications/{app}); 0 = off' },
  },
  ami: {
    host: { kind: 'string', def: '', doc: 'Asterisk AMI host (empty: AMI disabled)' },
    port: { kind: 'int', def: 5038, min: 1, max: 65535, doc: 'AMI port' },
    user: { kind: 'string', def: 'hotline', doc: 'AMI user' },
    secret: { kind: 'string', def: '', secret: true, doc: 'AMI secret' },
  },
  smpp: {
    host: { kind: 'string', def: '', doc: 'SMSC host (empty: built-in SMSC simulator)' },
    port: { kind: 'int', def: 2775, min: 0, max: 65535, doc: 'SMSC port' },
    system_id: { kind: 'string', def: 'hotline', doc: 'SMPP system_id' },
    password: { kind: 'string', def: '', secret: true, doc: 'SMPP password' },
    system_type: { kind: 'string', def: '', doc: 'SMPP system_type' },
    address_range: { kind: 'string', def: '', doc: 'SMPP address_range for the bind' },
    source_addr: { kind: 'string', def: '96365', doc: 'Short code messages are sent from' },
    source_addr_ton: { kind: 'int', def: 0, min: 0, max: 6, doc: 'TON of the short code (source_addr_ton): 0 unknown, 3 network specific, … as the operator says' },
    source_addr_npi: { kind: 'int', def: 0, min: 0, max: 18, doc: 'NPI of the short code (source_addr_npi): 0 unknown, 1 E.164' },
    dest_addr_format: { kind: 'enum', def: 'international', values: ['international', 'national', 'unknown'], doc: 'How recipients are addressed: 8613900000001 TON 1/NPI 1, 13900000001 TON 2/NPI 1, or 13900000001 TON 0/NPI 1' },
    bind_mode: { kind: 'enum', def: 'transceiver', values: ['transceiver', 'pair'], doc: 'One transceiver bind, or a transmitter + receiver pair' },
    window: { kind: 'int', def: 10, min: 1, max: 1000, doc: 'Maximum submit_sm in flight' },
    tps: { kind: 'int', def: 100, min: 0, doc: 'Submit rate limit (segments/s; 0 = no limit)' },
    enquire_link_sec: { kind: 'int', def: 30, min: 1, doc: 'enquire_link interval' },
    enquire_link_timeout_sec: { kind: 'int', def: 5, min: 1, doc: 'No enquire_link_resp within this (and nothing else received) = dead link, re-bind; also sent when a submit is overdue' },
    response_timeout_sec: { kind: 'int', def: 10, min: 1, doc: 'Bind/unbind answer time; a submit unanswered after this makes the link probe itself (a late submit_sm_resp on a live link is still accepted, never resent)' },
    dc0: { kind: 'enum', def: 'gsm7', values: ['gsm7', 'latin1'], doc: 'How to read data_coding 0 from this SMSC' },
  },
  workorders: {
    warn_ratio: { kind: 'float', def: 0.8, min: 0.1, max: 0.99, doc: 'Work orders: early warning (即将超时, yellow) at this share of a time limit, in working time' },
    redo_limit: { kind: 'int', def: 2, min: 0, max: 20, doc: 'Work orders: 不满意 sends an order back to its department (重办) at most this many times; the next goes to a supervisor (转督办)' },
  },
  sms: {
    max_segments: { kind: 'int', def: 6, min: 1, max: 255, doc: 'Longest MT in segments' },
    quiet_start: { kind: 'hhmm', def: '22:00', doc: 'Quiet hours start (pushes held, replies not)' },
    quiet_end: { kind: 'hhmm', def: '08:00', doc: 'Quiet hours end (held pushes released)' },
    push_validity_hours: { kind: 'int', def: 48, min: 1, doc: 'A push not sent within this is expired' },
    replies_per_hour: { kind: 'int', def: 20, min: 1, doc: 'Automatic replies per number per hour (abuse guard); then one "too many messages" notice, then silence' },
    own_numbers: { kind: 'string', def: '', doc: 'Our own numbers besides smpp.source_addr (comma list, e.g. SP long numbers 1065796365): never answered, their texts never become complaints' },
    survey_window_hours: { kind: 'int', def: 72, min: 1, doc: 'How long a 1/2/3 reply counts as the satisfaction survey' },
    notify_applicant: { kind: 'bool', def: true, doc: "Push status changes to the applicant's own phone" },
    notify_progress_steps: { kind: 'bool', def: true, doc: 'Push a progress notice for steps that do not change the status' },
    templates_dir: { kind: 'string', def: './sms-templates', doc: 'SMS template directory' },
    reassembly_timeout_sec: { kind: 'int', def: 60, min: 1, doc: 'Process an incomplete long MO after this' },
    mo_dedupe_hours: { kind: 'int', def: 24, min: 1, max: 720, doc: 'Window in which an MO repeating a stored one octet for octet, whose deliver_sm_resp the SMSC may not have read, is a re-delivery (ignored)' },
    max_attempts: { kind: 'int', def: 8, min: 1, doc: 'Submit attempts before an MT is failed' },
    min_request_chars: { kind: 'int', def: 10, min: 1, max: 1000, doc: 'A text without a keyword this long (Chinese characters or words) is recorded as a request (诉求) for staff to classify' },
    concat_ref_bits: { kind: 'enum', def: '8', values: ['8', '16'], doc: 'Long-MT concatenation reference: 8-bit (IEI 00, every SMSC) or 16-bit (IEI 08, where the SMSC passes it); a per-recipient persisted sequence either way' },
    receipt_timeout_hours: { kind: 'int', def: 72, min: 1, doc: 'A submitted SMS whose delivery receipt never came ends 无回执 (no_receipt) after this' },
  },
  voice: {
    flows_dir: { kind: 'string', def: './ivr-flows', doc: 'IVR flow directory' },
    tts: { kind: 'enum', def: 'auto', values: ['auto', 'espeak-ng', 'say', 'none'], doc: 'TTS fallback engine' },
    tts_voice: { kind: 'string', def: '', doc: 'TTS voice (empty: espeak-ng cmn-latn-pinyin, say Tingting / Huihui); checked to speak Mandarin at start-up and by `hotline tts check` (Debian\'s espeak-ng voice cmn reads Chinese as English)' },
    tts_speed: { kind: 'int', def: 200, min: 80, max: 450, doc: 'TTS speaking rate in words per minute (espeak-ng default 175)' },
    operator_endpoint: { kind: 'string', def: 'PJSIP/operator', doc: 'Where 0 人工 is transferred' },
    transfer_timeout_sec: { kind: 'int', def: 30, min: 5, doc: 'Ring time before the transfer falls back to a recording' },
    ringback: { kind: 'enum', def: 'file', values: ['file', 'tone', 'moh'], doc: 'What a caller hears while the operator rings: file = generated 450 Hz ring-back WAV (no tone zone needed); tone = tone:ring;tonezone=cn (needs indications.conf); moh = music on hold' },
    moh_class: { kind: 'string', def: 'default', doc: 'Music-on-hold class when voice.ringback=moh' },
    sounds_dir: { kind: 'string', def: './sounds', doc: 'Professional recordings (<prompt name>.wav) that replace TTS-rendered prompts; office hours live in the flow file (ivr-flows/main.yaml)' },
    min_recording_sec: { kind: 'float', def: 1, min: 0, doc: 'Shorter recordings are dropped' },
    max_recording_sec: { kind: 'int', def: 180, min: 5, doc: 'Longest complaint recording' },
    max_lookups_per_call: { kind: 'int', def: 3, min: 1, doc: 'Unknown codes allowed per call before lookups stop' },
    media_url_ttl_sec: { kind: 'int', def: 86400, min: 60, doc: 'Lifetime of the signed /media URLs of shared prompts (personal call-back audio: 15 minutes)' },
    media_allow_from: { kind: 'string', def: '', doc: 'Comma-separated client addresses allowed to fetch /media (empty: any holder of a signed URL)' },
  },
  queue: {
    strategy: { kind: 'enum', def: 'longest-idle', values: ['longest-idle', 'ring-all', 'round-robin'], doc: 'Call queue: which ready operator rings next — the one ready the longest, all at once (the first to answer takes the call), or in turn' },
    ring_timeout_sec: { kind: 'int', def: 20, min: 5, max: 120, doc: 'An operator\'s phone rings this long before the next operator is tried (the caller keeps the place)' },
    wrap_up_sec: { kind: 'int', def: 30, min: 0, max: 900, doc: 'After a call the operator stays in wrap-up (整理) this long to finish the work order, then is ready again (0 = at once)' },
    announce_interval_sec: { kind: 'int', def: 60, min: 0, max: 3600, doc: 'A waiting caller hears their position and estimated wait this often (0 = only on entering the queue)' },
    callback_offer_after_sec: { kind: 'int', def: 90, min: 0, max: 3600, doc: 'After waiting this long a caller is offered 按1预约回拨 without losing the place (also at once when no operator is signed in; 0 = never)' },
    callback_attempts: { kind: 'int', def: 3, min: 1, max: 10, doc: 'Call-back attempts to the citizen (no answer, busy) before it fails finally and the citizen gets an SMS with the reference' },
    callback_backoff_sec: { kind: 'int', def: 300, min: 30, max: 86400, doc: 'Wait before the first call-back retry; doubled for each further one' },
    callback_quiet_start: { kind: 'hhmm', def: '21:00', doc: 'Call-back quiet hours start: no call-back is dialled until callback_quiet_end (requests wait, keeping their place)' },
    callback_quiet_end: { kind: 'hhmm', def: '08:00', doc: 'Call-back quiet hours end' },
    no_answer_to_break: { kind: 'bool', def: false, doc: 'An operator who lets a queued call ring out or declines it goes on break (小休) instead of staying ready' },
    handling_window: { kind: 'int', def: 20, min: 1, max: 1000, doc: 'Estimated wait = position × average handling time (of the last this-many calls, wrap-up included) ÷ operators signed in' },
    record_calls: { kind: 'bool', def: false, doc: 'Record queued calls put through to an operator (the bridge, via ARI): the citizen first hears 您的通话可能被录音; the recording is linked to the call and its work order' },
    whisper: { kind: 'bool', def: true, doc: 'The operator hears a short whisper (96365来电) on answering a queued call, before the caller is put through' },
    default_handling_sec: { kind: 'int', def: 180, min: 10, max: 3600, doc: 'Handling time assumed for the estimate before the first call' },
  },
  mail: {
    enabled: { kind: 'bool', def: false, doc: "The citizens' mailbox (市民信箱): mail to the hotline address becomes a work order, answered by mail (demo mode turns it on with a local SMTP sink as the relay)" },
    mode: { kind: 'enum', def: 'smtp', values: ['smtp', 'imap'], doc: 'Intake: smtp = our own SMTP server (point MX or forwarding at it); imap = poll a hosted mailbox (HOTLINE_MAIL_IMAP_*; IDLE between polls when the server has it)' },
    smtp_host: { kind: 'string', def: '0.0.0.0', doc: 'Intake SMTP listen address' },
    smtp_port: { kind: 'int', def: 2525, min: 0, max: 65535, doc: 'Intake SMTP port (25 behind MX needs privileges: forward 25 → this port)' },
    imap_host: { kind: 'string', def: '', doc: 'IMAP mode: the hosted mailbox server' },
    imap_port: { kind: 'int', def: 993, min: 1, max: 65535, doc: 'IMAP mode: server port' },
    imap_tls: { kind: 'bool', def: true, doc: 'IMAP mode: implicit TLS (993); false = plain IMAP (test servers, internal networks)' },
    imap_user: { kind: 'string', def: '', doc: 'IMAP mode: login user' },
    imap_password: { kind: 'string', def: '', secret: true, doc: 'IMAP mode: login password' },
    imap_mailbox: { kind: 'string', def: 'INBOX', doc: 'IMAP mode: the folder polled for unseen mail' },
    imap_poll_sec: { kind: 'int', def: 60, min: 1, max: 3600, doc: 'IMAP mode: poll interval (new mail also wakes the intake at once through IDLE when the server has it)' },
    imap_done_mailbox: { kind: 'string', def: '', doc: 'IMAP mode: folder processed mail is moved to (empty: marked \\Seen and left in place)' },
    address: { kind: 'string', def: '96365@hotline.local', doc: 'The hotline address(es), comma list: mail to any other recipient is refused (550)' },
    max_mb: { kind: 'int', def: 10, min: 1, max: 100, doc: 'Largest accepted mail in MiB (SIZE extension and while receiving: 552)' },
    max_attachments: { kind: 'int', def: 10, min: 0, max: 100, doc: 'Attachments stored per mail (more are listed in the timeline, not stored)' },
    attachment_types: { kind: 'string', def: 'image/*,application/pdf,text/plain,application/msword,application/vnd.openxmlformats-officedocument.*,application/vnd.ms-excel', doc: 'Content types of attachments that are stored (comma list, * wildcard after /)' },
    per_sender_per_hour: { kind: 'int', def: 20, min: 0, doc: 'Mails accepted per sender address per hour (then 450; 0 = no limit)' },
    per_ip_per_hour: { kind: 'int', def: 100, min: 0, doc: 'Mails accepted per client IP per hour (then 450; 0 = no limit)' },
    relay_host: { kind: 'string', def: '', doc: 'Outbound SMTP relay host (auto-replies, answers, pushes); empty: no outbound mail (queued mail waits), demo: the local sink' },
    relay_port: { kind: 'int', def: 587, min: 1, max: 65535, doc: 'Outbound relay port (465 = implicit TLS; otherwise STARTTLS when offered)' },
    relay_user: { kind: 'string', def: '', doc: 'Outbound relay user (empty: no AUTH)' },
    relay_password: { kind: 'string', def: '', secret: true, doc: 'Outbound relay password' },
    relay_from: { kind: 'string', def: '', doc: 'From address of our mail (empty: the first hotline address)' },
    max_attempts: { kind: 'int', def: 8, min: 1, max: 50, doc: 'Send attempts of an outbound mail before it is failed (temporary errors retried after 30 s, doubling, at most 1 h)' },
    validity_hours: { kind: 'int', def: 72, min: 1, doc: 'An outbound mail not sent within this is expired' },
  },
  admin: {
    session_hours: { kind: 'int', def: 8, min: 1, doc: 'Staff session lifetime' },
    lockout_attempts: { kind: 'int', def: 5, min: 1, doc: 'Failed logins of one user from one address before that pair is locked for 15 minutes' },
    address_attempts: { kind: 'int', def: 20, min: 1, doc: 'Failed logins from one client address (any user) per 15 minutes before that address gets 429' },
    login_concurrency: { kind: 'int', def: 4, min: 1, max: 64, doc: 'Password hashes computed at once (more waiting logins get 429 with Retry-After)' },
    demo: { kind: 'enum', def: 'auto', values: ['auto', 'on', 'off'], doc: 'Demo data, demo login and test phone (auto: on when running on simulators)' },
  },
  web: {
    enabled: { kind: 'bool', def: true, doc: 'The public web window (网站服务) at / and /web/: 办件查询, 投诉/咨询/建议, 订阅, 办事指南, 公开栏' },
    secret: { kind: 'string', def: '', secret: true, doc: 'Key of the web forms\' CSRF and challenge tokens (HMAC); empty = a random key per process (set the same value on every instance behind one address)' },
    query_per_minute: { kind: 'int', def: 30, min: 1, max: 10000000, doc: 'Look-ups (办件查询, 跟进查询) per client address per minute before the arithmetic challenge is asked' },
    form_per_hour: { kind: 'int', def: 10, min: 1, max: 100000, doc: 'Complaints/consultations/suggestions per client address per hour before the challenge is asked' },
    code_per_hour: { kind: 'int', def: 5, min: 1, max: 1000, doc: 'SMS one-time codes (订阅/退订) per client address and per phone per hour (beyond: the challenge, then refusal for the phone)' },
    code_minutes: { kind: 'int', def: 10, min: 1, max: 60, doc: 'A one-time code is valid this many minutes' },
    code_attempts: { kind: 'int', def: 5, min: 1, max: 20, doc: 'Wrong tries of one one-time code before it is void' },
    attachment_max_kb: { kind: 'int', def: 2048, min: 16, max: 20480, doc: 'Largest attachment of a web complaint (KiB; JPEG, PNG, PDF only)' },
    attachment_max_files: { kind: 'int', def: 3, min: 0, max: 10, doc: 'Attachments per web complaint (0: no attachments)' },
  },
  log: {
    level: { kind: 'enum', def: 'info', values: ['debug', 'info', 'warn', 'error', 'silent'], doc: 'Log level' },
  },
} as const satisfies Record<string, Record<string, KeyDef>>;

type Schema = typeof SCHEMA;
type ValueOf<D> = D extends { kind: 'int' | 'float' } ? number : D extends { kind: 'bool' } ? boolean : string;
export type Config = { [S in keyof Schema]: { [K in keyof Schema[S]]: ValueOf<Schema[S][K]> } };

export class ConfigError extends Error {}

export function envName(section: string, key: string): string {
  return `HOTLINE_${section.toUpperCase()}_${key.toUpperCase()}`;
}

function parseValue(path: string, def: KeyDef, raw: unknown): string | number | boolean {
  const bad = (why: string) => new ConfigError(`config ${path}: ${why} (got ${JSON.stringify(raw)})`);
  switch (def.kind) {
    case 'int': case 'float': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (!Number.isFinite(n) || (def.kind === 'int' && !Number.isInteger(n))) throw bad(`must be ${def.kind === 'int' ? 'an integer' : 'a number'}`);
      if (def.min !== undefined && n < def.min) throw bad(`must be ≥ ${def.min}`);
      if (def.max !== undefined && n > def.max) throw bad(`must be ≤ ${def.max}`);
      return n;
    }
    case 'bool': {
      if (typeof raw === 'boolean') return raw;
      const s = String(raw).toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(s)) return true;
      if (['0', 'false', 'no', 'off'].includes(s)) return false;
      throw bad('must be true or false');
    }
    case 'enum': {
      const s = String(raw);
      if (!def.values!.includes(s)) throw bad(`must be one of ${def.values!.join(', ')}`);
      return s;
    }
    case 'hhmm': {
      const s = String(raw);
      if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(s)) throw bad('must be HH:mm');
      return s;
    }
    default:
      if (typeof raw !== 'string' && typeof raw !== 'number') throw bad('must be a string');
      return String(raw);
  }
}

export interface LoadOptions { env?: NodeJS.ProcessEnv; file?: string | null; cwd?: string }

export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  let fileValues: Record<string, Record<string, unknown>> = {};
  const file = opts.file !== undefined ? opts.file : env.HOTLINE_CONFIG ?? (existsSync(resolve(cwd, 'hotline.config.json')) ? resolve(cwd, 'hotline.config.json') : null);
  if (file) {
    try { fileValues = JSON.parse(readFileSync(resolve(cwd, file), 'utf8')); } catch (e) {
      throw new ConfigError(`config file ${file}: ${(e as Error).message}`);
    }
    for (const [s, keys] of Object.entries(fileValues)) {
      if (!(s in SCHEMA)) throw new ConfigError(`config file ${file}: unknown section "${s}"`);
      for (const k of Object.keys(keys ?? {})) if (!(k in (SCHEMA as Record<string, object>)[s])) throw new ConfigError(`config file ${file}: unknown key ${s}.${k}`);
    }
  }
  const out: Record<string, Record<string, unknown>> = {};
  for (const [section, keys] of Object.entries(SCHEMA) as Array<[string, Record<string, KeyDef>]>) {
    out[section] = {};
    for (const [key, def] of Object.entries(keys)) {
      const e = env[envName(section, key)];
      const raw = e !== undefined ? e : fileValues[section]?.[key] !== undefined ? fileValues[section][key] : def.def;
      const path = e !== undefined ? `${envName(section, key)}` : `${section}.${key}`;
      out[section][key] = parseValue(path, def, raw);
    }
  }
  const cfg = out as Config;
  // Cross-checks
  try { new Intl.DateTimeFormat('en', { timeZone: cfg.time.zone }); } catch { throw new ConfigError(`config HOTLINE_TIME_ZONE: unknown time zone "${cfg.time.zone}"`); }
  if (cfg.data.url && !/^postgres(ql)?:\/\//i.test(cfg.data.url)) throw new ConfigError('config HOTLINE_DATA_URL: must be empty (SQLite) or start with postgres:// or postgresql://');
  if (cfg.ari.url && !/^https?:\/\//.test(cfg.ari.url)) throw new ConfigError(`config HOTLINE_ARI_URL: must start with http:// or https:// (got "${cfg.ari.url}")`);
  return cfg;
}

/** Markdown table of every key, for the README and `hotline config`. */
export function describeConfig(): string {
  const lines = ['| env variable | file key | default | meaning |', '|---|---|---|---|'];
  for (const [section, keys] of Object.entries(SCHEMA) as Array<[string, Record<string, KeyDef>]>) {
    for (const [key, def] of Object.entries(keys)) {
      const d = def.def === '' ? '(empty)' : String(def.def);
      lines.push(`| \`${envName(section, key)}\` | \`${section}.${key}\` | ${d.replace(/\|/g, '\\|')} | ${def.doc}${def.values ? ` (${def.values.join(' / ')})` : ''} |`);
    }
  }
  return lines.join('\n');
}

/** The config with secrets blanked, for logs and the panel. */
export function redactConfig(cfg: Config): Config {
  const out = JSON.parse(JSON.stringify(cfg));
  for (const [section, keys] of Object.entries(SCHEMA) as Array<[string, Record<string, KeyDef>]>) {
    for (const [key, def] of Object.entries(keys)) if (def.secret && out[section][key]) out[section][key] = '***';
  }
  return out;
}
