/** JSON body schemas of the testphone routes (./index.ts). */
import { Type, type TSchema } from '@sinclair/typebox';

export const S = {
  call: Type.Object({ from: Type.String({ pattern: '^\\+?[0-9]{3,20}$' }) }, { additionalProperties: false }),
  press: Type.Object({ digits: Type.String({ pattern: '^[0-9*#]{1,32}$' }) }, { additionalProperties: false }),
  record: Type.Object({ seconds: Type.Number({ minimum: 1, maximum: 60 }) }, { additionalProperties: false }),
  testMail: Type.Object({
    from: Type.String({ pattern: '^[^\\s@<>]+@[^\\s@<>]+$', maxLength: 200 }), subject: Type.String({ maxLength: 200 }), text: Type.String({ minLength: 1, maxLength: 5000 }),
    inReplyTo: Type.Optional(Type.String({ pattern: '^<[^<>\\s]+>$', maxLength: 300 })),
  }, { additionalProperties: false }),
  testSms: Type.Object({ from: Type.String({ pattern: '^\\+?[0-9]{3,20}$' }), text: Type.String({ minLength: 1, maxLength: 1000 }) }, { additionalProperties: false }),
};

export const BODIES: Record<string, TSchema> = {
  'POST /api/testphone/call': S.call,
  'POST /api/testphone/call/:callId/press': S.press,
  'POST /api/testphone/call/:callId/record': S.record,
  'POST /api/testphone/sms': S.testSms,
  'POST /api/testphone/mail': S.testMail,
};
