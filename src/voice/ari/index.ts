export { AriLink, type AriLinkOptions } from './client.js';
export { AriRequestError, type AriPort, type AriEventJson, type AriChannelJson, type AriLinkState, type OriginateOptions, type RecordOptions } from './types.js';
