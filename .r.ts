import { PromptCache, EspeakNgEngine } from './src/voice/tts/index.js';
import { loadPromptCatalogue } from './src/voice/flow/index.js';
const { catalogue } = loadPromptCatalogue('ivr-flows/prompts.zh-CN.yaml');
const cache = new PromptCache({ engine: new EspeakNgEngine(), dir: '/tmp/ttsall', concurrency: 2 });
const t = Date.now();
const r = await cache.renderAll(catalogue.prompts);
console.log(r.rendered.length, r.failed, Date.now() - t, 'ms');
