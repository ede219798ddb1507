/**
 * The kill -9 storm (issue 10 §1), shared by bench/sms-kill-storm.bench.ts (100 kills, 10,000 recipients)
 * and the shorter version in test/e2e/sms-faults.test.ts (≥ 10 kills, 1,000 recipients).
 *
 * A declaration with N subscribers; a status step (POST …/events, answered 201 = N pushes persisted);
 * then `kills` times: the server (`hotline start` in its own process, on the SMSC simulator of the
 * caller's process) is killed with SIGKILL at a random moment after it finished starting, and started
 * again at once. Finally it runs until every push is delivered.
 *
 * The figures come from the peer, not from our code: the simulator (a separate process from the server)
 * records per handset which segments it answered positively; a segment answered positively twice is a
 * duplicate after a positive response. Lost = a recipient the SMSC never accepted the push for, or a row
 * that did not end delivered. Counted unknowns = the server's own `unknown_outcomes` (segments it resent
 * without knowing whether the SMSC had them).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { addDepartment } from '../src/departments.js';
import { DEFAULT_SMSC_CREDENTIALS, type SmscSimulator } from '../src/sim/smsc/index.js';
import { Store } from '../src/store/index.js';

export interface StormOptions {
  /** The simulator (started, in this process). */
  sim: SmscSimulator;
  /** A fresh data directory. */
  dir: string;
  recipients: number;
  kills: number;
  /** smpp.tps and smpp.window of the server. */
  tps: number;
  window: number;
  /** Each kill lands uniformly within this many ms after the server finished starting. */
  maxKillDelayMs: number;
  /** Time allowed for the last run to deliver everything. */
  finishTimeoutMs?: number;
  /** Progress lines (bench); default silent. */
  progress?: (line: string) => void;
  /** Extra server environment. */
  env?: Record<string, string>;
}

export interface StormResult {
  recipients: number;
  kills: number;
  /** Kills that landed while pushes were still outstanding (the SMSC had not accepted every recipient yet). */
  killsDuringPush: number;
  lost: number;
  /** Counted by the simulator: segments it answered positively more than once. */
  duplicatesAfterPositive: number;
  duplicateHandsets: number;
  /**
   * Duplicates whose first positive answer's message id the server had stored (it resent a segment it
   * knew was accepted): avoidable by definition, must be 0. The others were answered by the SMSC but
   * the answer never reached the server's disk before the kill.
   */
  duplicatesOfStoredAnswers: number;
  /** The server's own count of segments resent without a known outcome. */
  unknownsCounted: number;
  rowsDelivered: number;
  seconds: number;
  /** Submits the simulator saw in all (accepted or not). */
  submits: number;
}

const QUIET_OFF = { HOTLINE_SMS_QUIET_START: '00:00', HOTLINE_SMS_QUIET_END: '00:00' };
const CLI = join(import.meta.dirname, '..', 'src', 'cli.ts');

export async function runKillStorm(o: StormOptions): Promise<StormResult> {
  const t0 = performance.now();
  const say = o.progress ?? (() => undefined);
  const { sim, dir } = o;
  // Seed: a declaration with N subscribers.
  const store = Store.open(join(dir, 'hotline.db'));
  const { department, apiKey } = await addDepartment(store, 'SCJG', '市市场监督管理局');
  const now = new Date().toISOString();
  store.db.prepare(`INSERT INTO declarations (query_code, department_id, dept_ref, item_name, status, status_at, accepted_at, created_at, updated_at) VALUES ('100000000019', ?, 'K-1', '食品经营许可', 'accepted', ?, ?, ?, ?)`).run(department.id, now, now, now, now);
  const declId = (store.db.prepare('SELECT id FROM declarations').get() as { id: number }).id;
  const phones = Array.from({ length: o.recipients }, (_, i) => `86${13700000000 + i}`);
  await store.transaction(async () => { for (const p of phones) await store.subscriptions.insert(p, declId, 'sms', now); });
  await store.close();

  const env = {
    ...process.env, HOTLINE_DATA_DIR: dir, HOTLINE_HTTP_PORT: '0', HOTLINE_LOG_LEVEL: 'warn', HOTLINE_SMPP_HOST: '127.0.0.1', HOTLINE_SMPP_PORT: String(sim.port),
    HOTLINE_SMPP_SYSTEM_ID: DEFAULT_SMSC_CREDENTIALS.systemId, HOTLINE_SMPP_PASSWORD: DEFAULT_SMSC_CREDENTIALS.password, HOTLINE_SMPP_TPS: String(o.tps),
    HOTLINE_SMPP_WINDOW: String(o.window), HOTLINE_SMS_NOTIFY_APPLICANT: 'false', HOTLINE_ADMIN_DEMO: 'off', HOTLINE_ARI_URL: '',
    // The prompt catalogue's TTS rendering is voice start-up work outside the SMS path (see bench/sms-common.ts).
    HOTLINE_VOICE_TTS: 'none', ...QUIET_OFF, ...o.env,
  };
  let child: ChildProcess | null = null;
  const start = async (): Promise<string> => {
    const c = spawn(process.execPath, ['--import', 'tsx', CLI, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    return new Promise<string>((resolve, reject) => {
      let buf = '';
      const on = (d: Buffer) => { buf = (buf + d.toString()).slice(-20_000); const m = /listening on (http:\/\/\S+)/.exec(buf); if (m) resolve(m[1]); };
      c.stdout!.on('data', on); c.stderr!.on('data', on);
      c.once('exit', (code) => reject(new Error(`server exited ${code}: ${buf.slice(-1500)}`)));
    });
  };
  const kill = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  try {
    const url = await start();
    const res = await fetch(`${url}/api/v1/declarations/K-1/events`, {
      method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ eventId: 'k1', stepName: '审批', status: 'approved', occurredAt: new Date().toISOString() }),
    });
    if (res.status !== 201) throw new Error(`status event answered ${res.status}`);
    let killsDuringPush = 0;
    for (let k = 0; k < o.kills; k++) {
      await new Promise((r) => setTimeout(r, Math.random() * o.maxKillDelayMs));
      if (sim.answeredHandsets().size < o.recipients) killsDuringPush++;
      await kill();
      if ((k + 1) % 10 === 0 || k === o.kills - 1) {
        say(`kill ${k + 1}/${o.kills}: SMSC accepted ${sim.answeredHandsets().size.toLocaleString()} of ${o.recipients.toLocaleString()} recipients, duplicates after a positive response so far ${sim.answeredTwice().duplicates}`);
      }
      await start();
    }
    // The last run delivers the rest.
    const deadline = Date.now() + (o.finishTimeoutMs ?? 300_000);
    const count = () => {
      const st = Store.open(join(dir, 'hotline.db'));
      try {
        return st.db.prepare(`SELECT COUNT(*) FILTER (WHERE status = 'delivered') AS delivered, COALESCE(SUM(unknown_outcomes), 0) AS unknowns, COUNT(*) AS rows FROM sms_outbox`).get() as { delivered: number; unknowns: number; rows: number };
      } finally { st.close(); }
    };
    let c = count();
    while ((sim.answeredHandsets().size < o.recipients || c.delivered < o.recipients) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      c = count();
    }
    const answered = sim.answeredHandsets();
    const notAccepted = phones.filter((p) => !answered.has(p)).length;
    const twice = sim.answeredTwice();
    const st = Store.open(join(dir, 'hotline.db'));
    let ofStored = 0;
    try {
      const q = st.db.prepare('SELECT 1 FROM sms_segments WHERE message_id_raw = ? LIMIT 1').pluck();
      for (const id of twice.firstIds) if (q.get(id)) ofStored++;
    } finally { st.close(); }
    return {
      recipients: o.recipients, kills: o.kills, killsDuringPush,
      lost: Math.max(notAccepted, o.recipients - c.delivered),
      duplicatesAfterPositive: twice.duplicates, duplicateHandsets: twice.handsets.length, duplicatesOfStoredAnswers: ofStored,
      unknownsCounted: c.unknowns, rowsDelivered: c.delivered, seconds: (performance.now() - t0) / 1000, submits: sim.counts.submits,
    };
  } finally {
    await kill();
  }
}
