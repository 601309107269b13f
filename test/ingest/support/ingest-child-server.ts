/**
 * A Harmony server in its own process over an existing database, for the crash test: it prints
 * `PORT <n>` once listening and is meant to be killed with SIGKILL.
 */
import 'reflect-metadata';
import { loadConfig } from '../../../src/config/config';
import { openDatabase } from '../../../src/db/database';
import { createServer } from '../../../src/server/app';
import { createServices } from '../../../src/server/services';
import { createLogger } from '../../../src/shared/logger';
import { entities } from '../../../src/domain/entities';

async function main(): Promise<void> {
  const config = loadConfig();
  const { dataSource } = await openDatabase(config, createLogger('warn'), entities);
  const logger = createLogger(config.logLevel);
  const server = await createServer(createServices(dataSource, config), logger);
  const port = await server.listen(0, '127.0.0.1');
  process.stdout.write(`PORT ${port}\n`);
}

main().catch((error) => {
  process.stderr.write(`child server failed: ${String(error?.stack ?? error)}\n`);
  process.exit(1);
});
