/** SMS keyword commands: normaliser and parser. Pure. */
export * from './normalise.js';
export * from './parse.js';
