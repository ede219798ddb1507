/** JSON body schemas of the users routes (./index.ts). */
import { Type, type TSchema } from '@sinclair/typebox';

export const S = {
  userAdd: Type.Object({
    username: Type.String({ maxLength: 32 }), role: Type.String({ maxLength: 20 }), department: Type.Optional(Type.String({ maxLength: 32 })),
    password: Type.Optional(Type.String({ maxLength: 200 })), displayName: Type.Optional(Type.String({ maxLength: 64 })),
  }, { additionalProperties: false }),
  password: Type.Object({ password: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }),
  disabled: Type.Object({ disabled: Type.Boolean() }, { additionalProperties: false }),
  endpoint: Type.Object({ endpoint: Type.Union([Type.String({ maxLength: 80 }), Type.Null()]) }, { additionalProperties: false }),
  deptAdd: Type.Object({ code: Type.String({ maxLength: 32 }), name: Type.String({ minLength: 1, maxLength: 100 }), contactPhone: Type.Optional(Type.String({ maxLength: 20 })) }, { additionalProperties: false }),
};

export const BODIES: Record<string, TSchema> = {
  'POST /api/users': S.userAdd,
  'POST /api/users/:id/password': S.password,
  'POST /api/users/:id/disabled': S.disabled,
  'POST /api/departments': S.deptAdd,
  'POST /api/users/:id/endpoint': S.endpoint,
};
