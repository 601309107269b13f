import { EventEmitter } from 'node:events';
import { run, type Runner, type WorkerEvents } from 'graphile-worker';
import type { DataSource } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import type { Logger } from '../shared/logger';
import { DeadWorkerSweeper } from './dead-workers';
import { runDestinationJob } from './destination-job';
import { silentJobQueueLogger } from './job-queue-schema';
import type { PushMetrics } from './push-metrics';
import type { PushOptions } from './push-options';

/** The graphile-worker task that delivers one destination's waiting changes. */
export const DESTINATION_TASK = 'push_destination';

/**
 * The delivery worker of one process: graphile-worker on the application database (its
 * schema migrated when it starts), LISTEN/NOTIFY for new jobs, `pollIntervalMs` for retries
 * and scheduled batches; plus the sweeper freeing jobs of dead workers.
 */
export class DeliveryWorker {
  private runner: Runner | null = null;
  private sweeper: DeadWorkerSweeper | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: PushOptions,
    private readonly metrics: PushMetrics,
  ) {}

  get running(): boolean {
    return this.runner !== null;
  }

  async start(logger: Logger): Promise<void> {
    if (this.runner) return;
    const settings = this.dataSource.options as PostgresConnectionOptions;
    this.sweeper = new DeadWorkerSweeper(
      { connectionString: settings.url },
      this.options.deadWorkerSweepMs,
      logger,
    );
    await this.sweeper.start();
    const events: WorkerEvents = new EventEmitter();
    // graphile-worker 0.17 locks jobs and queues in the name of the pool (its id), not of a worker.
    events.on('pool:create', ({ workerPool }) => this.sweeper?.register(workerPool.id));
    events.on('job:error', ({ job, error }) =>
      logger.error({ err: error, job: job.id, payload: job.payload }, 'push job failed'),
    );
    const deps = {
      dataSource: this.dataSource,
      options: this.options,
      logger,
      metrics: this.metrics,
    };
    this.runner = await run({
      connectionString: settings.url,
      maxPoolSize: Math.max(4, this.options.concurrency + 2),
      concurrency: this.options.concurrency,
      pollInterval: this.options.pollIntervalMs,
      logger: silentJobQueueLogger,
      noHandleSignals: true,
      events,
      taskList: {
        [DESTINATION_TASK]: async (payload) => {
          const { destinationId } = payload as { destinationId: string };
          await runDestinationJob(destinationId, deps);
        },
      },
    });
    await this.sweeper.registered();
  }

  /** Frees jobs held by dead workers now (the sweeper also runs on its own). */
  sweepDeadWorkers(): Promise<string[]> {
    return this.sweeper?.sweep() ?? Promise.resolve([]);
  }

  async stop(): Promise<void> {
    const runner = this.runner;
    this.runner = null;
    await runner?.stop();
    await this.sweeper?.stop();
    this.sweeper = null;
  }
}
