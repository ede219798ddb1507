/** JSON body schemas of the feedback routes (./index.ts). */
import { Type, type TSchema } from '@sinclair/typebox';

export const S = {
  transcript: Type.Object({ transcript: Type.String({ maxLength: 20000 }) }, { additionalProperties: false }),
  assign: Type.Object({ department: Type.String({ minLength: 1, maxLength: 32 }) }, { additionalProperties: false }),
  answer: Type.Object({ answer: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false }),
  answerPreview: Type.Object({ answer: Type.String({ maxLength: 2000 }) }, { additionalProperties: false }),
  kind: Type.Object({ kind: Type.String({ minLength: 1, maxLength: 20 }) }, { additionalProperties: false }),
};

export const BODIES: Record<string, TSchema> = {
  'POST /api/feedback/:id/transcript': S.transcript,
  'POST /api/feedback/:id/assign': S.assign,
  'POST /api/feedback/:id/answer': S.answer,
  'POST /api/feedback/:id/answer-preview': S.answerPreview,
  'POST /api/feedback/:id/kind': S.kind,
};
