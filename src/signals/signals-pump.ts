import type { DataSource } from 'typeorm';
import { listenForNotifications, type NotificationListener } from '../db/notification-listener';
import type { Logger } from '../shared/logger';
import { SIGNALS_WAKE_CHANNEL } from './change-feed';
import type { RefreshResult, ViewRefresher } from './account-views/view-refresher';

export type SignalsPumpOptions = {
  /** Fallback poll for writes that do not notify (event rollups), in ms. Default 250. */
  pollIntervalMs?: number;
  /** How often the schedule is checked for the daily slide, in ms. Default 60,000. */
  scheduleCheckMs?: number;
  /** Clock. Default `() => new Date()`. */
  now?: () => Date;
};

/** The advisory lock that makes one server run the daily slide of a given day. */
const DAILY_SLIDE_LOCK = 'harmony:signals_daily_slide';

/**
 * Runs the view refresher in the server process: at once when a write notifies
 * `harmony_signals` at commit, every `pollIntervalMs` for writes that do not (ingestion), and
 * the daily slide (every account re-evaluated once per UTC day: sliding windows, tenure rules).
 * Runs never overlap in a process; across processes the refresher's advisory lock orders them.
 */
export class SignalsPump {
  private listener?: NotificationListener;
  private pollTimer?: NodeJS.Timeout;
  private scheduleTimer?: NodeJS.Timeout;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private readonly now: () => Date;

  constructor(
    private readonly dataSource: DataSource,
    private readonly refresher: ViewRefresher,
    private readonly logger: Logger,
    private readonly options: SignalsPumpOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  async start(): Promise<void> {
    this.listener = await listenForNotifications({
      dataSource: this.dataSource,
      channel: SIGNALS_WAKE_CHANNEL,
      applicationName: 'harmony-signals-listener',
      logger: this.logger,
      onNotification: () => this.wake(),
      onListeningChange: (listening) => {
        if (listening) this.wake();
      },
    });
    this.pollTimer = setInterval(() => this.poll(), this.options.pollIntervalMs ?? 250);
    this.pollTimer.unref();
    this.scheduleTimer = setInterval(
      () => void this.runDailySlideIfDue().catch((err) => this.fail(err)),
      this.options.scheduleCheckMs ?? 60_000,
    );
    this.scheduleTimer.unref();
    void this.runDailySlideIfDue().catch((err) => this.fail(err));
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    clearInterval(this.scheduleTimer);
    await this.listener?.close();
    await this.running?.catch(() => undefined);
  }

  /** Runs the refresher soon; a wake during a run makes one more run after it. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.refresher.refresh();
      } while (this.again && !this.stopped);
    })()
      .catch((err) => this.fail(err))
      .finally(() => {
        this.running = null;
      });
  }

  /** Cheap check for touches nobody announced (ingestion does not NOTIFY). */
  private poll(): void {
    if (this.running || this.stopped) return;
    this.dataSource
      .query(`SELECT EXISTS (SELECT 1 FROM account_view_touches) AS pending`)
      .then(([row]: Array<{ pending: boolean }>) => {
        if (row.pending) this.wake();
      })
      .catch((err) => this.fail(err));
  }

  /**
   * The daily slide, at most once per UTC day across every server: touches every account with
   * cause DAILY_SLIDE and refreshes. Returns null when it already ran today or another server
   * is running it.
   */
  async runDailySlideIfDue(): Promise<RefreshResult | null> {
    const today = this.now().toISOString().slice(0, 10);
    const due = await this.dataSource.transaction(async (tx) => {
      const [{ locked }]: Array<{ locked: boolean }> = await tx.query(
        `SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked`,
        [DAILY_SLIDE_LOCK],
      );
      if (!locked) return false;
      const rows: unknown[] = await tx.query(
        `INSERT INTO signals_schedule (job, last_run_on, last_run_at)
         VALUES ('daily_slide', $1::date, clock_timestamp())
         ON CONFLICT (job) DO UPDATE SET last_run_on = EXCLUDED.last_run_on,
           last_run_at = EXCLUDED.last_run_at
         WHERE signals_schedule.last_run_on < EXCLUDED.last_run_on
         RETURNING job`,
        [today],
      );
      if (!rows.length) return false;
      await tx.query(
        `INSERT INTO account_view_touches (account_id, cause) SELECT id, 'DAILY_SLIDE' FROM accounts`,
      );
      return true;
    });
    if (!due) return null;
    this.logger.info({ day: today }, 'signals: daily re-evaluation of every account');
    return this.refresher.refresh();
  }

  private fail(err: unknown): void {
    this.logger.error(
      { err },
      'signals: refreshing account views failed; retrying at the next poll',
    );
  }
}
