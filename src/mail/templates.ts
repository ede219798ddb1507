/**
 * The mailbox's letters to citizens (Simplified Chinese). Plain text; {name} placeholders are filled by
 * render(); the subject carries 【96365-{ref}】 so that a reply finds its work order even without
 * In-Reply-To. Pure.
 */
export const MAIL_TEMPLATES = {
  'auto_reply.subject': '【96365-{ref}】您的来信已受理',
  'auto_reply.body': `您好！

您发给96365市民信箱的来信已收到并登记，编号 {ref}（{kind}）。
我们将按规定时限转交承办单位办理，办理结果会通过本邮箱答复您。
如需补充情况或材料，请直接回复本邮件（请保留标题中的【96365-{ref}】）。
也可拨打96365，报编号 {ref} 查询办理进度。

96365市民服务热线（本邮件由系统自动发送）`,
  'answer.body': `您好！

您编号 {ref} 的来信，{dept}答复如下：

{answer}

如对答复有意见，请直接回复本邮件说明，我们将继续跟进。

96365市民服务热线`,
  'interim.body': `您好！

您编号 {ref} 的来信正在办理，{dept}阶段性答复如下：

{text}

96365市民服务热线`,
  'notice.body': `您好！

关于您编号 {ref} 的来信：{text}

96365市民服务热线（本邮件由系统自动发送）`,
  'supplement.body': `您好！

您对编号 {ref} 的补充已收到，并已转交承办人员。

96365市民服务热线（本邮件由系统自动发送）`,
  'push.subject': '【96365】办件进度：{item}',
  'push.body': `您好！

您订阅的办件 {code}（{item}，{dept}）有新进展：
{step}{opinion}
当前状态：{status}

退订请发送标题为“退订 {code}”的邮件到本邮箱。
96365市民服务热线（本邮件由系统自动发送）`,
  'subscribed.subject': '【96365】订阅成功：{code}',
  'subscribed.body': `您好！

您已订阅办件 {code}（{item}）的办理进度，状态变化时将发邮件通知您。
退订请发送标题为“退订 {code}”的邮件到本邮箱。

96365市民服务热线（本邮件由系统自动发送）`,
  'unsubscribed.subject': '【96365】已退订',
  'unsubscribed.body': `您好！

已为您退订 {what} 的办理进度邮件（{n} 项）。

96365市民服务热线（本邮件由系统自动发送）`,
  'unknown_code.subject': '【96365】未找到办件',
  'unknown_code.body': `您好！

未找到查询码 {code} 对应的办件，请核对后重新发送“订阅 查询码”。

96365市民服务热线（本邮件由系统自动发送）`,
} as const;

export type MailTemplateName = keyof typeof MAIL_TEMPLATES;

/** Fill {name} placeholders; an unknown name is left empty. */
export function renderMail(name: MailTemplateName, vars: Record<string, string>): string {
  return MAIL_TEMPLATES[name].replace(/\{(\w+)\}/g, (_m, k: string) => vars[k] ?? '');
}
