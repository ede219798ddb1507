/**
 * The citizens' mailbox (市民信箱, issue 14). Version 14 in this branch (after main's 13 operator_recordings); renumbered at merge (one line in
 * ./index.ts and ../pg/migrations.ts).
 *  - mail_inbound: every accepted mail, committed before the SMTP 250 — the raw message's file under the
 *    data dir, the parsed fields, what became of it (disposition: order = a new work order, reply =
 *    added to an existing one, bounce, ignored = loop/auto mail, subscribe). message_id is UNIQUE: the
 *    same mail delivered twice is one row, one work order.
 *  - mail_threads: the work order's mail contact (the citizen's address) and the Message-ID that
 *    opened it; a work order with a row here is answered by mail.
 *  - mail_outbox: every outbound mail (auto-reply, answer, notice, push) with its own Message-ID and
 *    threading headers; queued → sending → sent | failed | expired; dedupe_key UNIQUE.
 *  - mail_addresses: addresses that bounced (no more mail to them).
 *  - mail_subscriptions: e-mail subscribers of a declaration's pushes (the subscriptions table holds
 *    phone numbers only).
 */
export const mail = `
CREATE TABLE mail_inbound (
  id           INTEGER PRIMARY KEY,
  message_id   TEXT NOT NULL UNIQUE,
  from_addr    TEXT NOT NULL,
  return_path  TEXT,
  remote_ip    TEXT,
  subject      TEXT,
  body_text    TEXT,
  in_reply_to  TEXT,
  refs         TEXT,
  raw_path     TEXT NOT NULL,
  raw_bytes    INTEGER NOT NULL,
  attachments  TEXT NOT NULL DEFAULT '[]',
  disposition  TEXT NOT NULL CHECK (disposition IN ('order', 'reply', 'bounce', 'ignored', 'subscribe')),
  reason       TEXT,
  feedback_id  INTEGER REFERENCES feedback(id),
  received_at  TEXT NOT NULL
);
CREATE INDEX mail_inbound_feedback ON mail_inbound(feedback_id) WHERE feedback_id IS NOT NULL;

CREATE TABLE mail_threads (
  feedback_id  INTEGER PRIMARY KEY REFERENCES feedback(id),
  address      TEXT NOT NULL,
  message_id   TEXT NOT NULL,
  created_at   TEXT NOT NULL
);

CREATE TABLE mail_outbox (
  id              INTEGER PRIMARY KEY,
  to_addr         TEXT NOT NULL,
  subject         TEXT NOT NULL,
  body            TEXT NOT NULL,
  message_id      TEXT NOT NULL UNIQUE,
  in_reply_to     TEXT,
  refs            TEXT,
  reason          TEXT NOT NULL CHECK (reason IN ('auto_reply', 'answer', 'notice', 'push', 'subscribe')),
  feedback_id     INTEGER REFERENCES feedback(id),
  dedupe_key      TEXT UNIQUE,
  status          TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'expired')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL,
  expires_at      TEXT NOT NULL,
  last_error      TEXT,
  sent_at         TEXT,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
);
CREATE INDEX mail_outbox_due ON mail_outbox(next_attempt_at, id) WHERE status = 'queued';
CREATE INDEX mail_outbox_feedback ON mail_outbox(feedback_id) WHERE feedback_id IS NOT NULL;

CREATE TABLE mail_addresses (
  address      TEXT PRIMARY KEY,
  bounced_at   TEXT NOT NULL,
  reason       TEXT
);

CREATE TABLE mail_subscriptions (
  id             INTEGER PRIMARY KEY,
  address        TEXT NOT NULL,
  declaration_id INTEGER NOT NULL REFERENCES declarations(id),
  created_at     TEXT NOT NULL,
  ended_at       TEXT
);
CREATE UNIQUE INDEX mail_subscriptions_active ON mail_subscriptions(address, declaration_id) WHERE ended_at IS NULL;
CREATE INDEX mail_subscriptions_declaration ON mail_subscriptions(declaration_id) WHERE ended_at IS NULL;
`;
