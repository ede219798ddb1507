/** JSON body schemas of the session routes (./index.ts). */
import { Type, type TSchema } from '@sinclair/typebox';

export const S = {
  myPassword: Type.Object({ current: Type.String({ maxLength: 200 }), password: Type.String({ maxLength: 200 }) }, { additionalProperties: false }),
};

export const BODIES: Record<string, TSchema> = {
  'POST /api/me/password': S.myPassword,
};
