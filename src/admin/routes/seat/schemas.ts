/** JSON body schemas of the seat routes (./index.ts). */
import { Type, type TSchema } from '@sinclair/typebox';

export const S = {
  state: Type.Object({ state: Type.Union([Type.Literal('ready'), Type.Literal('break'), Type.Literal('loggedOut')]) }, { additionalProperties: false }),
};

export const BODIES: Record<string, TSchema> = {
  'POST /api/seat': S.state,
};
