/**
 * The Harmony server of `npm run bench:push`, in its own process as in production (a receiver
 * and the senders of events are never in Harmony's event loop): configured by the environment
 * (DATABASE_URL, HARMONY_PUSH_*, HARMONY_SIGNALS_PUMP, …), prints `PORT <n>` once listening,
 * stops on SIGTERM. With the argument `worker`, the push worker alone (as `npm run push:worker`
 * runs it), printing `PORT 0` once started.
 */
import 'reflect-metadata';
import { loadConfig } from '../src/config/config';
import { openDatabase } from '../src/db/database';
import { entities } from '../src/domain/entities';
import { PushService } from '../src/push';
import { createServer } from '../src/server/app';
import { createServices } from '../src/server/services';
import { createLogger } from '../src/shared/logger';

async function main(): Promise<void> {
  const config = loadConfig();
  const { dataSource } = await openDatabase(config, createLogger('warn'), entities);
  if (process.argv[2] === 'worker') {
    const push = new PushService(dataSource, { ...config.push, worker: true });
    await push.start(createLogger('warn'));
    process.stdout.write(`PORT 0\n`);
    process.once('SIGTERM', () => {
      void push
        .stop()
        .then(() => dataSource.destroy())
        .then(() => process.exit(0));
    });
    return;
  }
  const server = await createServer(createServices(dataSource, config), createLogger('warn'));
  const port = await server.listen(0, '127.0.0.1');
  process.stdout.write(`PORT ${port}\n`);
  process.once('SIGTERM', () => {
    void server
      .close()
      .then(() => dataSource.destroy())
      .then(
        () => process.exit(0),
        (error) => {
          process.stderr.write(
            `bench push server: stopping failed: ${String(error?.stack ?? error)}\n`,
          );
          process.exit(1);
        },
      );
  });
}

main().catch((error) => {
  process.stderr.write(`bench push server failed: ${String(error?.stack ?? error)}\n`);
  process.exit(1);
});
