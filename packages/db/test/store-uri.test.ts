import { describe, expect, it } from 'vitest';
import { DEFAULT_STORE_URI, parseStoreUri, redactUri } from '../src/index.js';

describe('parseStoreUri', () => {
  it("reads MLflow's SQLite forms: relative, absolute and in-memory", () => {
    expect(parseStoreUri(DEFAULT_STORE_URI, '/work')).toEqual({
      dialect: 'sqlite',
      filename: '/work/mlflow.db',
    });
    expect(parseStoreUri('sqlite:///data/x.db', '/work')).toEqual({
      dialect: 'sqlite',
      filename: '/work/data/x.db',
    });
    expect(parseStoreUri('sqlite:////var/lib/x.db', '/work')).toEqual({
      dialect: 'sqlite',
      filename: '/var/lib/x.db',
    });
    expect(parseStoreUri('sqlite://')).toEqual({ dialect: 'sqlite', filename: ':memory:' });
    expect(parseStoreUri('sqlite:///:memory:')).toEqual({ dialect: 'sqlite', filename: ':memory:' });
  });

  it('reads Postgres URIs, with or without a +driver suffix', () => {
    expect(parseStoreUri('postgresql://u:p@h:5432/db')).toEqual({
      dialect: 'postgres',
      connectionString: 'postgresql://u:p@h:5432/db',
    });
    expect(parseStoreUri('postgres://h/db').connectionString).toBe('postgresql://h/db');
    expect(parseStoreUri('postgresql+psycopg2://h/db').connectionString).toBe('postgresql://h/db');
  });

  it('refuses other schemes and malformed URIs with what to use instead', () => {
    expect(() => parseStoreUri('mysql://h/db')).toThrow(/sqlite:\/\/\/.*postgresql:\/\//);
    expect(() => parseStoreUri('./mlruns')).toThrow(/Unsupported store URI/);
    expect(() => parseStoreUri('sqlite://relative.db')).toThrow(/three slashes/);
  });

  it('masks passwords', () => {
    expect(redactUri('postgresql://user:secret@host/db')).toBe('postgresql://user:***@host/db');
    expect(redactUri('sqlite:///x.db')).toBe('sqlite:///x.db');
  });
});
