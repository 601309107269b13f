import { Logger, runMigrations } from 'graphile-worker';

/** graphile-worker's own log lines are dropped; Harmony logs what its jobs do. */
export const silentJobQueueLogger = new Logger(() => () => undefined);

/**
 * Installs or upgrades graphile-worker's schema (`graphile_worker`) in the database. Idempotent;
 * graphile-worker serialises concurrent runs with an advisory lock.
 */
export async function migrateJobQueue(connectionString: string): Promise<void> {
  await runMigrations({ connectionString, logger: silentJobQueueLogger });
}
