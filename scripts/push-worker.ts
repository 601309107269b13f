/**
 * `npm run push:worker`: the push delivery worker alone, without the HTTP server, over
 * DATABASE_URL (or the embedded database). Run as many as needed: they share the job queue in
 * PostgreSQL, each destination's deliveries still go out one at a time and in order. Servers
 * can then run with HARMONY_PUSH_WORKER=false. SIGINT/SIGTERM finish the jobs in flight.
 */
import 'reflect-metadata';
import { PushService } from '../src/push';
import { runCli, withDatabase } from './cli';

runCli(() =>
  withDatabase({ migrate: 'like-start' }, async ({ config, logger, database }) => {
    const push = new PushService(database.dataSource, { ...config.push, worker: true });
    await push.start(logger);
    process.stderr.write(
      `push worker running (${config.push.concurrency} destinations at once); SIGTERM stops it\n`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await push.stop();
  }),
);
