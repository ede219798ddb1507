export const sms = `CREATE TABLE sms_placeholder (id INTEGER PRIMARY KEY);`;
