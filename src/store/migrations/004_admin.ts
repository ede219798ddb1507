export const admin = `CREATE TABLE admin_placeholder (id INTEGER PRIMARY KEY);`;
