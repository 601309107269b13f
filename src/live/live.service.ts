import crypto from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { RedisClient } from '../cache/redis-client';
import type { MetricsService, WindowRequest } from '../metrics';
import { HarmonyError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type { RecordedChange } from '../signals/change-feed';
import { parseCursor } from '../signals/change-feed';
import { followFeed, type FeedFilter } from './feed-subscription';
import { FeedTail } from './feed-tail';
import { InputWakeups } from './input-wakeups';
import { InProcessBus, type LiveBus } from './live-bus';
import { DEFAULT_TIMING, type LiveTiming } from './live-timing';
import { MetricWatch, type MetricChange } from './metric-watch';
import { RedisBus } from './redis-bus';
import { WatchLease } from './watch-lease';

export type LiveServiceOptions = {
  /** Fan-out between processes; without it, this process only. */
  redis?: RedisClient;
  /** Prefix of every Redis key and channel (processes sharing it share updates). Default `harmony:`. */
  prefix?: string;
  /** Distinct metric × window pairs watched at once by this process. Default 1,000. */
  maxWatches?: number;
  /** Values kept for a subscriber that reads slowly (older ones are dropped). Default 100. */
  maxBufferedPerSubscriber?: number;
  /**
   * Feed changes kept for a subscriber that reads slowly; beyond, its subscription ends with an
   * error naming the cursor to resume from (a change is never dropped). Default 1,000.
   */
  maxFeedBuffered?: number;
  timing?: Partial<LiveTiming>;
};

/**
 * The live side of Harmony for GraphQL subscriptions: the durable wake-ups from PostgreSQL,
 * the bus between processes (Redis or in process) and the watched metrics. See
 * docs/subscriptions.md for how a change travels and why none is lost.
 */
export class LiveService {
  private readonly wakeups: InputWakeups;
  private readonly watches = new Map<string, MetricWatch>();
  private readonly pending = new Map<string, Promise<MetricWatch>>();
  private readonly timing: LiveTiming;
  private readonly holder = `${process.pid}:${crypto.randomBytes(6).toString('hex')}`;
  private readonly prefix: string;
  private readonly maxWatches: number;
  private readonly maxBuffered: number;
  private readonly maxFeedBuffered: number;
  private logger?: Logger;
  private ticker?: NodeJS.Timeout;
  private started?: Promise<void>;

  constructor(
    private readonly dataSource: DataSource,
    /** The metrics engine, looked up when first needed (the services are built together). */
    private readonly metrics: () => MetricsService,
    private readonly options: LiveServiceOptions = {},
  ) {
    this.prefix = options.prefix ?? 'harmony:';
    this.maxWatches = options.maxWatches ?? 1000;
    this.maxBuffered = options.maxBufferedPerSubscriber ?? 100;
    this.maxFeedBuffered = options.maxFeedBuffered ?? 1000;
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
    this.wakeups = new InputWakeups(dataSource);
    this.feedTail = new FeedTail(dataSource);
    this.busFactory = () =>
      options.redis ? new RedisBus(options.redis, this.prefix, this.logger!) : new InProcessBus();
  }

  private readonly busFactory: () => LiveBus;
  private readonly feedTail: FeedTail;
  private activeBus?: LiveBus;

  /** Listens to PostgreSQL and connects the bus; safe to call more than once. */
  start(logger: Logger): Promise<void> {
    this.started ??= (async () => {
      this.logger = logger;
      const bus = this.busFactory();
      this.activeBus = bus;
      if (bus instanceof RedisBus) await bus.start();
      bus.onRestored(() => this.resyncAll());
      this.wakeups.onChange((family) => {
        for (const watch of this.watches.values()) watch.inputChanged(family);
      });
      this.wakeups.onResumed(() => this.resyncAll());
      await this.wakeups.start(logger);
      await this.feedTail.start(logger);
      const tickMs = Math.max(50, Math.min(5000, Math.floor(this.timing.leaseTtlMs / 3)));
      this.ticker = setInterval(() => {
        const now = Date.now();
        for (const watch of this.watches.values()) void watch.tick(now);
      }, tickMs);
      this.ticker.unref();
    })();
    return this.started;
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    await this.started.catch(() => undefined);
    clearInterval(this.ticker);
    for (const watch of this.watches.values()) watch.stop();
    this.watches.clear();
    await this.wakeups.stop();
    await this.feedTail.stop();
    await this.activeBus?.close();
  }

  /** Whether updates reach other processes right now (Redis up), for /health and tests. */
  get fanOut(): 'redis' | 'process' {
    return this.activeBus?.shared ? 'redis' : 'process';
  }

  /** Metric × window pairs watched by this process. */
  get watchCount(): number {
    return this.watches.size;
  }

  /**
   * `metricChanged(name, window)`: the current value at once, then every different value.
   * Fails (UNKNOWN_METRIC, INVALID_WINDOW, …) before any message when the arguments are bad.
   */
  async metricChanges(
    name: string,
    window: WindowRequest,
  ): Promise<AsyncIterableIterator<MetricChange>> {
    if (!this.started || !this.activeBus)
      throw new HarmonyError('SERVICE_UNAVAILABLE', 'live updates are not started');
    const key = watchKey(name, window);
    for (;;) {
      const watch = this.watches.get(key);
      if (watch) return watch.subscribe();
      const pending = this.pending.get(key);
      if (!pending) break;
      await pending;
    }
    if (this.watches.size + this.pending.size >= this.maxWatches) {
      throw new HarmonyError(
        'TOO_MANY_SUBSCRIPTIONS',
        `This server already watches ${this.maxWatches} distinct metric and window pairs ` +
          `(HARMONY_LIVE_MAX_WATCHES); subscribe to one already watched or try later`,
        { limit: this.maxWatches },
      );
    }
    // Registered before anyone awaiting `creating` resumes, so concurrent subscribers share it.
    const creating = this.createWatch(key, name, window)
      .then((watch) => {
        this.watches.set(key, watch);
        return watch;
      })
      .finally(() => this.pending.delete(key));
    this.pending.set(key, creating);
    return (await creating).subscribe();
  }

  /**
   * The change feed's entries of one topic (account views, segment memberships, threshold
   * crossings) from the exclusive cursor `after`, or from now on without one: each exactly once,
   * in commit order, also across reconnects when the client resumes from its last cursor.
   */
  feedChanges(
    filter: FeedFilter,
    after: string | null | undefined,
  ): AsyncIterableIterator<RecordedChange> {
    if (!this.started)
      throw new HarmonyError('SERVICE_UNAVAILABLE', 'live updates are not started');
    return followFeed({
      dataSource: this.dataSource,
      tail: this.feedTail,
      filter,
      after: after == null ? null : BigInt(parseCursor(after)),
      maxBuffered: this.maxFeedBuffered,
    });
  }

  private async createWatch(key: string, name: string, window: WindowRequest) {
    const watch = new MetricWatch(key, name, window, {
      metrics: this.metrics(),
      bus: this.activeBus!,
      timing: this.timing,
      logger: this.logger!,
      maxBufferedPerSubscriber: this.maxBuffered,
      lease: this.options.redis
        ? new WatchLease(
            this.options.redis,
            `${this.prefix}live:lease:${key}`,
            this.holder,
            this.timing.leaseTtlMs,
          )
        : undefined,
      onIdle: (idle) => {
        if (this.watches.get(key) !== idle) return;
        this.watches.delete(key);
        idle.stop();
      },
    });
    try {
      await watch.start();
    } catch (error) {
      watch.stop();
      throw error;
    }
    return watch;
  }

  private resyncAll(): void {
    for (const watch of this.watches.values()) watch.resync();
  }
}

/** A short, fixed-length key for a metric and window as the client wrote them. */
function watchKey(name: string, window: WindowRequest): string {
  const shape = JSON.stringify([
    name,
    window.from?.toISOString() ?? null,
    window.to?.toISOString() ?? null,
    window.relative ?? null,
    window.timezone ?? 'UTC',
  ]);
  return crypto.createHash('sha256').update(shape).digest('hex').slice(0, 32);
}
