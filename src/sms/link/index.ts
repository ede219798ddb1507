export * from './smpp-link.js';
export { parseMessagePdu, splitUdh, PduFormatError, TLV, type RawTlv, type RawMessagePdu } from './raw.js';
