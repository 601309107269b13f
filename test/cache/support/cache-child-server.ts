/**
 * A Harmony server in its own process, with its answer cache on REDIS_URL under
 * HARMONY_CACHE_PREFIX, over an existing database: prints `PORT <n>` once listening.
 */
import 'reflect-metadata';
import { connectRedis } from '../../../src/cache/redis-client';
import { loadConfig } from '../../../src/config/config';
import { openDatabase } from '../../../src/db/database';
import { entities } from '../../../src/domain/entities';
import { createServer } from '../../../src/server/app';
import { createServices } from '../../../src/server/services';
import { createLogger } from '../../../src/shared/logger';

async function main(): Promise<void> {
  const config = loadConfig();
  const { dataSource } = await openDatabase(config, createLogger('warn'), entities);
  const logger = createLogger(config.logLevel);
  const redis = config.redisUrl ? await connectRedis(config.redisUrl, logger) : undefined;
  const server = await createServer(createServices(dataSource, config, redis), logger);
  const port = await server.listen(0, '127.0.0.1');
  process.stdout.write(`PORT ${port}\n`);
}

main().catch((error) => {
  process.stderr.write(`cache child server failed: ${String(error?.stack ?? error)}\n`);
  process.exit(1);
});
