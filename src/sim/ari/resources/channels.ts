/** ARI channels resource (channels.json): list/get/originate/hangup, answer/ring, DTMF, play, record, variables, dial. Handlers keyed `channels.<nickname>` as in the swagger file. */
import type { AriSimulator } from '../simulator.js';
import { AriError, noContent, ok, type Handler } from '../model.js';
import { atoi, causeText, delay, HANGUP_REASONS } from '../util.js';

export function channelsHandlers(sim: AriSimulator): Record<string, Handler> {
  return {
    'channels.list': () => ok([...sim.channels.values()].filter((c) => !c.gone).map((c) => sim.channelJson(c))),
    'channels.get': (p) => ok(sim.channelJson(sim.findChannel(p.get('channelId')))),
    'channels.originate': (p) => sim.originate(p, p.get('channelId')),
    'channels.originateWithId': (p) => sim.originate(p, p.path.channelId),
    'channels.hangup': (p) => {
      const ch = sim.findChannel(p.get('channelId'));
      const reason = p.get('reason');
      const reasonCode = p.get('reason_code');
      if (reason && reasonCode) throw new AriError(400, "The reason and reason_code can't both be specified");
      let cause = 16;
      if (reasonCode) cause = atoi(reasonCode);
      else if (reason) {
        if (!(reason in HANGUP_REASONS)) throw new AriError(400, 'Invalid reason for hangup reason provided');
        cause = HANGUP_REASONS[reason];
      }
      if (ch.outbound && !ch.outbound.answered) {
        sim.clearOutboundTimers(ch);
        sim.finalizeChannel(ch, { by: 'app', cause, causeText: causeText(cause) });
      } else {
        sim.hangupChannel(ch, { by: 'app', cause });
      }
      return noContent();
    },
    'channels.continueInDialplan': (p) => {
      const ch = sim.findControl(p.get('channelId'));
      const targets = sim.channelTargets(ch);
      sim.emitChannel(ch, 'StasisEnd', { channel: sim.channelJson(ch) }, targets);
      ch.stasisApp = null;
      ch.dialplan = { ...ch.dialplan, app_name: '', app_data: '' };
      // The simulated dialplan has nothing after Stasis(): the channel hangs up.
      delay(sim.opts.hangupGapMs, () => sim.finalizeChannel(ch, { by: 'dialplan', cause: 16, causeText: causeText(16) }));
      return noContent();
    },
    'channels.answer': (p) => {
      const ch = sim.findControl(p.get('channelId'));
      if (ch.state !== 'Up') {
        sim.setState(ch, 'Up');
        ch.call._hear({ kind: 'answered' });
      }
      return noContent();
    },
    'channels.ring': (p) => {
      const ch = sim.findControl(p.get('channelId'));
      ch.call._hear({ kind: 'ringing' });
      return noContent();
    },
    'channels.ringStop': (p) => {
      sim.findControl(p.get('channelId'));
      return noContent();
    },
    'channels.sendDTMF': (p) => {
      const ch = sim.findControl(p.get('channelId'));
      const dtmf = p.get('dtmf');
      if (!dtmf) throw new AriError(400, 'DTMF is required');
      ch.call._hear({ kind: 'dtmf-sent', digits: dtmf });
      return noContent();
    },
    'channels.play': (p) => sim.play(p, p.get('playbackId')),
    'channels.playWithId': (p) => sim.play(p, p.path.playbackId),
    'channels.record': (p) => sim.record(p),
    'channels.startMoh': (p) => {
      const ch = sim.findControl(p.get('channelId'));
      ch.call._hear({ kind: 'moh', detail: p.get('mohClass') || 'default' });
      return noContent();
    },
    'channels.stopMoh': (p) => {
      const ch = sim.findControl(p.get('channelId'));
      ch.call._hear({ kind: 'moh-end' });
      return noContent();
    },
    'channels.getChannelVar': (p) => {
      const variable = p.get('variable');
      if (!variable) throw new AriError(400, 'Variable name is required');
      const ch = sim.findControl(p.get('channelId'));
      const value = sim.readVar(ch, variable);
      if (value === undefined) throw new AriError(404, 'Provided variable was not found');
      return ok({ value });
    },
    'channels.setChannelVar': (p) => {
      const variable = p.get('variable');
      if (!variable) throw new AriError(400, 'Variable name is required');
      const ch = sim.findControl(p.get('channelId'));
      const value = p.get('value') ?? '';
      sim.writeVar(ch, variable, value);
      sim.emitChannel(ch, 'ChannelVarset', { variable, value, channel: sim.channelJson(ch) });
      return noContent();
    },
  };
}
