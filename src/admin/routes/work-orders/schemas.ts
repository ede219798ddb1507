/** JSON body schemas of the work-order routes (./index.ts). */
import { Type, type TSchema } from '@sinclair/typebox';

const Opinion = Type.String({ minLength: 1, maxLength: 2000 });
export const Answer = Type.Object({ answer: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false });
export const OpinionBody = Type.Object({ opinion: Opinion }, { additionalProperties: false });
export const Assists = Type.Array(Type.Object({ department: Type.String({ minLength: 1, maxLength: 32 }), instruction: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false }), { maxItems: 10 });

export const B = {
  dispatch: Type.Object({
    department: Type.Optional(Type.String({ maxLength: 32, description: 'department code; empty: the category\'s default' })), category: Type.Optional(Type.String({ maxLength: 40 })),
    urgency: Type.Optional(Type.Union([Type.Literal('normal'), Type.Literal('urgent')])), instruction: Type.Optional(Type.String({ maxLength: 2000 })), assists: Type.Optional(Assists),
  }, { additionalProperties: false }),
  assist: Type.Object({ assists: Assists }, { additionalProperties: false }),
  merge: Type.Object({ parent: Type.String({ minLength: 1, maxLength: 32, description: 'the parent\'s reference' }) }, { additionalProperties: false }),
  close: Type.Object({ reason: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false }),
  claim: Type.Object({ release: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
  survey: Type.Object({ score: Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(3)]), opinion: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false }),
  decision: Type.Object({ approve: Type.Boolean(), opinion: Type.Optional(Type.String({ maxLength: 2000 })), days: Type.Optional(Type.Integer({ minimum: 1, maximum: 60 })) }, { additionalProperties: false }),
  sign: Type.Object({ opinion: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false }),
  ret: Type.Object({ reason: Type.Union([Type.Literal('not_ours'), Type.Literal('wrong_category'), Type.Literal('incomplete')]), opinion: Opinion }, { additionalProperties: false }),
  extension: Type.Object({ days: Type.Integer({ minimum: 1, maximum: 60 }), reason: Opinion }, { additionalProperties: false }),
  details: Type.Object({
    transcript: Type.Optional(Type.String({ maxLength: 20000 })), category: Type.Optional(Type.Union([Type.String({ maxLength: 40 }), Type.Null()])),
    urgency: Type.Optional(Type.Union([Type.Literal('normal'), Type.Literal('urgent')])), address: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
    summary: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])), replyBy: Type.Optional(Type.Union([Type.Literal('sms'), Type.Literal('call'), Type.Literal('none'), Type.Null()])),
    kind: Type.Optional(Type.String({ maxLength: 20 })),
    dispatch: Type.Optional(Type.Object({
      department: Type.Optional(Type.String({ maxLength: 32 })), instruction: Type.Optional(Type.String({ maxLength: 2000 })), assists: Type.Optional(Assists),
    }, { additionalProperties: false, description: 'dispatch in the same save (派单)' })),
  }, { additionalProperties: false }),
  create: Type.Object({
    phone: Type.String({ minLength: 1, maxLength: 32 }), kind: Type.Optional(Type.String({ maxLength: 20 })),
    text: Type.Optional(Type.String({ maxLength: 20000, description: '来电内容（坐席记录）' })), callId: Type.Optional(Type.Union([Type.String({ maxLength: 128 }), Type.Null()])),
    summary: Type.Optional(Type.String({ maxLength: 500 })), address: Type.Optional(Type.String({ maxLength: 500 })),
    urgency: Type.Optional(Type.Union([Type.Literal('normal'), Type.Literal('urgent')])), category: Type.Optional(Type.String({ maxLength: 40 })),
  }, { additionalProperties: false }),
  assistAnswer: Type.Object({ answer: Type.String({ minLength: 1, maxLength: 2000 }), department: Type.Optional(Type.String({ maxLength: 32 })) }, { additionalProperties: false }),
};

export const WORK_ORDER_BODIES: Record<string, TSchema> = {
  'POST /api/work-orders/:id/dispatch': B.dispatch, 'POST /api/work-orders/:id/direct': Answer, 'POST /api/work-orders/:id/uphold': OpinionBody,
  'POST /api/work-orders/:id/assist': B.assist, 'POST /api/work-orders/:id/merge': B.merge, 'POST /api/work-orders/:id/close': B.close,
  'POST /api/work-orders/:id/claim': B.claim, 'POST /api/work-orders/:id/survey': B.survey, 'POST /api/work-orders/:id/extension-decision': B.decision,
  'POST /api/work-orders/:id/redo': OpinionBody, 'POST /api/work-orders/:id/urge': OpinionBody, 'POST /api/work-orders/:id/sign': B.sign,
  'POST /api/work-orders/:id/return': B.ret, 'POST /api/work-orders/:id/extension': B.extension, 'POST /api/work-orders/:id/interim': Answer,
  'POST /api/work-orders/:id/answer': Answer, 'POST /api/work-orders/:id/assist-answer': B.assistAnswer, 'POST /api/work-orders/:id/details': B.details,
  'POST /api/work-orders': B.create,
};
