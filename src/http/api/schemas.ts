/** JSON schemas of the department API (validate input, shape output; also the OpenAPI document). */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { DECLARATION_STATUSES, FEEDBACK_STATUSES } from '../../domain/types.js';

const Str = (max: number, opts: Record<string, unknown> = {}) => Type.String({ maxLength: max, ...opts });
const NullableStr = (max: number) => Type.Union([Str(max), Type.Null()]);
const Status = Type.Union(DECLARATION_STATUSES.map((s) => Type.Literal(s)));

export const ErrorBody = Type.Object({ error: Type.String(), message: Type.String(), field: Type.Optional(Type.String({ description: 'the refused field (422)' })) });

export const CodeParams = Type.Object({ code: Str(64, { minLength: 2, pattern: '^[A-Za-z0-9][A-Za-z0-9_\\-./]*$' }) });
export const RefParams = Type.Object({ ref: Str(32, { minLength: 1 }) });

export const DeclarationBody = Type.Object({
  itemName: Str(200, { minLength: 1 }),
  applicantName: Type.Optional(NullableStr(100)),
  applicantPhone: Type.Optional(Type.Union([Str(20, { pattern: '^\\+?[0-9 \\-]{3,20}$' }), Type.Null()])),
  acceptedAt: Type.Optional(Type.String({ format: 'date-time' })),
  timeLimitDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 3650 })),
  dueAt: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
  status: Type.Optional(Status),
}, { additionalProperties: false });
export type DeclarationBody = Static<typeof DeclarationBody>;

export const EventBody = Type.Object({
  eventId: Str(128, { minLength: 1 }),
  stepName: Str(100, { minLength: 1 }),
  status: Status,
  handlerName: Type.Optional(NullableStr(100)),
  handlerTitle: Type.Optional(NullableStr(100)),
  opinion: Type.Optional(NullableStr(2000)),
  details: Type.Optional(Type.Union([Type.Record(Type.String({ maxLength: 40 }), Str(500)), Type.Null()])),
  occurredAt: Type.String({ format: 'date-time' }),
}, { additionalProperties: false });
export type EventBody = Static<typeof EventBody>;

export const EventView = Type.Object({
  eventId: Type.String(), stepName: Type.String(), status: Type.String(),
  handlerName: Type.Union([Type.String(), Type.Null()]), handlerTitle: Type.Union([Type.String(), Type.Null()]),
  opinion: Type.Union([Type.String(), Type.Null()]), details: Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()]),
  occurredAt: Type.String(), receivedAt: Type.String(), applied: Type.Boolean(),
  voided: Type.Boolean(), voidedAt: Type.Union([Type.String(), Type.Null()]), voidReason: Type.Union([Type.String(), Type.Null()]),
});

export const DeclarationView = Type.Object({
  queryCode: Type.String(), deptRef: Type.Union([Type.String(), Type.Null()]), department: Type.String(),
  itemName: Type.String(), applicantName: Type.Union([Type.String(), Type.Null()]), applicantPhone: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(), statusAt: Type.String(), acceptedAt: Type.String(), dueAt: Type.Union([Type.String(), Type.Null()]),
  closedAt: Type.Union([Type.String(), Type.Null()]), overdue: Type.Boolean(),
  timeline: Type.Optional(Type.Array(EventView)),
});

export const EventParams = Type.Object({ code: CodeParams.properties.code, eventId: Str(128, { minLength: 1 }) });
export const VoidBody = Type.Object({
  reason: Str(500, { minLength: 1, description: '撤销原因 (why the step was wrong)' }),
  voidedBy: Type.Optional(Str(100)),
}, { additionalProperties: false });
export type VoidBody = Static<typeof VoidBody>;
export const VoidResult = Type.Object({ alreadyVoided: Type.Boolean(), statusChanged: Type.Boolean(), event: EventView, declaration: DeclarationView });

export const EventResult = Type.Object({ duplicate: Type.Boolean(), applied: Type.Boolean(), event: EventView, declaration: DeclarationView });

export const FeedbackQuery = Type.Object({
  status: Type.Optional(Type.Union(FEEDBACK_STATUSES.map((s) => Type.Literal(s)))),
  since: Type.Optional(Type.String({ format: 'date-time' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
}, { additionalProperties: false });
export type FeedbackQuery = Static<typeof FeedbackQuery>;

export const FeedbackView = Type.Object({
  ref: Type.String(), kind: Type.String(), channel: Type.String(), status: Type.String(),
  text: Type.Union([Type.String(), Type.Null()]), transcript: Type.Union([Type.String(), Type.Null()]),
  phone: Type.Union([Type.String(), Type.Null()]), answer: Type.Union([Type.String(), Type.Null()]),
  answeredAt: Type.Union([Type.String(), Type.Null()]), satisfaction: Type.Union([Type.Integer(), Type.Null()]),
  createdAt: Type.String(),
});

export const AnswerBody = Type.Object({
  answer: Str(2000, { minLength: 1 }),
  answeredBy: Type.Optional(Str(100)),
}, { additionalProperties: false });
export type AnswerBody = Static<typeof AnswerBody>;

// ───────────────────────────── work orders (工单), the department's side ─────────────────────────────

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Handler = Type.Optional(Str(100, { description: '经办人 (handler\'s name, shown in the timeline)' }));
const EventId = Type.Optional(Str(128, { minLength: 1, description: 'Idempotency key (or the Idempotency-Key header): the same key again answers the first response, applied once' }));

export const WorkOrderQueueQuery = Type.Object({
  queue: Type.Optional(Type.Union(['to_sign', 'handling', 'warning', 'overdue', 'survey', 'redo', 'all'].map((s) => Type.Literal(s)), { description: '待签收 / 办理中 / 即将超时 / 已超时 / 待回访 / 重办 / all (default: to_sign)' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
}, { additionalProperties: false });
export type WorkOrderQueueQuery = Static<typeof WorkOrderQueueQuery>;

export const TimeLeftView = Type.Object({ level: Type.Union([Type.Literal('ok'), Type.Literal('warn'), Type.Literal('overdue')]), minutes: Type.Integer(), text: Type.String() });

export const TimelineEntryView = Type.Object({
  action: Type.String(), label: Type.String({ description: '中文环节名 (派单, 签收 …)' }), actorName: Type.String(), department: Nullable(Type.String()),
  opinion: Nullable(Type.String()), detail: Nullable(Type.Record(Type.String(), Type.Unknown())), at: Type.String(),
});

export const WorkOrderView = Type.Object({
  ref: Type.String(), kind: Type.String(), channel: Type.String(), status: Type.String(), statusZh: Type.String(),
  role: Type.Union([Type.Literal('lead'), Type.Literal('assist')], { description: '主办 (lead) or 协办 (assist) for the calling department' }),
  category: Nullable(Type.String()), categoryName: Nullable(Type.String()), urgency: Type.String(),
  address: Nullable(Type.String()), summary: Nullable(Type.String()), text: Nullable(Type.String()), transcript: Nullable(Type.String()),
  phone: Nullable(Type.String({ description: 'masked' })), instruction: Nullable(Type.String()), department: Nullable(Type.String()),
  dispatchedAt: Nullable(Type.String()), signDueAt: Nullable(Type.String()), signedAt: Nullable(Type.String()), finishDueAt: Nullable(Type.String()),
  dueAt: Nullable(Type.String()), timeLeft: Nullable(TimeLeftView),
  answer: Nullable(Type.String()), answeredAt: Nullable(Type.String()), satisfaction: Nullable(Type.Integer()),
  returnCount: Type.Integer(), urgeCount: Type.Integer(), reopenCount: Type.Integer(), extensionCount: Type.Integer(),
  extension: Nullable(Type.Object({ days: Type.Integer(), reason: Type.String(), requestedAt: Type.String() })),
  parts: Type.Array(Type.Object({ department: Type.String(), instruction: Nullable(Type.String()), status: Type.String(), answer: Nullable(Type.String()), answeredAt: Nullable(Type.String()) })),
  createdAt: Type.String(),
  timeline: Type.Optional(Type.Array(TimelineEntryView)),
});

export const WorkOrderActionResult = Type.Object({ replayed: Type.Boolean({ description: 'true: the same idempotency key was seen before; nothing applied again' }), order: WorkOrderView });

export const SignBody = Type.Object({ opinion: Type.Optional(Str(2000)), handlerName: Handler, eventId: EventId }, { additionalProperties: false });
export type SignBody = Static<typeof SignBody>;
export const ReturnBody = Type.Object({
  reason: Type.Union([Type.Literal('not_ours'), Type.Literal('wrong_category'), Type.Literal('incomplete')], { description: '非本单位职责 / 分类错误 / 信息不全' }),
  opinion: Str(2000, { minLength: 1, description: '退单理由' }), handlerName: Handler, eventId: EventId,
}, { additionalProperties: false });
export type ReturnBody = Static<typeof ReturnBody>;
export const ExtensionBody = Type.Object({
  days: Type.Integer({ minimum: 1, maximum: 60, description: '延期的工作日数' }), reason: Str(2000, { minLength: 1 }), handlerName: Handler, eventId: EventId,
}, { additionalProperties: false });
export type ExtensionBody = Static<typeof ExtensionBody>;
export const WorkOrderAnswerBody = Type.Object({ answer: Str(2000, { minLength: 1 }), handlerName: Handler, eventId: EventId }, { additionalProperties: false });
export type WorkOrderAnswerBody = Static<typeof WorkOrderAnswerBody>;
const NoticeText = Str(500, { minLength: 1, description: '通知正文（部门的原话，不截断；过长时分为编号的多条短信）。Sent as 【96365】<部门>通知：<text>（回复TD退订）' });
const NoticeEventId = Str(128, { minLength: 1, description: '幂等键：同一部门同一 eventId 再次提交不会重复发送，返回相同结果 (idempotency key per department)' });

export const NoticeBody = Type.Object({
  eventId: NoticeEventId,
  text: NoticeText,
  recipients: Type.Array(Str(32), { minItems: 1, description: '手机号码（任意常见写法：13900000000、+86 139 0000 0000…），每次最多 10,000 个；超过时 413 (at most 10,000 per request)' }),
  sentBy: Type.Optional(Str(100)),
}, { additionalProperties: false });
export type NoticeBody = Static<typeof NoticeBody>;

export const DeclarationNoticeBody = Type.Object({
  eventId: NoticeEventId,
  text: NoticeText,
  sentBy: Type.Optional(Str(100)),
}, { additionalProperties: false });
export type DeclarationNoticeBody = Static<typeof DeclarationNoticeBody>;

export const NoticeResult = Type.Object({
  duplicate: Type.Boolean({ description: 'true: this eventId was already sent; nothing new was queued' }),
  accepted: Type.Integer({ description: 'recipients whose notice is in the outbox (queued, or held for quiet hours)' }),
  queued: Type.Integer({ description: 'outbox messages created by this request' }),
  held: Type.Integer({ description: 'of those, held until quiet hours end (免打扰时段)' }),
  messagesPerRecipient: Type.Integer(),
  optedOut: Type.Array(Type.String(), { description: '已退订 (TD) 的号码：不发送' }),
  invalid: Type.Array(Type.Object({ index: Type.Integer(), phone: Type.String(), reason: Type.String() }), { description: '无效号码（按在 recipients 中的位置）：不发送，不影响其他号码' }),
  repeated: Type.Integer({ description: 'numbers repeated in the list (sent once)' }),
  declaration: Type.Optional(Type.String({ description: 'the declaration\'s query code (declaration notices)' })),
});
