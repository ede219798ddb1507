/**
 * The domain side of the engine's effects: lookup, subscribe, submitFeedback. (transfer is in the
 * call manager: it needs ARI channels and bridges.) Each resolves to the EffectResult the engine
 * expects; none rejects. The session feeds the result back to the (synchronous) engine as an event.
 * Store calls are awaited: on SQLite they resolve as microtasks, so a status query still answers in
 * the event-loop turn of the caller's key press.
 */
import { mkdirSync } from 'node:fs';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Infra, Services } from '../../context.js';
import { isMobileNumber, normalisePhone } from '../../domain/masking.js';
import { localDate } from '../../domain/time.js';
import { FEEDBACK_KIND_ZH, FEEDBACK_KINDS, type FeedbackKind } from '../../domain/types.js';
import type { SmsChannel } from '../../sms/channel.js';
import type { Logger } from '../../log.js';
import type { EffectResult } from '../flow/index.js';
import { wavInfo } from '../tts/index.js';
import type { AriPort } from '../ari/types.js';

export type SmsSource = SmsChannel | (() => SmsChannel | null | undefined) | null | undefined;

export function smsOf(src: SmsSource): SmsChannel | null {
  if (!src) return null;
  return typeof src === 'function' ? (src() ?? null) : src;
}

export interface EffectContext {
  ctx: Pick<Infra, 'config' | 'storage'> & Pick<Services, 'declarations' | 'feedback' | 'subscriptions'>;
  ari: AriPort;
  sms: SmsSource;
  /** <data dir>/recordings */
  recordingsDir: string;
  minRecordingSec: number;
  log: Logger;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** lookup: a declaration's public status, as the variables main.yaml reads. */
export async function lookupEffect(ec: EffectContext, params: Record<string, unknown>): Promise<EffectResult> {
  const code = String(params.code ?? '');
  try {
    const r = await ec.ctx.declarations.lookupStatus(code);
    if (!r.found) return { status: 'notFound', reason: r.reason };
    const v = r.view;
    const tz = ec.ctx.config.time.zone;
    const day = (iso: string | null | undefined) => (iso ? localDate(new Date(iso), tz) : '');
    return {
      status: 'found',
      vars: {
        item: v.itemName, dept: v.departmentName, status: v.status, statusLabel: v.statusLabel,
        lastStepName: v.lastStep?.name ?? '', lastStepDate: day(v.lastStep?.at ?? v.acceptedAt),
        acceptedDate: day(v.acceptedAt), dueDate: day(v.dueAt), overdue: v.overdue ? 'true' : 'false',
      },
    };
  } catch (e) {
    if (!ec.ctx.storage.failure(e, 'voice lookup')) ec.log.error('lookup failed', { error: (e as Error).message });
    return { status: 'error', reason: 'store' };
  }
}

/** subscribe: SMS updates for this caller — only a mobile number can receive them. */
export async function subscribeEffect(ec: EffectContext, params: Record<string, unknown>): Promise<EffectResult> {
  const code = String(params.code ?? '');
  const caller = String(params.caller ?? '');
  if (!isMobileNumber(caller)) return { status: 'fail', reason: 'not a mobile number' };
  try {
    const r = await ec.ctx.declarations.lookupStatus(code);
    if (!r.found) return { status: 'fail', reason: r.reason };
    await ec.ctx.subscriptions.subscribe(caller, r.declaration, 'voice');
    return { status: 'ok' };
  } catch (e) {
    if (!ec.ctx.storage.failure(e, 'voice subscribe')) ec.log.error('subscribe failed', { error: (e as Error).message });
    return { status: 'error', reason: 'store' };
  }
}

/** Download a stored recording with a few retries (Asterisk may still be closing the file). */
export async function downloadWithRetry(ari: AriPort, name: string, tries = 4): Promise<Buffer> {
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    try { return await ari.downloadRecording(name); } catch (e) {
      last = e;
      if ((e as { status?: number }).status === 404 && i >= 1) break; // really not there
      await sleep(150 * 2 ** i);
    }
  }
  throw last instanceof Error ? last : new Error(String(last));
}

/**
 * A queued call's operator recording finished on Asterisk: fetch it into
 * <data>/recordings/operator/<name>.wav, note it on the caller's call row (the work order saved for
 * the call links to it through feedback.call_id) and remove it from Asterisk.
 */
export async function saveOperatorRecording(d: { ari: AriPort; recordingsDir: string; calls: { setOperatorRecording(callId: string, path: string): Promise<boolean> | boolean }; log: Logger }, callId: string, name: string): Promise<void> {
  if (!/^[A-Za-z0-9._-]{1,160}$/.test(name)) return;
  const buf = await downloadWithRetry(d.ari, name);
  const dir = join(d.recordingsDir, 'operator');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.wav`);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, buf);
  await rename(tmp, file).catch(async (e) => { await unlink(tmp).catch(() => undefined); throw e; });
  if (!(await d.calls.setOperatorRecording(callId, `operator/${name}.wav`))) d.log.warn('坐席通话录音：找不到通话记录 / operator recording: no call row', { callId, recording: name });
  await d.ari.deleteStoredRecording(name).catch(() => undefined);
}

/** Duration of a WAV in seconds, or null when the bytes are not a WAV we can read. */
export function wavSeconds(buf: Buffer): number | null {
  try { return wavInfo(buf).durationSec; } catch { return null; }
}

export interface SubmitOutcome { result: EffectResult; ref?: string; feedbackId?: number; recordingName: string; saved: boolean }

/**
 * submitFeedback: fetch the recording through ARI into <data>/recordings/<name>.wav, drop it if
 * shorter than voice.min_recording_sec, create the feedback, and queue the SMS confirmation for a
 * mobile caller. Works after the channel is gone (the stored recording outlives the call).
 */
export async function submitFeedbackEffect(ec: EffectContext, params: Record<string, unknown>): Promise<SubmitOutcome> {
  const name = String(params.recording ?? '');
  const kind = String(params.feedbackKind ?? '') as FeedbackKind;
  const caller = String(params.caller ?? '');
  const callId = String(params.callId ?? '');
  const log = ec.log;
  if (!/^[A-Za-z0-9._-]{1,120}$/.test(name) || !(FEEDBACK_KINDS as readonly string[]).includes(kind)) {
    return { result: { status: 'error', reason: 'bad parameters' }, recordingName: name, saved: false };
  }
  let durationSec = Number(params.durationSec) || 0;
  let recordingPath: string | null = null;
  try {
    const buf = await downloadWithRetry(ec.ari, name);
    const measured = wavSeconds(buf);
    if (measured !== null) durationSec = measured;
    if (durationSec < ec.minRecordingSec) {
      log.info('录音过短，已丢弃 / recording shorter than voice.min_recording_sec dropped', { callId, recording: name, durationSec, min: ec.minRecordingSec });
      return { result: { status: 'error', reason: 'too short' }, recordingName: name, saved: false };
    }
    mkdirSync(ec.recordingsDir, { recursive: true });
    const file = join(ec.recordingsDir, `${name}.wav`);
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, buf);
    await rename(tmp, file).catch(async (e) => { await unlink(tmp).catch(() => undefined); throw e; });
    recordingPath = `${name}.wav`; // relative to <data dir>/recordings (the panel resolves it there)
  } catch (e) {
    // Full disk: the message cannot be kept; the caller hears the apology (submit_failed) and calls again.
    if (ec.ctx.storage.failure(e, 'voice recording')) return { result: { status: 'error', reason: 'storage' }, recordingName: name, saved: false };
    // The message is still registered (the caller was told so): staff can call back; the log says why.
    log.error('录音下载失败 / recording download failed; the feedback is created without audio', { callId, recording: name, error: (e as Error).message });
  }
  try {
    const path = Array.isArray(params.path) ? (params.path as unknown[]).map(String).join('>') : null;
    const f = await ec.ctx.feedback.create({
      kind, channel: 'voice', phone: caller || null, text: recordingPath ? null : '（电话留言，录音获取失败 voice message, recording unavailable）',
      recordingPath, recordingDuration: Math.round(durationSec * 10) / 10, callId: callId || null, flowPath: path,
    });
    const sms = smsOf(ec.sms);
    if (caller && isMobileNumber(caller)) {
      if (sms) {
        try {
          await sms.outbox.queue({
            phone: normalisePhone(caller), text: sms.templates.render('voice.complaint_confirm', { ref: f.ref, kind: FEEDBACK_KIND_ZH[kind] }),
            reason: 'reply', template: 'voice.complaint_confirm', dedupeKey: `voice-confirm:${f.id}`, feedbackId: f.id,
          });
        } catch (e) {
          if (!ec.ctx.storage.failure(e, 'voice confirmation sms')) log.error('SMS confirmation could not be queued', { ref: f.ref, error: (e as Error).message });
        }
      } else {
        log.warn('no SMS channel: voice feedback confirmation not sent', { ref: f.ref });
      }
    }
    return { result: { status: 'ok', ref: f.ref }, ref: f.ref, feedbackId: f.id, recordingName: name, saved: !!recordingPath };
  } catch (e) {
    if (ec.ctx.storage.failure(e, 'voice feedback')) {
      // Not registered, and the caller is told so: no orphaned copy of their voice on our disk.
      if (recordingPath) await unlink(join(ec.recordingsDir, recordingPath)).catch(() => undefined);
      return { result: { status: 'error', reason: 'storage' }, recordingName: name, saved: false };
    }
    log.error('feedback could not be created', { callId, error: (e as Error).message });
    return { result: { status: 'error', reason: 'store' }, recordingName: name, saved: !!recordingPath };
  }
}
