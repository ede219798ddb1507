/**
 * ARI simulator: an Asterisk 22 ARI look-alike for tests, benchmarks and the demo.
 *
 *   const sim = new AriSimulator();
 *   const { url } = await sim.start({ username: 'hotline', password: 'secret', speed: 20 });
 *   // app: ari.connect(url, 'hotline', 'secret') → client.start('hotline96365')
 *   await sim.waitForApp('hotline96365');
 *   const call = sim.startCall({ from: '13800138000' });
 *   await call.waitForPlayback('sound:welcome');
 *   await call.press('1#');
 *   await call.hangup();
 */
export { AriSimulator } from './simulator.js';
export type { AriSimulatorOptions, StartCallOptions, OriginateRequest, OriginateDecision, OriginateHandler } from './simulator.js';
export { SimCall } from './call.js';
export type { AriEvent, SimPlayback, HeardItem, CallEnd, EventMatcher, PlaybackMatcher } from './call.js';
export { RESOURCES, EVENT_MODELS, servedOperations, resourceListing, apiDeclaration } from './swagger.js';
export type { ResourceDef, OperationDef, ParamDef, ModelDef, ServedOperation } from './swagger.js';
export { parseWav, pcm16ToWav, synthesizePcm } from './wav.js';
export { asteriskTimestamp } from './util.js';
