/** JSON body schemas of the login routes (./index.ts). */
import { Type } from '@sinclair/typebox';

export const S = {
  login: Type.Object({ username: Type.String({ maxLength: 64 }), password: Type.String({ maxLength: 200 }) }),
};
