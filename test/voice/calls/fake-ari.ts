/** An in-memory AriPort that records requests, for session tests (the e2e tests use the real simulator). */
import { AriRequestError, type AriChannelJson, type AriEndpointJson, type AriPort, type OriginateOptions, type RecordOptions } from '../../../src/voice/ari/types.js';

export class FakeAri implements AriPort {
  /** Requests in the order they were sent, compact: 'play pb-1 sound:a,sound:b', 'stop pb-1', … */
  readonly calls: string[] = [];
  /** Make the next request of a kind fail: kind → status. */
  readonly failNext = new Map<string, number>();
  /** Stored recordings: name → WAV bytes. */
  readonly stored = new Map<string, Buffer>();
  livePlaybacks = new Set<string>();
  liveRecordings = new Set<string>();
  channels = new Set<string>();
  /** Delay before play requests resolve (ms). */
  playDelayMs = 0;
  /** Full playback ids and recording names, in request order. */
  readonly playIds: string[] = [];
  readonly recordNames: string[] = [];

  private check(kind: string): void {
    const st = this.failNext.get(kind);
    if (st !== undefined) { this.failNext.delete(kind); throw new AriRequestError(`${kind} failed`, st); }
  }

  async answer(channelId: string): Promise<void> { this.calls.push(`answer ${channelId}`); this.check('answer'); }
  async play(_c: string, playbackId: string, media: string[]): Promise<void> {
    this.calls.push(`play ${playbackId.replace(/^.*-pb-/, 'pb-')} ${media.join(',')}`);
    this.playIds.push(playbackId);
    if (this.playDelayMs) await new Promise((r) => setTimeout(r, this.playDelayMs));
    this.check('play');
    this.livePlaybacks.add(playbackId);
  }
  async stopPlayback(playbackId: string): Promise<void> {
    this.calls.push(`stop ${playbackId.replace(/^.*-pb-/, 'pb-')}`);
    this.check('stop');
    if (!this.livePlaybacks.delete(playbackId)) throw new AriRequestError('Playback not found', 404);
  }
  async getPlayback(id: string): Promise<{ state: string } | null> { return this.livePlaybacks.has(id) ? { state: 'playing' } : null; }
  async record(_c: string, o: RecordOptions): Promise<void> {
    this.calls.push(`record max=${o.maxDurationSeconds} ${o.terminateOn} ${o.ifExists}`);
    this.recordNames.push(o.name);
    this.check('record');
    this.liveRecordings.add(o.name);
  }
  async stopRecording(name: string): Promise<void> { this.calls.push('stopRecording'); this.liveRecordings.delete(name); }
  async getLiveRecording(name: string): Promise<{ state: string } | null> { return this.liveRecordings.has(name) ? { state: 'recording' } : null; }
  async getStoredRecording(name: string): Promise<{ name: string; format: string } | null> { return this.stored.has(name) ? { name, format: 'wav' } : null; }
  async downloadRecording(name: string): Promise<Buffer> {
    const b = this.stored.get(name);
    if (!b) throw new AriRequestError('Recording not found', 404);
    return b;
  }
  async deleteStoredRecording(name: string): Promise<void> { this.stored.delete(name); }
  async hangup(channelId: string): Promise<void> { this.calls.push(`hangup ${channelId}`); this.channels.delete(channelId); }
  async appChannelIds(): Promise<string[]> { return [...this.channels]; }
  async getChannel(id: string): Promise<AriChannelJson | null> { return this.channels.has(id) ? { id, state: 'Up' } : null; }
  /** Endpoints Asterisk knows ('PJSIP/operator' → state, channel ids); absent = 404. Default: PJSIP/operator online. */
  readonly endpoints = new Map<string, { state: string; channelIds: string[] }>([['PJSIP/operator', { state: 'online', channelIds: [] }]]);
  async originate(o: OriginateOptions): Promise<AriChannelJson> {
    this.calls.push(`originate ${o.endpoint}`);
    const ep = this.endpoints.get(o.endpoint);
    // Real Asterisk: an endpoint that cannot be dialled (unknown, not registered) → 500 {"error":"Allocation failed"}.
    if (!ep || ep.state !== 'online') throw new AriRequestError('HTTP 500', 500);
    this.check('originate');
    return { id: o.channelId ?? 'orig-1' };
  }
  async getEndpoint(tech: string, resource: string): Promise<AriEndpointJson | null> {
    const ep = this.endpoints.get(`${tech}/${resource}`);
    return ep ? { technology: tech, resource, state: ep.state, channel_ids: ep.channelIds } : null;
  }
  async startMoh(channelId: string, mohClass?: string): Promise<void> { this.calls.push(`moh ${channelId} ${mohClass ?? ''}`.trim()); this.check('moh'); }
  async stopMoh(channelId: string): Promise<void> { this.calls.push(`stopMoh ${channelId}`); }
  async createBridge(id: string): Promise<void> { this.calls.push(`bridge ${id}`); }
  async addToBridge(id: string, ch: string[]): Promise<void> { this.calls.push(`addToBridge ${id} ${ch.join(',')}`); }
  async destroyBridge(id: string): Promise<void> { this.calls.push(`destroyBridge ${id}`); }
  async recordBridge(id: string, o: { name: string }): Promise<void> { this.calls.push(`recordBridge ${id} ${o.name}`); }
}
