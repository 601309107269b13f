import type { DataSource } from 'typeorm';
import type { Logger } from '../../shared/logger';
import type { ThresholdService } from './threshold.service';

/** A commit can land after the clock read that starts a pass: look this far back again. */
const OVERLAP_MS = 60_000;

/**
 * Runs thresholds without anyone asking: every `intervalSeconds` over the accounts writes
 * touched since the last pass (account upserts, subscription history, memberships, newer
 * last-seen times from events), and every `fullPassMinutes` over every account, because a
 * sliding window drifts with time alone. Evaluation is idempotent, so the overlap between
 * passes records nothing twice.
 */
export class ThresholdScheduler {
  private touchedTimer: NodeJS.Timeout | null = null;
  private fullTimer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  private watermark: Date | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly thresholds: ThresholdService,
    private readonly logger: Logger,
    private readonly options: { intervalSeconds: number; fullPassMinutes: number },
  ) {}

  start(): void {
    if (this.options.intervalSeconds <= 0) return;
    this.schedule(() => this.fullPass());
    this.touchedTimer = setInterval(
      () => this.schedule(() => this.touchedPass()),
      this.options.intervalSeconds * 1000,
    );
    this.fullTimer = setInterval(
      () => this.schedule(() => this.fullPass()),
      this.options.fullPassMinutes * 60_000,
    );
    this.touchedTimer.unref();
    this.fullTimer.unref();
  }

  /** Stops the timers and waits for a pass in progress. */
  async stop(): Promise<void> {
    if (this.touchedTimer) clearInterval(this.touchedTimer);
    if (this.fullTimer) clearInterval(this.fullTimer);
    await this.running;
  }

  /** Passes run one after another, never two at once. */
  private schedule(pass: () => Promise<void>): void {
    this.running = this.running.then(pass).catch((error) => {
      this.logger.error({ err: error }, 'threshold evaluation failed; retrying at the next pass');
    });
  }

  private async fullPass(): Promise<void> {
    const started = await this.databaseNow();
    const crossings = await this.thresholds.evaluate(null, 'DAILY_SLIDE');
    this.watermark = started;
    if (crossings) this.logger.info({ crossings }, 'threshold pass over every account');
  }

  private async touchedPass(): Promise<void> {
    if (!this.watermark) return;
    const started = await this.databaseNow();
    const since = new Date(this.watermark.getTime() - OVERLAP_MS);
    const rows: Array<{ id: string; cause: string }> = await this.dataSource.query(
      `SELECT id, min(cause) AS cause FROM (
         SELECT id::text AS id, CASE WHEN updated_at > $1 THEN 'UPSERT' ELSE 'EVENTS' END AS cause
         FROM accounts WHERE updated_at > $1 OR last_seen_at > $1
         UNION ALL SELECT account_id::text, 'UPSERT' FROM subscription_history WHERE recorded_at > $1
         UNION ALL SELECT account_id::text, 'UPSERT' FROM memberships WHERE updated_at > $1
       ) t GROUP BY id`,
      [since],
    );
    for (const cause of ['UPSERT', 'EVENTS']) {
      const ids = rows.filter((r) => r.cause === cause).map((r) => r.id);
      if (ids.length) await this.thresholds.evaluate(ids, cause);
    }
    this.watermark = started;
  }

  private async databaseNow(): Promise<Date> {
    const [row]: Array<{ now: Date }> = await this.dataSource.query(
      `SELECT clock_timestamp() AS now`,
    );
    return row.now;
  }
}
