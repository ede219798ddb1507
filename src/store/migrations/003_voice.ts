/**
 * Voice: one row per call (the call log), the steps of each call (node visits with the input given)
 * and the persisted per-node funnel counters behind `hotline_ivr_node_total`.
 * IF NOT EXISTS: development databases migrated while this migration was a placeholder get the
 * tables from the calls repository's ensureVoiceSchema() instead (same statements).
 */
export const voiceSchema = `
CREATE TABLE IF NOT EXISTS calls (
  call_id      TEXT PRIMARY KEY,                -- the ARI channel id
  direction    TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  flow_id      TEXT NOT NULL,
  caller       TEXT NOT NULL,
  called       TEXT NOT NULL,
  started_at   TEXT NOT NULL,
  answered_at  TEXT,
  ended_at     TEXT,
  duration_sec REAL,
  -- status_read | complaint_recorded | transferred | subscribed | callback_answered | abandoned | completed | failed
  outcome      TEXT,
  outcomes     TEXT,                           -- every outcome reached, comma separated
  end_reason   TEXT,                           -- caller | normal | flow-error | lost | shutdown …
  last_node    TEXT,
  path         TEXT,                           -- node ids visited, '>' separated
  feedback_ref TEXT,
  recovered    INTEGER NOT NULL DEFAULT 0       -- the ARI link was re-established during the call
);
CREATE INDEX IF NOT EXISTS calls_started ON calls(started_at);
CREATE INDEX IF NOT EXISTS calls_caller ON calls(caller, started_at);

CREATE TABLE IF NOT EXISTS call_steps (
  id       INTEGER PRIMARY KEY,
  call_id  TEXT NOT NULL REFERENCES calls(call_id) ON DELETE CASCADE,
  at       TEXT NOT NULL,
  node     TEXT NOT NULL,
  kind     TEXT NOT NULL CHECK (kind IN ('enter', 'input', 'timeout', 'invalid', 'hangup')),
  detail   TEXT
);
CREATE INDEX IF NOT EXISTS call_steps_call ON call_steps(call_id, id);

CREATE TABLE IF NOT EXISTS ivr_node_counters (
  flow_id TEXT NOT NULL,
  node    TEXT NOT NULL,
  kind    TEXT NOT NULL,
  count   INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (flow_id, node, kind)
) WITHOUT ROWID;
`;

export const voice = `DROP TABLE IF EXISTS voice_placeholder;\n${voiceSchema}`;
