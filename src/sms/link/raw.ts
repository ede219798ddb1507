/**
 * Raw PDU access next to the `smpp` package.
 *
 * The package decodes `short_message` / `message_payload` into JS strings by data_coding (GSM for
 * dc 0 *and* dc 1, iconv for the rest) and the original octets are lost: odd UCS2 lengths, GSM
 * escapes and IA5 text cannot be recovered from its output. We therefore keep the raw bytes of every
 * PDU the session reads (`captureRawPdus`) and parse the message-carrying PDUs ourselves
 * (`parseMessagePdu`). Neither function imports `smpp`; the simulator uses them too.
 */
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';

/** SMPP 3.4 command ids used here. */
export const CMD = {
  generic_nack: 0x80000000,
  bind_receiver: 0x00000001,
  bind_transmitter: 0x00000002,
  bind_transceiver: 0x00000009,
  submit_sm: 0x00000004,
  deliver_sm: 0x00000005,
  unbind: 0x00000006,
  enquire_link: 0x00000015,
  data_sm: 0x00000103,
} as const;

/** TLV tags we name (SMPP 3.4 §5.3.2). */
export const TLV = {
  receipted_message_id: 0x001e,
  user_message_reference: 0x0204,
  source_port: 0x020a,
  dest_port: 0x020b,
  sar_msg_ref_num: 0x020c,
  sar_total_segments: 0x020e,
  sar_segment_seqnum: 0x020f,
  network_error_code: 0x0423,
  message_payload: 0x0424,
  message_state: 0x0427,
} as const;

/**
 * Wrap `socket.read` so that every byte the smpp Session pulls off the socket is kept until
 * `take()` is called. The Session reads a PDU as `read(4)` (length) then `read(length - 4)` and
 * emits `'pdu'` synchronously afterwards, so `take()` from a `'pdu'` listener returns exactly that
 * PDU's bytes. Per-socket: the package itself is not modified.
 */
export function captureRawPdus(socket: Socket): { take(): Buffer | null; peek(): Buffer } {
  let chunks: Buffer[] = [];
  const origRead = Readable.prototype.read;
  (socket as unknown as { read: (n?: number) => unknown }).read = function read(this: Socket, n?: number) {
    const b = origRead.call(this, n) as Buffer | string | null;
    if (b && Buffer.isBuffer(b) && b.length) chunks.push(b);
    return b;
  };
  return {
    take() {
      if (!chunks.length) return null;
      const raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      chunks = [];
      return raw;
    },
    peek() {
      return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    },
  };
}

/** One TLV as it was on the wire. */
export interface RawTlv { tag: number; value: Buffer }

/** submit_sm / deliver_sm / data_sm with their octets intact. */
export interface RawMessagePdu {
  commandId: number;
  status: number;
  sequence: number;
  serviceType: string;
  sourceTon: number;
  sourceNpi: number;
  sourceAddr: string;
  destTon: number;
  destNpi: number;
  destAddr: string;
  esmClass: number;
  protocolId: number;
  priority: number;
  registeredDelivery: number;
  dataCoding: number;
  /** short_message exactly as sent (UDH included when esm_class has UDHI); empty for data_sm. */
  shortMessage: Buffer;
  tlvs: RawTlv[];
}

export class PduFormatError extends Error {}

/** Parse the header + body of a submit_sm, deliver_sm or data_sm. Throws PduFormatError on any structural fault. */
export function parseMessagePdu(raw: Buffer): RawMessagePdu {
  if (raw.length < 16) throw new PduFormatError(`PDU shorter than its header (${raw.length} octets)`);
  const length = raw.readUInt32BE(0);
  if (length !== raw.length) throw new PduFormatError(`command_length ${length} but ${raw.length} octets`);
  const commandId = raw.readUInt32BE(4);
  let off = 16;
  const need = (n: number, what: string) => {
    if (off + n > length) throw new PduFormatError(`PDU ends inside ${what} (offset ${off})`);
  };
  const u8 = (what: string) => { need(1, what); return raw[off++]; };
  const cstr = (what: string, max: number) => {
    const end = raw.indexOf(0, off);
    if (end < 0 || end >= length) throw new PduFormatError(`unterminated ${what}`);
    if (end - off > max) throw new PduFormatError(`${what} longer than ${max} octets`);
    const s = raw.toString('latin1', off, end);
    off = end + 1;
    return s;
  };
  const isData = commandId === CMD.data_sm;
  if (!isData && commandId !== CMD.submit_sm && commandId !== CMD.deliver_sm) {
    throw new PduFormatError(`not a message PDU (command_id 0x${commandId.toString(16)})`);
  }
  const serviceType = cstr('service_type', 5);
  const sourceTon = u8('source_addr_ton');
  const sourceNpi = u8('source_addr_npi');
  const sourceAddr = cstr('source_addr', 64);
  const destTon = u8('dest_addr_ton');
  const destNpi = u8('dest_addr_npi');
  const destAddr = cstr('destination_addr', 64);
  const esmClass = u8('esm_class');
  let protocolId = 0;
  let priority = 0;
  let registeredDelivery: number;
  let dataCoding: number;
  let shortMessage: Buffer = Buffer.alloc(0);
  if (isData) {
    registeredDelivery = u8('registered_delivery');
    dataCoding = u8('data_coding');
  } else {
    protocolId = u8('protocol_id');
    priority = u8('priority_flag');
    cstr('schedule_delivery_time', 16);
    cstr('validity_period', 16);
    registeredDelivery = u8('registered_delivery');
    u8('replace_if_present_flag');
    dataCoding = u8('data_coding');
    u8('sm_default_msg_id');
    const smLength = u8('sm_length');
    need(smLength, 'short_message');
    shortMessage = raw.subarray(off, off + smLength);
    off += smLength;
  }
  const tlvs: RawTlv[] = [];
  while (off < length) {
    if (off + 4 > length) throw new PduFormatError(`truncated TLV header at offset ${off}`);
    const tag = raw.readUInt16BE(off);
    const len = raw.readUInt16BE(off + 2);
    off += 4;
    if (off + len > length) throw new PduFormatError(`TLV 0x${tag.toString(16).padStart(4, '0')} runs past the PDU`);
    tlvs.push({ tag, value: raw.subarray(off, off + len) });
    off += len;
  }
  return {
    commandId, status: raw.readUInt32BE(8), sequence: raw.readUInt32BE(12),
    serviceType, sourceTon, sourceNpi, sourceAddr, destTon, destNpi, destAddr,
    esmClass, protocolId, priority, registeredDelivery, dataCoding, shortMessage, tlvs,
  };
}

/** First TLV with that tag, or undefined. */
export function tlvValue(tlvs: RawTlv[], tag: number): Buffer | undefined {
  return tlvs.find((t) => t.tag === tag)?.value;
}

/** Unsigned big-endian integer TLV value (1, 2 or 4 octets), else undefined. */
export function tlvInt(tlvs: RawTlv[], tag: number): number | undefined {
  const v = tlvValue(tlvs, tag);
  if (!v) return undefined;
  if (v.length === 1) return v[0];
  if (v.length === 2) return v.readUInt16BE(0);
  if (v.length === 4) return v.readUInt32BE(0);
  return undefined;
}

/** C-octet-string TLV value without its trailing NUL(s). */
export function tlvCString(tlvs: RawTlv[], tag: number): string | undefined {
  const v = tlvValue(tlvs, tag);
  if (!v) return undefined;
  const end = v.indexOf(0);
  return v.toString('latin1', 0, end < 0 ? v.length : end);
}

/**
 * Split user data into UDH and body when esm_class has the UDH indicator (0x40).
 * Returns udh including its length octet (e.g. `05 00 03 ref n i`); a UDHL that runs past the data
 * is reported as `badUdh` and the whole buffer is returned as body.
 */
export function splitUdh(data: Buffer, esmClass: number): { udh: Buffer | null; body: Buffer; badUdh: boolean } {
  if (!(esmClass & 0x40) || data.length === 0) return { udh: null, body: data, badUdh: false };
  const udhl = data[0];
  if (1 + udhl > data.length) return { udh: null, body: data, badUdh: true };
  return { udh: data.subarray(0, 1 + udhl), body: data.subarray(1 + udhl), badUdh: false };
}
