/** JSON body schemas of the sms routes (./index.ts). */
import { Type, type TSchema } from '@sinclair/typebox';

export const S = {
  smsPreview: Type.Object({ text: Type.String({ maxLength: 1000 }) }, { additionalProperties: false }),
  smsSend: Type.Object({ phone: Type.String({ maxLength: 20 }), text: Type.String({ minLength: 1, maxLength: 1000 }) }, { additionalProperties: false }),
  smsBulk: Type.Object({
    eventId: Type.String({ minLength: 1, maxLength: 128 }), text: Type.String({ minLength: 1, maxLength: 500 }),
    recipients: Type.Array(Type.String({ maxLength: 32 }), { minItems: 1 }),
  }, { additionalProperties: false }),
};

export const BODIES: Record<string, TSchema> = {
  'POST /api/sms/preview': S.smsPreview,
  'POST /api/sms/send': S.smsSend,
  'POST /api/sms/bulk': S.smsBulk,
};
