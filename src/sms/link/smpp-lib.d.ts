/**
 * Minimal typings for the npm `smpp` package (0.5.1), covering only what src/sms/link and the
 * SMSC simulator use. The package ships no types. See node_modules/smpp/lib for the real thing.
 */
declare module 'smpp' {
  import { EventEmitter } from 'node:events';
  import type { Server as NetServer, Socket } from 'node:net';

  /** A decoded PDU: header fields plus every mandatory parameter and known TLV by name. */
  export class PDU {
    constructor(command: string, options?: Record<string, unknown>);
    constructor(buffer: Buffer);
    command: string;
    command_length: number;
    command_id: number;
    command_status: number;
    sequence_number: number;
    [field: string]: unknown;
    isResponse(): boolean;
    /** A response PDU with the same sequence number (`generic_nack` for unknown commands). */
    response(options?: Record<string, unknown>): PDU;
    toBuffer(): Buffer;
    static maxLength: number;
  }

  export class Session extends EventEmitter {
    constructor(options: { socket: Socket } & Record<string, unknown>);
    socket: Socket;
    sequence: number;
    server?: Server;
    /** false when the socket is not writable (the PDU is dropped). */
    send(pdu: PDU, responseCallback?: (resp: PDU) => void, sendCallback?: (pdu: PDU) => void): boolean;
    pause(): void;
    resume(): void;
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
  }

  export class Server extends NetServer {
    sessions: Session[];
  }

  export function createServer(options: Record<string, unknown>, listener?: (session: Session) => void): Server;
  export function createServer(listener?: (session: Session) => void): Server;

  export const errors: Record<string, number>;
  export const consts: Record<string, Record<string, number>>;
  export const commands: Record<string, { id: number; params?: Record<string, unknown> }>;
  export const commandsById: Record<number, { command: string }>;

  const smpp: {
    PDU: typeof PDU;
    Session: typeof Session;
    Server: typeof Server;
    createServer: typeof createServer;
    errors: typeof errors;
    consts: typeof consts;
    commands: typeof commands;
    commandsById: typeof commandsById;
  };
  export default smpp;
}
