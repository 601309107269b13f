import type { DataSource } from 'typeorm';
import { listenForNotifications, type NotificationListener } from '../db/notification-listener';
import { CHANGE_FEED_CHANNEL, readChanges, type RecordedChange } from '../signals/change-feed';
import type { Logger } from '../shared/logger';

/** Rows read per statement while following the feed. */
const PAGE = 1000;
/** The feed is read this often without any notification (a LISTEN that broke heals). */
const SAFETY_POLL_MS = 5000;

/**
 * Follows the change feed for every feed subscription of this process: each newly numbered
 * change is read once, in sequence order, and handed to every listener. Woken by the
 * sequencer's notification (`harmony_change_feed`, payload the newest seq), with a slow poll
 * besides. Seqs are dense and commit-ordered (src/signals/change-feed.ts), so following `head`
 * never skips a change.
 */
export class FeedTail {
  /** The newest seq handed to listeners. */
  head = 0n;
  private readonly listeners = new Set<(change: RecordedChange) => void>();
  private listener?: NotificationListener;
  private poll?: NodeJS.Timeout;
  private reading: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private logger?: Logger;

  constructor(private readonly dataSource: DataSource) {}

  async start(logger: Logger): Promise<void> {
    this.logger = logger;
    const [row]: Array<{ head: string }> = await this.dataSource.query(
      `SELECT coalesce(max(seq), 0)::text AS head FROM change_feed`,
    );
    this.head = BigInt(row.head);
    this.listener = await listenForNotifications({
      dataSource: this.dataSource,
      channel: CHANGE_FEED_CHANNEL,
      applicationName: 'harmony-feed-listener',
      logger,
      onNotification: (newest) => {
        if (!/^\d+$/.test(newest)) return this.wake();
        // Without subscribers there is nothing to read: only remember where the feed is.
        if (!this.listeners.size && !this.reading) this.head = maxOf(this.head, BigInt(newest));
        else if (BigInt(newest) > this.head) this.wake();
      },
      onListeningChange: (listening) => listening && this.wake(),
    });
    // Only while someone follows: an idle server runs no statement of its own.
    this.poll = setInterval(() => this.listeners.size && this.wake(), SAFETY_POLL_MS);
    this.poll.unref();
  }

  /** Calls `listener` with every change numbered from now on, in order; returns the remover. */
  follow(listener: (change: RecordedChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads what was numbered since `head` (once at a time; a wake-up meanwhile reads again). */
  wake(): void {
    if (this.stopped) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = this.readNew().finally(() => {
      this.reading = null;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  private async readNew(): Promise<void> {
    try {
      if (!this.listeners.size) {
        const [row]: Array<{ head: string }> = await this.dataSource.query(
          `SELECT coalesce(max(seq), 0)::text AS head FROM change_feed`,
        );
        this.head = maxOf(this.head, BigInt(row.head));
        return;
      }
      for (;;) {
        const changes = await readChanges(this.dataSource, {
          after: this.head.toString(),
          first: PAGE,
        });
        for (const change of changes) {
          this.head = BigInt(change.seq);
          for (const listener of [...this.listeners]) listener(change);
        }
        if (changes.length < PAGE || this.stopped) return;
      }
    } catch (error) {
      this.logger?.warn({ err: error }, 'live updates: reading the change feed failed; retrying');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    await this.listener?.close();
    await this.reading;
  }
}

function maxOf(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
