/**
 * What the voice channel needs of a simulated Asterisk (the built-in ARI simulator): its URL, its
 * speed, and a way to learn the length of our media. The demo wiring (src/demo/simulators.ts) creates
 * and starts it; the channel never does, and never imports the simulator.
 */
import type { TestPhonePort } from '../admin/sms-port.js';
import type { MediaDescription, MediaResolver } from './calls/media.js';

export interface SimulatedAsterisk {
  /** Base URL of its ARI (it is started). */
  readonly url: string;
  /** Simulated time runs this many times faster than real time. */
  readonly speed: number;
  /** What a media URI is (caption, file URL): the simulator asks our resolver. */
  setMediaDescriber(fn: (uri: string) => MediaDescription | undefined): void;
}

/** Builds the panel's test phone once the channel has its media resolver (demo wiring). */
export type TestPhoneFactory = (deps: { media: MediaResolver; app: string }) => TestPhonePort;
