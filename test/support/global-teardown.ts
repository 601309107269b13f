import { reapAfterRun } from './test-run-databases';

/**
 * The run's template and test databases are dropped after jest has exited, in the background:
 * a drop is a PostgreSQL checkpoint, which nobody needs to wait for at the end of a run.
 */
export default async function globalTeardown(): Promise<void> {
  reapAfterRun(process.pid);
}
