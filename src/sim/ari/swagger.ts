/**
 * The part of Asterisk 22's ARI (Swagger 1.1 documents) that the simulator serves.
 *
 * Written here in the project's own words: only the operations the hotline uses,
 * with the same paths, nicknames, parameter names/types/allowed values and model
 * field names as Asterisk 22.9.0 (test/sim/ari-conformance.test.ts checks that).
 * ari-client builds its whole API from these documents at connect time, so every
 * event type the simulator emits must have a model in `events`.
 */

export type ParamType = 'path' | 'query' | 'body';

export interface AllowableList {
  valueType: 'LIST';
  values: string[];
}
export interface AllowableRange {
  valueType: 'RANGE';
  min?: number;
  max?: number;
}

export interface ParamDef {
  name: string;
  description: string;
  paramType: ParamType;
  required: boolean;
  allowMultiple: boolean;
  dataType: string;
  defaultValue?: string | number | boolean;
  allowableValues?: AllowableList | AllowableRange;
}

export interface OperationDef {
  httpMethod: 'GET' | 'POST' | 'PUT' | 'DELETE';
  summary: string;
  nickname: string;
  responseClass: string;
  parameters: ParamDef[];
  errorResponses?: { code: number; reason: string }[];
  upgrade?: string;
  websocketProtocol?: string;
}

export interface ApiDef {
  path: string;
  description: string;
  operations: OperationDef[];
}

export interface PropertyDef {
  type: string;
  required?: boolean;
  description?: string;
  allowableValues?: AllowableList;
}

export interface ModelDef {
  id: string;
  description?: string;
  properties: Record<string, PropertyDef>;
  subTypes?: string[];
  discriminator?: string;
}

export interface ResourceDef {
  /** file name without `.json` and the key ari-client uses: `client.channels`. */
  name: string;
  description: string;
  apis: ApiDef[];
  models: Record<string, ModelDef>;
}

// ---- parameter builders ---------------------------------------------------

interface QueryOpts {
  required?: boolean;
  multiple?: boolean;
  values?: string[];
  min?: number;
  defaultValue?: string | number | boolean;
}

function pathParam(name: string, description: string): ParamDef {
  return { name, description, paramType: 'path', required: true, allowMultiple: false, dataType: 'string' };
}

function query(name: string, dataType: string, description: string, o: QueryOpts = {}): ParamDef {
  const p: ParamDef = {
    name,
    description,
    paramType: 'query',
    required: o.required ?? false,
    allowMultiple: o.multiple ?? false,
    dataType,
  };
  if (o.defaultValue !== undefined) p.defaultValue = o.defaultValue;
  if (o.values) p.allowableValues = { valueType: 'LIST', values: o.values };
  else if (o.min !== undefined) p.allowableValues = { valueType: 'RANGE', min: o.min };
  return p;
}

function body(name: string, description: string): ParamDef {
  return { name, description, paramType: 'body', required: false, allowMultiple: false, dataType: 'containers' };
}

function op(
  httpMethod: OperationDef['httpMethod'],
  nickname: string,
  responseClass: string,
  summary: string,
  parameters: ParamDef[] = [],
  errors: [number, string][] = [],
): OperationDef {
  const o: OperationDef = { httpMethod, summary, nickname, responseClass, parameters };
  if (errors.length) o.errorResponses = errors.map(([code, reason]) => ({ code, reason }));
  return o;
}

function model(id: string, properties: Record<string, PropertyDef>, description?: string): ModelDef {
  return description ? { id, description, properties } : { id, properties };
}

const req = (type: string, description?: string): PropertyDef => ({ type, required: true, ...(description ? { description } : {}) });
const opt = (type: string, description?: string): PropertyDef => ({ type, required: false, ...(description ? { description } : {}) });

// ---- shared values ---------------------------------------------------------

export const HANGUP_REASON_VALUES = [
  'normal', 'busy', 'congestion', 'no_answer', 'timeout', 'rejected', 'unallocated',
  'normal_unspecified', 'number_incomplete', 'codec_mismatch', 'interworking', 'failure', 'answered_elsewhere',
];
export const TERMINATE_ON_VALUES = ['none', 'any', '*', '#'];
export const IF_EXISTS_VALUES = ['fail', 'overwrite', 'append'];
export const CHANNEL_STATES = ['Down', 'Rsrved', 'OffHook', 'Dialing', 'Ring', 'Ringing', 'Up', 'Busy', 'Dialing Offhook', 'Pre-ring', 'Unknown'];

const channelIdParam = pathParam('channelId', "Channel's id");
const mediaParams = (withPlaybackId: boolean): ParamDef[] => [
  query('media', 'string', 'Media URIs to play (sound:, recording:, number:, digits:, characters:, tone:).', { required: true, multiple: true }),
  query('lang', 'string', 'For sounds, selects language for sound.'),
  query('offsetms', 'int', 'Milliseconds to skip before playing (first URI only).'),
  query('skipms', 'int', 'Milliseconds to skip for forward/reverse operations.', { defaultValue: 3000 }),
  ...(withPlaybackId ? [query('playbackId', 'string', 'Playback ID.')] : []),
];
const notFoundNotInStasis: [number, string][] = [[404, 'Channel not found'], [409, 'Channel not in a Stasis application'], [412, 'Channel in invalid state']];

const originateParams = (withIdInPath: boolean): ParamDef[] => [
  ...(withIdInPath ? [pathParam('channelId', 'The unique id to assign the channel on creation.')] : []),
  query('endpoint', 'string', 'Endpoint to call.', { required: true }),
  query('extension', 'string', 'The extension to dial after the endpoint answers.'),
  query('context', 'string', 'The context to dial after the endpoint answers.'),
  query('priority', 'long', 'The priority to dial after the endpoint answers.'),
  query('label', 'string', 'The label to dial after the endpoint answers.'),
  query('app', 'string', 'The Stasis application the originated channel is passed to when answered.'),
  query('appArgs', 'string', 'Arguments for the Stasis application (comma separated).'),
  query('callerId', 'string', 'CallerID to use when dialing the endpoint or extension.'),
  query('timeout', 'int', 'Seconds before giving up dialing, or -1 for no timeout.', { defaultValue: 30 }),
  body('variables', 'The "variables" key of the JSON body holds channel variables to set on creation.'),
  ...(withIdInPath ? [] : [query('channelId', 'string', 'The unique id to assign the channel on creation.')]),
  query('otherChannelId', 'string', 'The unique id for the second channel when using local channels.'),
  query('originator', 'string', 'The unique id of the channel which is originating this one.'),
  query('formats', 'string', 'Format capability list to use if originator is not specified.'),
];

const recordParams = (): ParamDef[] => [
  query('name', 'string', 'Recording\'s filename', { required: true }),
  query('format', 'string', 'Format to encode audio in', { required: true }),
  query('maxDurationSeconds', 'int', 'Maximum duration of the recording, in seconds. 0 for no limit', { min: 0, defaultValue: 0 }),
  query('maxSilenceSeconds', 'int', 'Maximum duration of silence, in seconds. 0 for no limit', { min: 0, defaultValue: 0 }),
  query('ifExists', 'string', 'Action to take if a recording with the same name already exists.', { values: IF_EXISTS_VALUES, defaultValue: 'fail' }),
  query('beep', 'boolean', 'Play beep when recording begins', { defaultValue: false }),
  query('terminateOn', 'string', 'DTMF input to terminate recording', { values: TERMINATE_ON_VALUES, defaultValue: 'none' }),
];

// ---- models ----------------------------------------------------------------

const CHANNEL_MODELS: Record<string, ModelDef> = {
  CallerID: model('CallerID', { name: req('string'), number: req('string') }, 'Caller identification'),
  DialplanCEP: model('DialplanCEP', {
    context: req('string', 'Context in the dialplan'),
    exten: req('string', 'Extension in the dialplan'),
    priority: req('long', 'Priority in the dialplan'),
    app_name: req('string', 'Name of current dialplan application'),
    app_data: req('string', 'Parameter of current dialplan application'),
  }, 'Dialplan location (context/extension/priority)'),
  Channel: model('Channel', {
    id: req('string', 'Unique identifier of the channel.'),
    protocol_id: req('string', 'Protocol id from underlying channel driver (Call-ID for PJSIP).'),
    name: req('string', 'Name of the channel (i.e. SIP/foo-0000a7e3)'),
    state: { type: 'string', required: true, allowableValues: { valueType: 'LIST', values: CHANNEL_STATES } },
    caller: req('CallerID'),
    connected: req('CallerID'),
    accountcode: req('string'),
    dialplan: req('DialplanCEP', 'Current location in the dialplan'),
    creationtime: req('Date', 'Timestamp when channel was created'),
    language: req('string', 'The default spoken language'),
    channelvars: opt('object', 'Channel variables'),
  }, 'A specific communication connection between Asterisk and an Endpoint.'),
  Variable: model('Variable', { value: req('string', 'The value of the variable requested') }, 'The value of a channel variable'),
};

const PLAYBACK_MODEL = model('Playback', {
  id: req('string', 'ID for this playback operation'),
  media_uri: req('string', 'The URI for the media currently being played back.'),
  next_media_uri: opt('string', 'If a list of URIs is being played, the next media URI to be played back.'),
  target_uri: req('string', 'URI for the channel or bridge to play the media on'),
  language: { type: 'string', description: 'For media types that support multiple languages, the language requested for playback.' },
  state: { type: 'string', required: true, allowableValues: { valueType: 'LIST', values: ['queued', 'playing', 'continuing', 'done', 'failed'] } },
}, 'Object representing the playback of media to a channel');

const LIVE_RECORDING_MODEL = model('LiveRecording', {
  name: req('string', 'Base name for the recording'),
  format: req('string', 'Recording format (wav, gsm, etc.)'),
  target_uri: req('string', 'URI for the channel or bridge being recorded'),
  state: { type: 'string', required: true, allowableValues: { valueType: 'LIST', values: ['queued', 'recording', 'paused', 'done', 'failed', 'canceled'] } },
  duration: opt('int', 'Duration in seconds of the recording'),
  talking_duration: opt('int', 'Duration of talking, in seconds (only with maxSilenceSeconds)'),
  silence_duration: opt('int', 'Duration of silence, in seconds (only with maxSilenceSeconds)'),
  cause: opt('string', 'Cause for recording failure if failed'),
}, 'A recording that is in progress');

const STORED_RECORDING_MODEL = model('StoredRecording', {
  name: req('string'),
  format: req('string'),
}, 'A past recording that may be played back.');

const BRIDGE_MODEL = model('Bridge', {
  id: req('string', 'Unique identifier for this bridge'),
  technology: req('string', 'Name of the current bridging technology'),
  bridge_type: { type: 'string', required: true, allowableValues: { valueType: 'LIST', values: ['mixing', 'holding'] } },
  bridge_class: req('string', 'Bridging class'),
  creator: req('string', 'Entity that created the bridge'),
  name: req('string', 'Name the creator gave the bridge'),
  channels: req('List[string]', 'Ids of channels participating in this bridge'),
  video_mode: opt('string', 'The video mode the bridge is using.'),
  video_source_id: opt('string', 'The ID of the channel that is the source of video in this bridge.'),
  creationtime: req('Date', 'Timestamp when bridge was created'),
}, 'The merging of media from one or more channels.');

const ENDPOINT_MODEL = model('Endpoint', {
  technology: req('string', 'Technology of the endpoint'),
  resource: req('string', 'Identifier of the endpoint, specific to the given technology.'),
  state: { type: 'string', required: false, description: "Endpoint's state", allowableValues: { valueType: 'LIST', values: ['unknown', 'offline', 'online'] } },
  channel_ids: req('List[string]', "Id's of channels associated with this endpoint"),
}, 'An external device that may offer/accept calls to/from Asterisk.');

const APPLICATION_MODEL = model('Application', {
  name: req('string', 'Name of this application'),
  channel_ids: req('List[string]', 'Id\'s for channels subscribed to.'),
  bridge_ids: req('List[string]', 'Id\'s for bridges subscribed to.'),
  endpoint_ids: req('List[string]', '{tech}/{resource} for endpoints subscribed to.'),
  device_names: req('List[string]', 'Names of the devices subscribed to.'),
  events_allowed: req('List[object]', 'Event types sent to the application.'),
  events_disallowed: req('List[object]', 'Event types not sent to the application.'),
}, 'Details of a Stasis application');

const ASTERISK_MODELS: Record<string, ModelDef> = {
  BuildInfo: model('BuildInfo', {
    os: req('string'), kernel: req('string'), options: req('string'), machine: req('string'), date: req('string'), user: req('string'),
  }, 'Info about how Asterisk was built'),
  SystemInfo: model('SystemInfo', { version: req('string'), entity_id: req('string') }, 'Info about Asterisk'),
  SetId: model('SetId', { user: req('string'), group: req('string') }, 'Effective user/group id'),
  ConfigInfo: model('ConfigInfo', {
    name: req('string'), default_language: req('string'), max_channels: opt('int'), max_open_files: opt('int'), max_load: opt('double'), setid: req('SetId'),
  }, 'Info about Asterisk configuration'),
  StatusInfo: model('StatusInfo', { startup_time: req('Date'), last_reload_time: req('Date') }, 'Info about Asterisk status'),
  AsteriskInfo: model('AsteriskInfo', { build: opt('BuildInfo'), system: opt('SystemInfo'), config: opt('ConfigInfo'), status: opt('StatusInfo') }, 'Asterisk system information'),
  AsteriskPing: model('AsteriskPing', { asterisk_id: req('string'), ping: req('string'), timestamp: req('string') }, 'Asterisk ping information'),
};

const ev = (id: string, properties: Record<string, PropertyDef>, description: string): ModelDef => model(id, properties, description);

/** Event models, one per type the simulator can emit (plus the Message/Event bases). */
export const EVENT_MODELS: Record<string, ModelDef> = {
  Message: {
    id: 'Message', description: 'Base type for errors and events', discriminator: 'type',
    properties: { type: req('string', 'Indicates the type of this message.'), asterisk_id: opt('string', 'The unique ID for the Asterisk instance that raised this event.') },
    subTypes: ['Event'],
  },
  Event: {
    id: 'Event', description: 'Base type for asynchronous events from Asterisk.',
    properties: { application: req('string', 'Name of the application receiving the event.'), timestamp: req('Date', 'Time at which this event was created.') },
    subTypes: [] as string[],
  },
  PlaybackStarted: ev('PlaybackStarted', { playback: req('Playback') }, 'Event showing the start of a media playback operation.'),
  PlaybackContinuing: ev('PlaybackContinuing', { playback: req('Playback') }, 'Event showing the continuation of a media playback operation from one media URI to the next in the list.'),
  PlaybackFinished: ev('PlaybackFinished', { playback: req('Playback') }, 'Event showing the completion of a media playback operation.'),
  RecordingStarted: ev('RecordingStarted', { recording: req('LiveRecording') }, 'Event showing the start of a recording operation.'),
  RecordingFinished: ev('RecordingFinished', { recording: req('LiveRecording') }, 'Event showing the completion of a recording operation.'),
  RecordingFailed: ev('RecordingFailed', { recording: req('LiveRecording') }, 'Event showing failure of a recording operation.'),
  ApplicationReplaced: ev('ApplicationReplaced', {}, 'Notification that another WebSocket has taken over for an application.'),
  BridgeCreated: ev('BridgeCreated', { bridge: req('Bridge') }, 'Notification that a bridge has been created.'),
  BridgeDestroyed: ev('BridgeDestroyed', { bridge: req('Bridge') }, 'Notification that a bridge has been destroyed.'),
  ChannelCreated: ev('ChannelCreated', { channel: req('Channel') }, 'Notification that a channel has been created.'),
  ChannelDestroyed: ev('ChannelDestroyed', {
    cause: req('int', 'Integer representation of the cause of the hangup'),
    cause_txt: req('string', 'Text representation of the cause of the hangup'),
    tech_cause: { type: 'int', description: 'Integer representation of the technology-specific off-nominal cause of the hangup.' },
    channel: req('Channel'),
  }, 'Notification that a channel has been destroyed.'),
  ChannelEnteredBridge: ev('ChannelEnteredBridge', { bridge: req('Bridge'), channel: { type: 'Channel' } }, 'Notification that a channel has entered a bridge.'),
  ChannelLeftBridge: ev('ChannelLeftBridge', { bridge: req('Bridge'), channel: req('Channel') }, 'Notification that a channel has left a bridge.'),
  ChannelStateChange: ev('ChannelStateChange', { channel: req('Channel') }, 'Notification of a channel\'s state change.'),
  ChannelDtmfReceived: ev('ChannelDtmfReceived', {
    digit: req('string', 'DTMF digit received (0-9, A-E, # or *)'),
    duration_ms: req('int', 'Number of milliseconds DTMF was received'),
    channel: req('Channel', 'The channel on which DTMF was received'),
  }, 'DTMF received on a channel.'),
  ChannelHangupRequest: ev('ChannelHangupRequest', {
    cause: { type: 'int', description: 'Integer representation of the cause of the hangup.' },
    tech_cause: { type: 'int', description: 'Integer representation of the technology-specific off-nominal cause of the hangup.' },
    soft: { type: 'boolean', description: 'Whether the hangup request was a soft hangup request.' },
    channel: req('Channel', 'The channel on which the hangup was requested.'),
  }, 'A hangup was requested on the channel.'),
  ChannelVarset: ev('ChannelVarset', {
    variable: req('string', 'The variable that changed.'),
    value: req('string', 'The new value of the variable.'),
    channel: opt('Channel', 'The channel on which the variable was set.'),
  }, 'Channel variable changed.'),
  Dial: ev('Dial', {
    caller: opt('Channel', 'The calling channel.'),
    peer: req('Channel', 'The dialed channel.'),
    forward: opt('string', 'Forwarding target requested by the original dialed channel.'),
    forwarded: opt('Channel', 'Channel that the caller has been forwarded to.'),
    dialstring: opt('string', 'The dial string for calling the peer channel.'),
    dialstatus: req('string', 'Current status of the dialing attempt to the peer.'),
  }, 'Dialing state has changed.'),
  StasisEnd: ev('StasisEnd', { channel: req('Channel') }, 'Notification that a channel has left a Stasis application.'),
  StasisStart: ev('StasisStart', {
    args: req('List[string]', 'Arguments to the application'),
    channel: req('Channel'),
    replace_channel: opt('Channel'),
  }, 'Notification that a channel has entered a Stasis application.'),
};
EVENT_MODELS.Event.subTypes = Object.keys(EVENT_MODELS).filter((k) => k !== 'Message' && k !== 'Event');

// ---- resources ---------------------------------------------------------------

export const RESOURCES: ResourceDef[] = [
  {
    name: 'asterisk',
    description: 'Asterisk resources',
    apis: [
      { path: '/asterisk/info', description: 'Asterisk system information (similar to core show settings)', operations: [
        op('GET', 'getInfo', 'AsteriskInfo', 'Gets Asterisk system information.', [
          query('only', 'string', 'Filter information returned', { multiple: true, values: ['build', 'system', 'config', 'status'] }),
        ]),
      ] },
      { path: '/asterisk/ping', description: 'Asterisk ping', operations: [
        op('GET', 'ping', 'AsteriskPing', 'Response pong message.'),
      ] },
    ],
    models: ASTERISK_MODELS,
  },
  {
    name: 'channels',
    description: 'Channel resources',
    apis: [
      { path: '/channels', description: 'Active channels', operations: [
        op('GET', 'list', 'List[Channel]', 'List all active channels in Asterisk.'),
        op('POST', 'originate', 'Channel', 'Create a new channel (originate).', originateParams(false),
          [[400, 'Invalid parameters for originating a channel.'], [409, 'Channel with given unique ID already exists.']]),
      ] },
      { path: '/channels/{channelId}', description: 'Active channel', operations: [
        op('GET', 'get', 'Channel', 'Channel details.', [channelIdParam], [[404, 'Channel not found']]),
        op('POST', 'originateWithId', 'Channel', 'Create a new channel (originate with id).', originateParams(true),
          [[400, 'Invalid parameters for originating a channel.'], [409, 'Channel with given unique ID already exists.']]),
        op('DELETE', 'hangup', 'void', 'Delete (i.e. hangup) a channel.', [
          channelIdParam,
          query('reason_code', 'string', 'The reason code for hanging up the channel for detail use. Mutually exclusive with \'reason\'.'),
          query('reason', 'string', 'Reason for hanging up the channel for simple use. Mutually exclusive with \'reason_code\'.', { values: HANGUP_REASON_VALUES }),
        ], [[400, 'Invalid reason for hangup provided'], [404, 'Channel not found']]),
      ] },
      { path: '/channels/{channelId}/continue', description: 'Exit application; continue execution in the dialplan', operations: [
        op('POST', 'continueInDialplan', 'void', 'Exit application; continue execution in the dialplan.', [
          channelIdParam,
          query('context', 'string', 'The context to continue to.'),
          query('extension', 'string', 'The extension to continue to.'),
          query('priority', 'int', 'The priority to continue to.'),
          query('label', 'string', 'The label to continue to - will supersede \'priority\' if both are provided.'),
        ], notFoundNotInStasis),
      ] },
      { path: '/channels/{channelId}/answer', description: 'Answer a channel', operations: [
        op('POST', 'answer', 'void', 'Answer a channel.', [channelIdParam], notFoundNotInStasis),
      ] },
      { path: '/channels/{channelId}/ring', description: 'Send a ringing indication to a channel', operations: [
        op('POST', 'ring', 'void', 'Indicate ringing to a channel.', [channelIdParam], notFoundNotInStasis),
        op('DELETE', 'ringStop', 'void', 'Stop ringing indication on a channel if locally generated.', [channelIdParam], notFoundNotInStasis),
      ] },
      { path: '/channels/{channelId}/dtmf', description: 'Send DTMF to a channel', operations: [
        op('POST', 'sendDTMF', 'void', 'Send provided DTMF to a given channel.', [
          channelIdParam,
          query('dtmf', 'string', 'DTMF To send.'),
          query('before', 'int', 'Amount of time to wait before DTMF digits (specified in milliseconds) start.', { defaultValue: 0 }),
          query('between', 'int', 'Amount of time in between DTMF digits (specified in milliseconds).', { defaultValue: 100 }),
          query('duration', 'int', 'Length of each DTMF digit (specified in milliseconds).', { defaultValue: 100 }),
          query('after', 'int', 'Amount of time to wait after DTMF digits (specified in milliseconds) end.', { defaultValue: 0 }),
        ], [[400, 'DTMF is required'], ...notFoundNotInStasis]),
      ] },
      { path: '/channels/{channelId}/play', description: 'Play media to a channel', operations: [
        op('POST', 'play', 'Playback', 'Start playback of media.', [channelIdParam, ...mediaParams(true)], notFoundNotInStasis),
      ] },
      { path: '/channels/{channelId}/play/{playbackId}', description: 'Play media to a channel', operations: [
        op('POST', 'playWithId', 'Playback', 'Start playback of media and specify the playbackId.', [
          channelIdParam, pathParam('playbackId', 'Playback ID.'), ...mediaParams(false),
        ], notFoundNotInStasis),
      ] },
      { path: '/channels/{channelId}/record', description: 'Record audio from a channel', operations: [
        op('POST', 'record', 'LiveRecording', 'Start a recording.', [channelIdParam, ...recordParams()], [
          [400, 'Invalid parameters'], [404, 'Channel not found'],
          [409, 'Channel is not in a Stasis application; the channel is currently bridged with other channels; A recording with the same name already exists on the system and can not be overwritten because it is in progress or ifExists=fail'],
          [422, 'The format specified is unknown on this system'],
        ]),
      ] },
      { path: '/channels/{channelId}/moh', description: 'Play music on hold to a channel', operations: [
        op('POST', 'startMoh', 'void', 'Play music on hold to a channel.', [channelIdParam, query('mohClass', 'string', 'Music on hold class to use')], notFoundNotInStasis),
        op('DELETE', 'stopMoh', 'void', 'Stop playing music on hold to a channel.', [channelIdParam], notFoundNotInStasis),
      ] },
      { path: '/channels/{channelId}/variable', description: 'Variables on a channel', operations: [
        op('GET', 'getChannelVar', 'Variable', 'Get the value of a channel variable or function.', [
          channelIdParam, query('variable', 'string', 'The channel variable or function to get', { required: true }),
        ], [[400, 'Missing variable parameter.'], [404, 'Channel or variable not found'], [409, 'Channel not in a Stasis application']]),
        op('POST', 'setChannelVar', 'void', 'Set the value of a channel variable or function.', [
          channelIdParam,
          query('variable', 'string', 'The channel variable or function to set', { required: true }),
          query('value', 'string', 'The value to set the variable to'),
        ], [[400, 'Missing variable parameter.'], [404, 'Channel not found'], [409, 'Channel not in a Stasis application']]),
      ] },
    ],
    models: CHANNEL_MODELS,
  },
  {
    name: 'bridges',
    description: 'Bridge resources',
    apis: [
      { path: '/bridges', description: 'Active bridges', operations: [
        op('GET', 'list', 'List[Bridge]', 'List all active bridges in Asterisk.'),
        op('POST', 'create', 'Bridge', 'Create a new bridge.', [
          query('type', 'string', 'Comma separated list of bridge type attributes (mixing, holding, dtmf_events, proxy_media, video_sfu, video_single, sdp_label).'),
          query('bridgeId', 'string', 'Unique ID to give to the bridge being created.'),
          query('name', 'string', 'Name to give to the bridge being created.'),
        ], [[409, 'Bridge with the same bridgeId already exists']]),
      ] },
      { path: '/bridges/{bridgeId}', description: 'Individual bridge', operations: [
        op('GET', 'get', 'Bridge', 'Get bridge details.', [pathParam('bridgeId', 'Bridge\'s id')], [[404, 'Bridge not found']]),
        op('DELETE', 'destroy', 'void', 'Shut down a bridge.', [pathParam('bridgeId', 'Bridge\'s id')], [[404, 'Bridge not found']]),
      ] },
      { path: '/bridges/{bridgeId}/addChannel', description: 'Add a channel to a bridge', operations: [
        op('POST', 'addChannel', 'void', 'Add a channel to a bridge.', [
          pathParam('bridgeId', 'Bridge\'s id'),
          query('channel', 'string', 'Ids of channels to add to bridge', { required: true, multiple: true }),
          query('role', 'string', 'Channel\'s role in the bridge'),
          query('absorbDTMF', 'boolean', 'Absorb DTMF coming from this channel, preventing it to pass through to the bridge', { defaultValue: false }),
          query('mute', 'boolean', 'Mute audio from this channel, preventing it to pass through to the bridge', { defaultValue: false }),
          query('inhibitConnectedLineUpdates', 'boolean', 'Do not present the identity of the newly connected channel to other bridge members', { defaultValue: false }),
        ], [[400, 'Channel not found'], [404, 'Bridge not found'], [409, 'Bridge not in Stasis application; Channel currently recording'], [422, 'Channel not in Stasis application']]),
      ] },
      { path: '/bridges/{bridgeId}/record', description: 'Record audio on a bridge', operations: [
        op('POST', 'record', 'LiveRecording', 'Start a recording.', [
          pathParam('bridgeId', 'Bridge\'s id'),
          query('name', 'string', 'Recording\'s filename', { required: true }),
          query('format', 'string', 'Format to encode audio in', { required: true }),
          query('recorder_format', 'string', 'Format of the recorder channel'),
          query('maxDurationSeconds', 'int', 'Maximum duration of the recording, in seconds. 0 for no limit.', { min: 0, defaultValue: 0 }),
          query('maxSilenceSeconds', 'int', 'Maximum duration of silence, in seconds. 0 for no limit.', { min: 0, defaultValue: 0 }),
          query('ifExists', 'string', 'Action to take if a recording with the same name already exists.', { values: IF_EXISTS_VALUES, defaultValue: 'fail' }),
          query('beep', 'boolean', 'Play beep when recording begins', { defaultValue: false }),
          query('terminateOn', 'string', 'DTMF input to terminate recording.', { values: TERMINATE_ON_VALUES, defaultValue: 'none' }),
        ], [[400, 'Invalid parameters'], [404, 'Bridge not found'],
          [409, 'Bridge is not in a Stasis application; A recording with the same name already exists on the system and can not be overwritten because it is in progress or ifExists=fail'],
          [422, 'The format specified is unknown on this system']]),
      ] },
      { path: '/bridges/{bridgeId}/removeChannel', description: 'Remove a channel from a bridge', operations: [
        op('POST', 'removeChannel', 'void', 'Remove a channel from a bridge.', [
          pathParam('bridgeId', 'Bridge\'s id'),
          query('channel', 'string', 'Ids of channels to remove from bridge', { required: true, multiple: true }),
        ], [[400, 'Channel not found'], [404, 'Bridge not found'], [409, 'Bridge not in Stasis application'], [422, 'Channel not in this bridge']]),
      ] },
    ],
    models: { Bridge: BRIDGE_MODEL },
  },
  {
    name: 'recordings',
    description: 'Recording resources',
    apis: [
      { path: '/recordings/stored', description: 'Recordings', operations: [
        op('GET', 'listStored', 'List[StoredRecording]', 'List recordings that are complete.'),
      ] },
      { path: '/recordings/stored/{recordingName}', description: 'Individual recording', operations: [
        op('GET', 'getStored', 'StoredRecording', 'Get a stored recording\'s details.', [pathParam('recordingName', 'The name of the recording')], [[404, 'Recording not found']]),
        op('DELETE', 'deleteStored', 'void', 'Delete a stored recording.', [pathParam('recordingName', 'The name of the recording')], [[404, 'Recording not found']]),
      ] },
      { path: '/recordings/stored/{recordingName}/file', description: 'The actual file associated with the stored recording', operations: [
        op('GET', 'getStoredFile', 'binary', 'Get the file associated with the stored recording.', [pathParam('recordingName', 'The name of the recording')],
          [[403, 'The recording file could not be opened'], [404, 'Recording not found']]),
      ] },
      { path: '/recordings/live/{recordingName}', description: 'A recording that is in progress', operations: [
        op('GET', 'getLive', 'LiveRecording', 'List live recordings.', [pathParam('recordingName', 'The name of the recording')], [[404, 'Recording not found']]),
        op('DELETE', 'cancel', 'void', 'Stop a live recording and discard it.', [pathParam('recordingName', 'The name of the recording')], [[404, 'Recording not found']]),
      ] },
      { path: '/recordings/live/{recordingName}/stop', description: '', operations: [
        op('POST', 'stop', 'void', 'Stop a live recording and store it.', [pathParam('recordingName', 'The name of the recording')], [[404, 'Recording not found']]),
      ] },
    ],
    models: { StoredRecording: STORED_RECORDING_MODEL, LiveRecording: LIVE_RECORDING_MODEL },
  },
  {
    name: 'playbacks',
    description: 'Playback control resources',
    apis: [
      { path: '/playbacks/{playbackId}', description: 'Control object for a playback operation.', operations: [
        op('GET', 'get', 'Playback', 'Get a playback\'s details.', [pathParam('playbackId', 'Playback\'s id')], [[404, 'The playback cannot be found']]),
        op('DELETE', 'stop', 'void', 'Stop a playback.', [pathParam('playbackId', 'Playback\'s id')], [[404, 'The playback cannot be found']]),
      ] },
    ],
    models: { Playback: PLAYBACK_MODEL },
  },
  {
    name: 'events',
    description: 'WebSocket resource',
    apis: [
      { path: '/events', description: 'Events from Asterisk to applications', operations: [
        {
          ...op('GET', 'eventWebsocket', 'Message', 'WebSocket connection for events.', [
            query('app', 'string', 'Applications to subscribe to.', { required: true, multiple: true }),
            query('subscribeAll', 'boolean', 'Subscribe to all Asterisk events.'),
          ]),
          upgrade: 'websocket',
          websocketProtocol: 'ari',
        },
      ] },
    ],
    models: EVENT_MODELS,
  },
  {
    name: 'endpoints',
    description: 'Endpoint resources',
    apis: [
      { path: '/endpoints', description: 'Asterisk endpoints', operations: [
        op('GET', 'list', 'List[Endpoint]', 'List all endpoints.'),
      ] },
      { path: '/endpoints/{tech}/{resource}', description: 'Single endpoint', operations: [
        // As in Asterisk's endpoints.json, these path parameters carry no required/allowMultiple flags.
        op('GET', 'get', 'Endpoint', 'Details for an endpoint.', [
          { name: 'tech', description: 'Technology of the endpoint', paramType: 'path', dataType: 'string' } as ParamDef,
          { name: 'resource', description: 'ID of the endpoint', paramType: 'path', dataType: 'string' } as ParamDef,
        ], [[400, 'Invalid parameters for sending a message.'], [404, 'Endpoints not found']]),
      ] },
    ],
    models: { Endpoint: ENDPOINT_MODEL },
  },
  {
    name: 'applications',
    description: 'Stasis application resources',
    apis: [
      { path: '/applications', description: 'Stasis applications', operations: [
        op('GET', 'list', 'List[Application]', 'List all applications.'),
      ] },
      { path: '/applications/{applicationName}', description: 'Stasis application', operations: [
        op('GET', 'get', 'Application', 'Get details of an application.', [pathParam('applicationName', 'Application\'s name')], [[404, 'Application does not exist.']]),
      ] },
      { path: '/applications/{applicationName}/subscription', description: 'Stasis application', operations: [
        op('POST', 'subscribe', 'Application', 'Subscribe an application to a event source.', [
          pathParam('applicationName', 'Application\'s name'),
          query('eventSource', 'string', 'URI for event source (channel:{channelId}, bridge:{bridgeId}, endpoint:{tech}[/{resource}], deviceState:{deviceName}', { required: true, multiple: true }),
        ], [[400, 'Missing parameter.'], [404, 'Application does not exist.'], [422, 'Event source does not exist.']]),
        op('DELETE', 'unsubscribe', 'Application', 'Unsubscribe an application from an event source.', [
          pathParam('applicationName', 'Application\'s name'),
          query('eventSource', 'string', 'URI for event source (channel:{channelId}, bridge:{bridgeId}, endpoint:{tech}[/{resource}], deviceState:{deviceName}', { required: true, multiple: true }),
        ], [[400, 'Missing parameter; event source scheme not recognized.'], [404, 'Application does not exist.'], [409, 'Application not subscribed to event source.'], [422, 'Event source does not exist.']]),
      ] },
    ],
    models: { Application: APPLICATION_MODEL },
  },
];

const API_VERSION = '2.0.0';

/** `GET /ari/api-docs/resources.json`, with basePath rewritten to the address the client used (as Asterisk does). */
export function resourceListing(basePath: string): object {
  return {
    apiVersion: API_VERSION,
    swaggerVersion: '1.1',
    basePath,
    apis: RESOURCES.map((r) => ({ path: `/api-docs/${r.name}.{format}`, description: r.description })),
  };
}

/** `GET /ari/api-docs/{name}.json`; undefined for a resource the simulator does not serve. */
export function apiDeclaration(name: string, basePath: string): object | undefined {
  const r = RESOURCES.find((x) => x.name === name);
  if (!r) return undefined;
  return {
    apiVersion: API_VERSION,
    swaggerVersion: r.name === 'events' ? '1.2' : '1.1',
    basePath,
    resourcePath: `/api-docs/${r.name}.{format}`,
    apis: r.apis,
    models: r.models,
  };
}

/** Flat list of served operations, for the router and the conformance test. */
export interface ServedOperation {
  resource: string;
  path: string;
  method: OperationDef['httpMethod'];
  nickname: string;
  op: OperationDef;
}

export function servedOperations(): ServedOperation[] {
  const out: ServedOperation[] = [];
  for (const r of RESOURCES) {
    for (const a of r.apis) {
      for (const o of a.operations) out.push({ resource: r.name, path: a.path, method: o.httpMethod, nickname: o.nickname, op: o });
    }
  }
  return out;
}
