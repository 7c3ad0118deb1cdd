import { prepareTemplateDatabase, testPostgresUrl } from './postgres.js';

/** Vitest global setup: migrates the Postgres template database once, when Postgres is configured. */
export default async function setup(): Promise<void> {
  if (!testPostgresUrl()) {
    if (process.env.CI)
      throw new Error('CI must set TEST_POSTGRES_URL: the Postgres half of the suite is mandatory.');
    return;
  }
  await prepareTemplateDatabase();
}
