/** `hotline flow check` and `hotline call` as registered by the voice channel. */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerVoiceCommands, type VoiceCliCommand } from '../../../src/voice/channel.js';
import { testConfig } from '../../helpers/context.js';

let out = '';
let err = '';
beforeEach(() => {
  out = err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => { err += String(s); return true; });
});
afterEach(() => vi.restoreAllMocks());

const commands = new Map<string, VoiceCliCommand>();
registerVoiceCommands(commands);

describe('voice CLI', () => {
  it('flow check passes on the shipped flows (main + callback)', async () => {
    expect(await commands.get('flow check')!([], testConfig())).toBe(0);
    expect(out).toMatch(/flow check ok: 2 flow\(s\)/);
  });

  it('flow check names file, line and node of each error and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flows-'));
    try {
      cpSync('ivr-flows/prompts.zh-CN.yaml', join(dir, 'prompts.zh-CN.yaml'));
      writeFileSync(join(dir, 'main.yaml'), [
        'id: main', 'start: a', 'nodes:',
        '  a: {verb: play, items: [welcome], next: b}',
        '  b: {verb: menu, prompt: [no_such_prompt], options: {"1": nowhere}, onFailure: a}',
        '',
      ].join('\n'));
      expect(await commands.get('flow check')!([dir], testConfig())).toBe(1);
      expect(err).toContain('main.yaml:5 node "b"');
      expect(err).toContain('no_such_prompt');
      expect(err).toContain('unknown target "nowhere"');
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });

  it('call refuses without AMI configured, and a non-number', async () => {
    expect(await commands.get('call')!(['05798123456'], testConfig())).toBe(2);
    expect(err).toContain('HOTLINE_AMI_HOST');
    expect(await commands.get('call')!(['1;rm'], testConfig({ HOTLINE_AMI_HOST: '127.0.0.1' }))).toBe(2);
  });
});
