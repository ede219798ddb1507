/**
 * Real deliver_sm PDUs (hex, header included), produced by the npm `smpp` 0.5.1 encoder acting as
 * an SMSC, and a minimal independent deliver_sm body reader for the tests (SMPP 3.4 §4.6.1).
 */

export interface RawDeliverSm {
  sequence: number;
  sourceAddr: string;
  destinationAddr: string;
  esmClass: number;
  dataCoding: number;
  shortMessage: Buffer;
  tlvs: Map<number, Buffer>;
}

export function readDeliverSm(hex: string): RawDeliverSm {
  const b = Buffer.from(hex, 'hex');
  const len = b.readUInt32BE(0);
  if (len !== b.length) throw new Error(`command_length ${len} != ${b.length}`);
  if (b.readUInt32BE(4) !== 0x00000005) throw new Error('not a deliver_sm');
  let o = 16;
  const cstr = () => { const end = b.indexOf(0, o); const s = b.toString('latin1', o, end); o = end + 1; return s; };
  const u8 = () => b[o++];
  cstr(); // service_type
  u8(); u8();
  const sourceAddr = cstr();
  u8(); u8();
  const destinationAddr = cstr();
  const esmClass = u8();
  u8(); u8(); // protocol_id, priority_flag
  cstr(); cstr(); // schedule_delivery_time, validity_period
  u8(); u8(); // registered_delivery, replace_if_present_flag
  const dataCoding = u8();
  u8(); // sm_default_msg_id
  const smLength = u8();
  const shortMessage = b.subarray(o, o + smLength);
  o += smLength;
  const tlvs = new Map<number, Buffer>();
  while (o + 4 <= b.length) {
    const tag = b.readUInt16BE(o);
    const l = b.readUInt16BE(o + 2);
    tlvs.set(tag, b.subarray(o + 4, o + 4 + l));
    o += 4 + l;
  }
  return { sequence: b.readUInt32BE(12), sourceAddr, destinationAddr, esmClass, dataCoding, shortMessage, tlvs };
}

export const TLV = { sar_msg_ref_num: 0x020c, sar_total_segments: 0x020e, sar_segment_seqnum: 0x020f, message_payload: 0x0424, receipted_message_id: 0x001e, message_state: 0x0427 } as const;

/** 3-part UCS2 Chinese complaint, UDH `05 00 03 5A 03 0n`; 😡 (D83D DE21) is split between part 1 and part 2. */
export const UCS2_3PART_TEXT =
  '投诉：我家门口的路灯坏了三个多月，晚上出行很不方便，老人孩子经常摔倒，多次向社区反映都没有结果，希望有关部门尽快派人维修。。。。。。😡另外小区东门的下水道也经常堵塞，污水外溢，气味很大，夏天蚊虫多，严重影响居民生活，请相关部门一并处理。此前已多次拨打热线反映，至今没有任何回复，请尽快安排人员现场查看并给予答复。联系电话见本号码，谢谢！';
export const UCS2_3PART = [
  '000000bd00000005000000000000006400010131333831323334353637380000003936333635004000000000000008008c0500035a030162958bc9ff1a62115bb695e853e376848def706f574f4e864e094e2a591a6708ff0c665a4e0a51fa884c5f884e0d65b94fbfff0c80014eba5b695b507ecf5e3864545012ff0c591a6b215411793e533a53cd662090fd6ca167097ed3679cff0c5e0c671b6709517390e895e85c3d5feb6d3e4eba7ef44fee300230023002300230023002d83d',
  '000000bd00000005000000000000006500010131333831323334353637380000003936333635004000000000000008008c0500035a0302de2153e659165c0f533a4e1c95e876844e0b6c3490534e5f7ecf5e385835585eff0c6c616c3459166ea2ff0c6c1454735f885927ff0c590f5929868a866b591aff0c4e2591cd5f7154cd5c456c11751f6d3bff0c8bf776f8517390e895e84e005e765904740630026b64524d5df2591a6b2162e8625370ed7ebf53cd6620ff0c81f34eca6ca1',
  '0000007d00000005000000000000006600010131333831323334353637380000003936333635004000000000000008004c0500035a030367094efb4f5556de590dff0c8bf75c3d5feb5b8963924eba545873b0573a67e5770b5e767ed94e887b54590d300280547cfb75358bdd89c1672c53f77801ff0c8c228c22ff01',
];

/** 2-part GSM 7-bit (dc 0, unpacked) with SAR TLVs ref 0x1234; the escape of '€' (1B 65) is split across the parts. */
export const GSM_SAR_TEXT = 'Lamp broken at No.5 [east gate] - please fix {urgent} ~ cost 10€ each month and nobody responds. Second half of message goes here ok';
export const GSM_SAR_2PART = [
  '000000860000000500000000000000c80000003133393030303031313131000000393633363500000000000000000000454c616d702062726f6b656e206174204e6f2e35201b3c6561737420676174651b3e202d20706c6561736520666978201b28757267656e741b29201b3d20636f73742031301b020c00021234020e000102020f000101',
  '000000860000000500000000000000c9000000313339303030303131313100000039363336350000000000000000000045652065616368206d6f6e746820616e64206e6f626f647920726573706f6e64732e205365636f6e642068616c66206f66206d65737361676520676f65732068657265206f6b020c00021234020e000102020f000102',
];

/** Single dc 0 message: 'CX 123456789012 @$_[]{}€' (GSM default + extension characters). */
export const GSM_SINGLE = '0000004e00000005000000000000012c00000031333930303030313131310000003936333635000000000000000000001d435820313233343536373839303132200002111b3c1b3e1b281b291b65';

/** Single dc 8 message: '查询：123456789012'. */
export const UCS2_SINGLE = '0000004f00000005000000000000012d00000031333930303030313131310000003936333635000000000000000008001e67e58be2ff1a003100320033003400350036003700380039003000310032';

/** dc 8, empty short_message, text in message_payload: '建议增加周末办理窗口，方便上班族。👍'. */
export const PAYLOAD_UCS2 = '0000005b00000005000000000000012e000000313339303030303131313100000039363336350000000000000000080000042400265efa8bae589e52a05468672b529e74067a9753e3ff0c65b94fbf4e0a73ed65cf3002d83ddc4d';

/** Delivery receipt: esm_class 0x04, text id 0123456789 (decimal), TLVs receipted_message_id '75BCD15' (hex) and message_state 2. */
export const DLR = '000000ad00000005000000000000012f00000031333930303030313131310000003936333635000400000000000000006b69643a30313233343536373839207375623a30303120646c7672643a303031207375626d697420646174653a3236313132363135333020646f6e6520646174653a3236313132363135333120737461743a44454c49565244206572723a30303020746578743a48656c6c6f001e000837354243443135000427000102';
