import ari from 'ari-client';
import { AriSimulator } from '../../../src/sim/ari/index.js';
const sim = new AriSimulator();
const { url } = await sim.start({ username: 'u', password: 'p' });
const c: any = await ari.connect(url, 'u', 'p');
await c.start('app1');
const N = 500;
let sync = 0;
const ps = [];
const t0 = performance.now();
for (let i = 0; i < N; i++) {
  const t = performance.now();
  ps.push(c.channels.play({ channelId: 'nope', playbackId: 'pb' + i, media: ['sound:http://127.0.0.1:1/media/tts/' + 'a'.repeat(64) + '.wav'] }).catch(() => 0));
  sync += performance.now() - t;
}
await Promise.all(ps);
console.log('sync per call ms', (sync / N).toFixed(3), 'total', (performance.now() - t0).toFixed(0));
c.stop(); await sim.stop(); process.exit(0);
