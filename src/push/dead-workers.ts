import { Client, type ClientConfig } from 'pg';
import type { Logger } from '../shared/logger';

/** A job locked by a worker nobody registered is freed after this (a registration race). */
const UNREGISTERED_GRACE = '30 seconds';

/**
 * Frees jobs held by worker processes that died. graphile-worker 0.17 only frees a lock after
 * 4 hours; here each process registers its workers with the PostgreSQL backend of a connection
 * it keeps open, and a worker whose backend is gone (the process was killed: the socket closed,
 * PostgreSQL ended the backend) has its jobs and queues unlocked by any live process within
 * `sweepMs`. A process registers before its workers lock anything but the first moments of a
 * pool: a lock held by an unregistered worker is freed after 30 s. See docs/pushes.md.
 */
export class DeadWorkerSweeper {
  private client: Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly pending = new Set<string>();
  private registering: Promise<void> = Promise.resolve();

  constructor(
    private readonly connection: ClientConfig,
    private readonly sweepMs: number,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const client = new Client({ ...this.connection, application_name: 'harmony-push-liveness' });
    client.on('error', (error) =>
      this.logger.warn({ err: error }, 'push liveness connection lost'),
    );
    await client.connect();
    this.client = client;
    await this.sweep();
    this.timer = setInterval(() => void this.sweep(), this.sweepMs);
    this.timer.unref();
  }

  /** Records a worker of this process as alive for as long as this connection lives. */
  register(workerId: string): void {
    this.pending.add(workerId);
    this.registering = this.registering.then(() => this.flush());
  }

  /** Waits until every worker seen so far is registered. */
  registered(): Promise<void> {
    return this.registering;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async flush(): Promise<void> {
    if (!this.client || this.pending.size === 0) return;
    const ids = [...this.pending];
    this.pending.clear();
    await this.client
      .query(
        `INSERT INTO push_worker_processes (worker_id, backend_pid, backend_start)
         SELECT id, pg_backend_pid(), (SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid())
         FROM unnest($1::text[]) AS id
         ON CONFLICT (worker_id) DO NOTHING`,
        [ids],
      )
      .catch((error) => this.logger.warn({ err: error }, 'could not register push workers'));
  }

  /** Unlocks the jobs and queues of dead workers; forgets dead registrations. */
  async sweep(): Promise<string[]> {
    if (!this.client) return [];
    try {
      const { rows } = await this.client.query<{ worker_id: string }>(
        `WITH alive AS (
           SELECT w.worker_id FROM push_worker_processes w
           JOIN pg_stat_activity a ON a.pid = w.backend_pid AND a.backend_start = w.backend_start
         ), holders AS (
           SELECT locked_by, locked_at FROM graphile_worker._private_jobs WHERE locked_by IS NOT NULL
           UNION ALL
           SELECT locked_by, locked_at FROM graphile_worker._private_job_queues WHERE locked_by IS NOT NULL
         ), dead AS (
           SELECT DISTINCT h.locked_by AS worker_id FROM holders h
           WHERE h.locked_by NOT IN (SELECT worker_id FROM alive)
             AND (h.locked_by IN (SELECT worker_id FROM push_worker_processes)
                  OR h.locked_at < now() - interval '${UNREGISTERED_GRACE}')
         ), unlocked AS (
           SELECT graphile_worker.force_unlock_workers(array_agg(worker_id)) FROM dead
           HAVING count(*) > 0
         ), superseded AS (
           -- A job a newer one replaced while it ran (add_job marks it spent) and whose worker
           -- died: the newer job does its work.
           DELETE FROM graphile_worker._private_jobs j
           USING graphile_worker._private_tasks t
           WHERE t.id = j.task_id AND t.identifier = 'push_destination'
             AND j.locked_by IS NULL AND j.attempts >= j.max_attempts
         ), forgotten AS (
           DELETE FROM push_worker_processes w
           WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a
                             WHERE a.pid = w.backend_pid AND a.backend_start = w.backend_start)
         )
         SELECT worker_id FROM dead, (SELECT count(*) FROM unlocked) u`,
      );
      const freed = rows.map((row) => row.worker_id);
      if (freed.length)
        this.logger.warn({ workers: freed }, 'freed push jobs held by dead workers');
      return freed;
    } catch (error) {
      this.logger.warn({ err: error }, 'could not sweep dead push workers');
      return [];
    }
  }
}
