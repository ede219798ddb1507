/**
 * Conformance of the ARI simulator with the real Asterisk 22.9.0:
 *  - every path, method and parameter the simulator serves (read back over HTTP
 *    from /ari/api-docs) exists with the same meaning in the real swagger
 *    (../shared/reference/asterisk-ari-22.9.0/*.json): nickname, response class,
 *    parameter name, paramType, dataType, required, allowMultiple, allowed values,
 *    defaults; every served model field exists with the same type;
 *  - the events emitted for a scripted call have the same key sets, recursively,
 *    as the samples captured from a real Asterisk (ari-events-observed.json).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

import { AriSimulator, type AriEvent } from '../../src/sim/ari/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const refDir = path.resolve(repoRoot, '../shared/reference/asterisk-ari-22.9.0');
const observedFile = path.resolve(repoRoot, '../shared/reference/ari-events-observed.json');

type Json = any;

function loadReal(): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const f of readdirSync(refDir)) if (f.endsWith('.json')) out[f.replace(/\.json$/, '')] = JSON.parse(readFileSync(path.join(refDir, f), 'utf8'));
  return out;
}

/** Sorted "a.b.c" key paths of a JSON value (arrays: the keys of their object elements). */
function keyPaths(v: Json, prefix = ''): string[] {
  if (Array.isArray(v)) return [...new Set(v.flatMap((x) => keyPaths(x, prefix)))].sort();
  if (v && typeof v === 'object') {
    return Object.keys(v)
      .flatMap((k) => [prefix + k, ...keyPaths(v[k], `${prefix}${k}.`)])
      .sort();
  }
  return [];
}

const sortedValues = (av: Json): string[] | undefined => (av?.values ? [...av.values].map(String).sort() : undefined);

const USER = 'conf';
const PASS = 'conf';
const APP = 'hotline96365';

// The reference folder lives beside the project (../shared/reference); outside the lab it may be
// absent, in which case there is nothing to conform to and the whole suite is skipped.
const haveReference = existsSync(refDir);
if (!haveReference) console.warn(`[ari-conformance] skipped: reference swagger not found at ${refDir}`);

describe.skipIf(!haveReference)('ARI simulator conforms to Asterisk 22.9.0', () => {
  let sim: AriSimulator;
  let base: string;
  let real: Record<string, Json>;
  const served: Record<string, Json> = {};
  let servedListing: Json;

  const get = async (p: string): Promise<Json> => {
    const res = await fetch(`${base}${p}`, { headers: { authorization: 'Basic ' + Buffer.from(`${USER}:${PASS}`).toString('base64') } });
    expect(res.status).toBe(200);
    return res.json();
  };

  beforeAll(async () => {
    real = loadReal();
    sim = new AriSimulator();
    ({ url: base } = await sim.start({ username: USER, password: PASS, speed: 40 }));
    servedListing = await get('/ari/api-docs/resources.json');
    for (const api of servedListing.apis as { path: string }[]) {
      const name = /\/api-docs\/(\w+)\.\{format\}/.exec(api.path)![1];
      served[name] = await get(`/ari/api-docs/${name}.json`);
    }
  });

  afterAll(async () => {
    await sim?.stop();
  });

  it('lists only resources that Asterisk has, with the client-usable basePath', () => {
    const realPaths = new Set((real.resources.apis as { path: string }[]).map((a) => a.path));
    for (const a of servedListing.apis) expect(realPaths, a.path).toContain(a.path);
    expect(servedListing.swaggerVersion).toBe(real.resources.swaggerVersion);
    expect(servedListing.basePath).toBe(`${base}/ari`);
    expect(Object.keys(served).sort()).toEqual(['applications', 'asterisk', 'bridges', 'channels', 'endpoints', 'events', 'playbacks', 'recordings']);
  });

  it('serves only paths, methods and parameters that mean the same in the real swagger', () => {
    const problems: string[] = [];
    let checkedParams = 0;
    for (const [name, doc] of Object.entries(served)) {
      const r = real[name];
      if (!r) {
        problems.push(`${name}: no such resource`);
        continue;
      }
      expect(doc.resourcePath).toBe(r.resourcePath);
      for (const api of doc.apis) {
        const rapi = r.apis.find((a: Json) => a.path === api.path);
        if (!rapi) {
          problems.push(`${api.path}: path not in Asterisk`);
          continue;
        }
        for (const op of api.operations) {
          const rop = rapi.operations.find((o: Json) => o.httpMethod === op.httpMethod);
          const where = `${op.httpMethod} ${api.path}`;
          if (!rop) {
            problems.push(`${where}: method not in Asterisk`);
            continue;
          }
          if (rop.nickname !== op.nickname) problems.push(`${where}: nickname ${op.nickname} ≠ ${rop.nickname}`);
          if (rop.responseClass !== op.responseClass) problems.push(`${where}: responseClass ${op.responseClass} ≠ ${rop.responseClass}`);
          for (const p of op.parameters ?? []) {
            checkedParams++;
            const rp = (rop.parameters ?? []).find((x: Json) => x.name === p.name);
            const pw = `${where} ${p.name}`;
            if (!rp) {
              problems.push(`${pw}: parameter not in Asterisk`);
              continue;
            }
            for (const k of ['paramType', 'dataType', 'required', 'allowMultiple'] as const) {
              if (Boolean(rp[k]) !== Boolean(p[k]) || (typeof rp[k] === 'string' && rp[k] !== p[k])) problems.push(`${pw}: ${k} ${p[k]} ≠ ${rp[k]}`);
            }
            if (JSON.stringify(sortedValues(rp.allowableValues)) !== JSON.stringify(sortedValues(p.allowableValues))) {
              problems.push(`${pw}: allowed values ${JSON.stringify(p.allowableValues)} ≠ ${JSON.stringify(rp.allowableValues)}`);
            }
            if (rp.allowableValues?.valueType === 'RANGE' && JSON.stringify(rp.allowableValues) !== JSON.stringify(p.allowableValues)) {
              problems.push(`${pw}: range ${JSON.stringify(p.allowableValues)} ≠ ${JSON.stringify(rp.allowableValues)}`);
            }
            if (p.defaultValue !== undefined && rp.defaultValue !== undefined && p.defaultValue !== rp.defaultValue) {
              problems.push(`${pw}: default ${p.defaultValue} ≠ ${rp.defaultValue}`);
            }
          }
          // a parameter Asterisk requires must be served too (the client would otherwise never send it)
          for (const rp of rop.parameters ?? []) {
            if (rp.required && !(op.parameters ?? []).some((p: Json) => p.name === rp.name)) problems.push(`${where}: required ${rp.name} not served`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
    expect(checkedParams).toBeGreaterThan(60);
  });

  it('serves models whose fields exist with the same type in the real swagger', () => {
    const realModels: Record<string, Json> = {};
    for (const doc of Object.values(real)) Object.assign(realModels, doc.models ?? {});
    const problems: string[] = [];
    for (const doc of Object.values(served)) {
      for (const [mname, m] of Object.entries(doc.models as Record<string, Json>)) {
        const rm = realModels[mname];
        if (!rm) {
          problems.push(`model ${mname} not in Asterisk`);
          continue;
        }
        for (const [pname, prop] of Object.entries(m.properties as Record<string, Json>)) {
          const rprop = rm.properties[pname];
          if (!rprop) {
            problems.push(`${mname}.${pname} not in Asterisk`);
            continue;
          }
          if (rprop.type !== prop.type) problems.push(`${mname}.${pname}: type ${prop.type} ≠ ${rprop.type}`);
          if (Boolean(rprop.required) !== Boolean(prop.required)) problems.push(`${mname}.${pname}: required ${prop.required} ≠ ${rprop.required}`);
          if (JSON.stringify(sortedValues(rprop.allowableValues)) !== JSON.stringify(sortedValues(prop.allowableValues))) {
            problems.push(`${mname}.${pname}: allowed values differ`);
          }
        }
        // required fields of the real model must be served (clients may rely on them)
        for (const [pname, rprop] of Object.entries(rm.properties as Record<string, Json>)) {
          if ((rprop as Json).required && !(pname in m.properties)) problems.push(`${mname}.${pname}: required field not served`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  describe('events of a scripted call', () => {
    const observed = existsSync(observedFile) ? JSON.parse(readFileSync(observedFile, 'utf8')) : undefined;
    const events: AriEvent[] = [];
    let ws: WebSocket;

    beforeAll(async () => {
      ws = new WebSocket(`${base.replace('http', 'ws')}/ari/events?app=${APP}&api_key=${USER}:${PASS}`);
      ws.on('message', (m) => events.push(JSON.parse(String(m))));
      await new Promise((r) => ws.once('open', r));
      const auth = { authorization: 'Basic ' + Buffer.from(`${USER}:${PASS}`).toString('base64') };
      const post = (p: string) => fetch(base + p, { method: 'POST', headers: auth });
      const waitEv = async (pred: (e: AriEvent) => boolean) => {
        for (let i = 0; i < 400 && !events.some(pred); i++) await new Promise((r) => setTimeout(r, 5));
        const e = events.find(pred);
        if (!e) throw new Error('event did not arrive');
        return e;
      };

      // Call 1: welcome prompt, a key, a recording, the caller hangs up mid-recording.
      const c1 = sim.startCall({ from: 'caller', app: APP });
      await waitEv((e) => e.type === 'StasisStart');
      await post(`/ari/channels/${c1.id}/play?media=sound:hello-world`);
      await waitEv((e) => e.type === 'PlaybackFinished');
      await c1.press('1');
      await post(`/ari/channels/${c1.id}/record?name=probe1&format=wav&terminateOn=%23`);
      await waitEv((e) => e.type === 'RecordingStarted');
      await new Promise((r) => setTimeout(r, 30));
      await c1.hangup();
      await waitEv((e) => e.type === 'StasisEnd');

      // Call 2: subscribed, recording fails, the caller hangs up → ChannelDestroyed.
      sim.setRecordingFailure('Cannot record channel while in bridge');
      const c2 = sim.startCall({ from: 'caller', app: APP, to: '1002' });
      await waitEv((e) => e.type === 'StasisStart' && (e.channel as Json).id === c2.id);
      await post(`/ari/applications/${APP}/subscription?eventSource=channel:${c2.id}`);
      await post(`/ari/channels/${c2.id}/record?name=inbridge&format=wav`);
      await waitEv((e) => e.type === 'RecordingFailed');
      sim.setRecordingFailure(null);
      await c2.hangup();
      await waitEv((e) => e.type === 'ChannelDestroyed');
    });

    afterAll(() => ws?.close());

    it('emits only event types the real swagger defines, with fields of their real models', () => {
      const models = real.events.models;
      const base = new Set(['type', 'timestamp', 'asterisk_id', 'application']);
      const nested: Record<string, string> = { channel: 'Channel', playback: 'Playback', recording: 'LiveRecording' };
      const allModels: Record<string, Json> = {};
      for (const doc of Object.values(real)) Object.assign(allModels, doc.models ?? {});
      for (const e of events) {
        const m = models[e.type];
        expect(m, e.type).toBeDefined();
        for (const k of Object.keys(e)) if (!base.has(k)) expect(Object.keys(m.properties), `${e.type}.${k}`).toContain(k);
        for (const [k, model] of Object.entries(nested)) {
          if (e[k] && typeof e[k] === 'object') {
            for (const f of Object.keys(e[k] as object)) expect(Object.keys(allModels[model].properties), `${e.type}.${k}.${f}`).toContain(f);
          }
        }
        expect(e.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
        expect(e.asterisk_id).toBe('02:fc:00:00:00:01');
        expect(e.application).toBe(APP);
      }
    });

    it.skipIf(!observed)('has the same key sets as the events captured from a real Asterisk', () => {
      const types = ['StasisStart', 'ChannelDtmfReceived', 'PlaybackStarted', 'PlaybackFinished', 'RecordingStarted', 'RecordingFinished', 'RecordingFailed', 'ChannelHangupRequest', 'StasisEnd', 'ChannelDestroyed'];
      for (const t of types) {
        const sample = observed.samples[t];
        const mine = events.find((e) => e.type === t);
        expect(mine, t).toBeDefined();
        expect(keyPaths(mine), t).toEqual(keyPaths(sample));
      }
      const sample = observed.samples.StasisStart;
      const mine = events.find((e) => e.type === 'StasisStart')! as Json;
      expect(mine.channel.id).toMatch(/^\d{10}\.\d+$/);
      expect(mine.channel.dialplan).toMatchObject({ context: sample.channel.dialplan.context, exten: '96365', app_name: 'Stasis', app_data: APP });
      const c1 = mine.channel.id as string;
      const order = events
        .filter((e) => (e.channel as Json)?.id === c1 || (e.recording as Json)?.target_uri === `channel:${c1}`)
        .map((e) => e.type);
      const tail = order.slice(order.indexOf('ChannelHangupRequest'));
      expect(tail).toEqual(observed.ordering['caller hangs up while recording'].filter((x: string) => !x.startsWith('ChannelVarset')));
    });
  });
});
