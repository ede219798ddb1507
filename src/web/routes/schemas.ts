/** JSON schemas of the public pages' query strings (form bodies are parsed by ../form-body.ts and checked by ../validate.ts). */
import { Type } from '@sinclair/typebox';

const short = (n: number) => Type.Optional(Type.String({ maxLength: n }));

export const QueryResultQuery = Type.Object({ code: short(40), challenge_token: short(200), challenge_answer: short(10) }, { additionalProperties: false });
export const SubscribeQuery = Type.Object({ code: short(40) }, { additionalProperties: false });
export const GuideParams = Type.Object({ dept: Type.String({ pattern: '^[A-Za-z0-9_-]{1,32}$' }) });
export const BoardQuery = Type.Object({ page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }, { additionalProperties: false });
export const AttachmentParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
