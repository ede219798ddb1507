/**
 * Bridge recordings (POST /bridges/{bridgeId}/record, bridges.json of ARI 22.9): Asterisk puts a
 * recorder into the bridge and records the mix; RecordingStarted / RecordingFinished go to the apps
 * of the bridge with `target_uri: "bridge:<id>"`. The recording ends when it is stopped
 * (POST /recordings/live/{name}/stop), reaches maxDurationSeconds, or the bridge is destroyed; the
 * stored file (8 kHz mono) is then served by /recordings/stored/{name}/file like a channel recording.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AriSimulator } from './simulator.js';
import { AriError, FORMATS, ok, type BridgeRec, type HttpResult, type Params } from './model.js';
import { synthesizePcm } from './wav.js';

export interface BridgeRecordingRec {
  name: string;
  format: string;
  bridge: BridgeRec;
  state: 'recording' | 'done';
  startWall: number;
  timer?: NodeJS.Timeout;
}

const json = (r: BridgeRecordingRec, extra: Record<string, unknown> = {}) => ({ name: r.name, format: r.format, state: r.state, target_uri: `bridge:${r.bridge.id}`, ...extra });

export function startBridgeRecording(sim: AriSimulator, p: Params): HttpResult {
  const b = sim.bridges.get(p.get('bridgeId') ?? '');
  if (!b) throw new AriError(404, 'Bridge not found');
  const name = p.get('name');
  if (!name) throw new AriError(400, 'Recording name is required');
  const format = p.get('format') ?? '';
  if (!FORMATS[format]) throw new AriError(422, 'specified format is unknown on this system');
  const ifExists = p.get('ifExists') ?? 'fail';
  if (!['fail', 'overwrite', 'append'].includes(ifExists)) throw new AriError(400, 'ifExists invalid');
  const maxDurationSec = Number(p.get('maxDurationSeconds') ?? 0) || 0;
  if (maxDurationSec < 0) throw new AriError(400, 'max_duration_seconds cannot be negative');
  if (name.startsWith('/') || name.split('/').some((s) => s === '..' || s === '.' || s === '') || name.includes('\0')) throw new AriError(400, 'Recording name invalid');
  if (sim.liveRecordings.has(name) || sim.bridgeRecordings.has(name) || (sim.stored.has(name) && ifExists === 'fail')) {
    throw new AriError(409, `Recording '${name}' already exists and can not be overwritten`);
  }
  const rec: BridgeRecordingRec = { name, format, bridge: b, state: 'recording', startWall: Date.now() };
  sim.bridgeRecordings.set(name, rec);
  if (maxDurationSec > 0) rec.timer = setTimeout(() => finishBridgeRecording(sim, rec), sim.wallMs(maxDurationSec * 1000));
  sim.emitTo(sim.bridgeTargets(b), 'RecordingStarted', { recording: json(rec) });
  for (const id of b.channels) sim.channels.get(id)?.call._hear({ kind: 'recording', detail: name });
  return ok(json(rec), 201);
}

/** Write the file and report RecordingFinished {state: done, duration}. */
export function finishBridgeRecording(sim: AriSimulator, rec: BridgeRecordingRec): void {
  if (rec.state !== 'recording') return;
  if (rec.timer) clearTimeout(rec.timer);
  rec.state = 'done';
  sim.bridgeRecordings.delete(rec.name);
  const simMs = Math.max(0, (Date.now() - rec.startWall) * sim.speed);
  const pcm = synthesizePcm([{ ms: Math.min(simMs, 10 * 60_000), talking: true }], rec.name.length + 11);
  const file = sim.recordingFile(rec.name, rec.format);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, sim.encode(pcm, rec.format));
  sim.stored.set(rec.name, { name: rec.name, format: rec.format, file });
  sim.emitTo(sim.bridgeTargets(rec.bridge), 'RecordingFinished', { recording: json(rec, { duration: Math.floor(simMs / 1000) }) });
}

/** The bridge is being destroyed: its recordings end first. */
export function endBridgeRecordings(sim: AriSimulator, b: BridgeRec): void {
  for (const r of [...sim.bridgeRecordings.values()]) if (r.bridge === b) finishBridgeRecording(sim, r);
}
