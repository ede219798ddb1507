/** JSON body schemas of the panel's web-window routes (./index.ts). */
import { Type, type TSchema } from '@sinclair/typebox';
import { GUIDE_LIMITS } from '../../../web/guide-input.js';

const Str = (n: number) => Type.String({ maxLength: n });

export const S = {
  publish: Type.Object({ publishable: Type.Boolean() }, { additionalProperties: false }),
  title: Type.Object({ title: Type.Union([Str(40), Type.Null()]) }, { additionalProperties: false }),
  guide: Type.Object({
    department: Str(32), itemCode: Str(GUIDE_LIMITS.itemCode), name: Str(GUIDE_LIMITS.name), basis: Type.Optional(Str(GUIDE_LIMITS.basis)),
    procedure: Type.Optional(Str(GUIDE_LIMITS.procedure)), fees: Type.Optional(Str(GUIDE_LIMITS.fees)), timeLimit: Type.Optional(Str(GUIDE_LIMITS.timeLimit)),
    complaintChannel: Type.Optional(Str(GUIDE_LIMITS.complaintChannel)),
  }, { additionalProperties: false }),
  guideDelete: Type.Object({ department: Str(32), itemCode: Str(GUIDE_LIMITS.itemCode) }, { additionalProperties: false }),
};

export const BODIES: Record<string, TSchema> = {
  'POST /api/feedback/:id/publish': S.publish,
  'POST /api/users/:id/title': S.title,
  'POST /api/guide': S.guide,
  'POST /api/guide/delete': S.guideDelete,
};
