export const voice = `CREATE TABLE voice_placeholder (id INTEGER PRIMARY KEY);`;
