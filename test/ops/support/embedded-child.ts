import { startEmbeddedPostgres } from '../../../src/db/embedded-postgres';
import { createLogger } from '../../../src/shared/logger';

/**
 * `embedded-child <dataDir> <port> <mode>`: starts the embedded PostgreSQL, prints
 * `POSTMASTER <pid>`, then dies as `mode` says: `uncaught` (an exception), `rejection` (an
 * unhandled rejection), or `wait` (until SIGTERM, which stops it cleanly as npm start does).
 */
async function main(): Promise<void> {
  const [dataDir, port, mode] = process.argv.slice(2);
  const postgres = await startEmbeddedPostgres({
    dataDir,
    port: Number(port),
    logger: createLogger('silent'),
  });
  process.stdout.write(`POSTMASTER ${postgres.pid}\n`);
  if (mode === 'uncaught') {
    setTimeout(() => {
      throw new Error('crash: uncaught exception');
    }, 10);
  } else if (mode === 'rejection') {
    void Promise.reject(new Error('crash: unhandled rejection'));
  } else {
    process.removeAllListeners('SIGTERM');
    process.on('SIGTERM', () => {
      void postgres.stop().then(() => process.exit(0));
    });
    setInterval(() => undefined, 1000);
  }
}

void main();
