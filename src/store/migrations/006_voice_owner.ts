/**
 * Calls record the server instance that handled them (`<host>/<pid>/<random>`): at start-up a server
 * closes only the calls left open by instances that are gone, never those of a live one.
 * (The calls table is created first for databases migrated while 003 was a placeholder.)
 */
import { voiceSchema } from './003_voice.js';

export const voiceOwner = `
${voiceSchema}
ALTER TABLE calls ADD COLUMN owner TEXT;
CREATE INDEX IF NOT EXISTS calls_open ON calls(owner) WHERE ended_at IS NULL;
`;
