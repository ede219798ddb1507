/**
 * Operator call recordings (issue 13): a queued call put through to an operator is recorded on its
 * bridge when queue.record_calls is on; the file (relative to <data dir>/recordings) is kept on the
 * caller's call row, so the work order saved for that call (feedback.call_id) links to it.
 */
export const operatorRecordings = `
ALTER TABLE calls ADD COLUMN operator_recording TEXT;
`;
