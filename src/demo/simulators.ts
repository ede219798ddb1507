/**
 * The built-in peers for try-it-now mode and tests: when no SMSC (HOTLINE_SMPP_HOST) or no Asterisk
 * (HOTLINE_ARI_URL) is configured, the wiring starts the SMSC or ARI simulator here and hands it to the
 * channel — channels never start or import a simulator (an ESLint wall). Simulators given by a test are
 * used as they are and not stopped.
 */
import type { Config } from '../config/index.js';
import type { Component } from '../app.js';
import { AriSimulator } from '../sim/ari/index.js';
import { SmscSimulator, DEFAULT_SMSC_CREDENTIALS } from '../sim/smsc/index.js';
import { MailSink } from '../sim/mail-sink/index.js';

/** The simulator types, for the wiring and tests (which may not import src/sim themselves). */
export type { AriSimulator } from '../sim/ari/index.js';
export type { SmscSimulator } from '../sim/smsc/index.js';
export type { MailSink, SinkMail } from '../sim/mail-sink/index.js';
import { SIMULATOR_ARI_PASSWORD } from '../voice/channel.js';
import type { TestPhoneFactory } from '../voice/sim-port.js';
import type { Infra } from '../context.js';
import { SimTestPhone } from './voice-test-phone.js';

export interface DemoSimulators extends Component {
  /** The SMSC simulator the SMS channel binds to (null: a real SMSC is configured). */
  readonly smsc: SmscSimulator | null;
  /** The ARI simulator the voice channel runs on (null: a real Asterisk is configured, or no voice). */
  readonly ari: AriSimulator | null;
  /** The test phone's call half on that simulator. */
  readonly testPhone: TestPhoneFactory | undefined;
  /** The local SMTP sink the mailbox sends through (demo mode without HOTLINE_MAIL_RELAY_HOST; null otherwise). */
  readonly mailSink: MailSink | null;
}

export function demoSimulators(ctx: Infra, opts: { voice: boolean; ari?: AriSimulator | null; ariSpeed?: number; smsc?: SmscSimulator | null; mailSink?: boolean }): DemoSimulators {
  const cfg: Config = ctx.config;
  const wantSmsc = !cfg.smpp.host;
  const ownSmsc = wantSmsc && !opts.smsc;
  const smsc = wantSmsc ? (opts.smsc ?? new SmscSimulator({ ...DEFAULT_SMSC_CREDENTIALS, dlrDelayMs: 300 })) : null;
  const wantAri = opts.voice && !cfg.ari.url;
  const own = wantAri && !opts.ari;
  const ari = wantAri ? (opts.ari ?? new AriSimulator({ speed: opts.ariSpeed ?? 1 })) : null;
  const mailSink = opts.mailSink ? new MailSink() : null;
  return {
    name: 'simulators',
    smsc,
    ari,
    mailSink,
    testPhone: ari ? ({ media, app }) => new SimTestPhone(ctx, ari, media, () => smsc, app) : undefined,
    async start() {
      if (smsc && !smsc.port) await smsc.start({ host: '127.0.0.1', port: 0 });
      if (mailSink && !mailSink.port) await mailSink.start({ host: '127.0.0.1', port: 0 });
      if (ari && !ari.url) await ari.start({ host: '127.0.0.1', port: 0, username: cfg.ari.user, password: cfg.ari.password || SIMULATOR_ARI_PASSWORD });
    },
    async stop() {
      if (own && ari) await ari.stop();
      if (ownSmsc && smsc) await smsc.stop();
      await mailSink?.stop();
    },
  };
}
