/** SMS codec: pure encoding/decoding of SMPP short messages. No I/O, no `smpp` import. */
export * from './gsm7.js';
export * from './text.js';
export * from './dcs.js';
export * from './udh.js';
export * from './mo.js';
export * from './reassembly.js';
export * from './mt.js';
export * from './dlr.js';
export * from './mo-dedupe.js';
