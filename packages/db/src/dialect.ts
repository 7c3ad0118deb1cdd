/** The SQL dialects Flowline runs on. */
export type SqlDialectName = 'sqlite' | 'postgres';
