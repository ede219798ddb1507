/** TTS fallback: engines (espeak-ng, say, none), WAV conversion to 8 kHz mono 16-bit, prompt cache. */
export {
  EspeakNgEngine, SayEngine, NoneEngine, selectTtsEngine, TtsError, TtsUnavailableError,
  type TtsEngine, type TtsProbe, type TtsChoice, type EspeakOptions, type SayOptions, type SelectOptions,
} from './engines.js';
export { wavInfo, decodeWav, mixDown, resample, lowPassTaps, encodeWavPcm16, toTelephonyWav, WavError, type WavInfo } from './wav.js';
export {
  PromptCache, normalizeText,
  type PromptCacheOptions, type CachedPrompt, type ResolvedPrompt, type RenderAllResult, type CacheLogger,
} from './prompt-cache.js';
