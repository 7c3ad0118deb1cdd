import type { Clock } from '@flowline/core';
import type { Database, SqlDialectName } from '@flowline/db';
import type { Kysely } from 'kysely';

/** Where model-version sources may point (Flowline-managed artifact locations). */
export interface SourcePolicy {
  /** The artifact URI of a run, to accept sources inside it; throws for an unknown run. */
  runArtifactUri?: (runId: string) => Promise<string>;
  /** Other roots the registry manages (its own copies, the proxy root). */
  managedRoots?: string[];
}

/** What every registry area needs. */
export interface RegistryContext {
  db: Kysely<Database>;
  dialect: SqlDialectName;
  clock: Clock;
  sources: SourcePolicy;
}
