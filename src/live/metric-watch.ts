import type { FreshnessTier, MetricAnswer, MetricsService, WindowRequest } from '../metrics';
import type { Logger } from '../shared/logger';
import type { InputFamily } from './input-wakeups';
import type { LiveBus } from './live-bus';
import type { LiveTiming } from './live-timing';
import { createSubscriptionQueue } from './subscription-queue';
import type { WatchLease } from './watch-lease';

/** One message of `metricChanged`. */
export type MetricChange = {
  name: string;
  window: { from: Date; to: Date; timezone: string };
  value: number;
  /** The value this subscriber was last sent; null in the first message. */
  previousValue: number | null;
  computedAt: Date;
  tier: FreshnessTier;
  definitionVersion: number;
};

/** What travels on the bus: a computed value, in JSON. */
type ValueMessage = {
  value: number;
  from: string;
  to: string;
  timezone: string;
  computedAt: string;
  tier: FreshnessTier;
  definitionVersion: number;
};

export type MetricWatchDeps = {
  metrics: MetricsService;
  bus: LiveBus;
  timing: LiveTiming;
  logger: Logger;
  maxBufferedPerSubscriber: number;
  /** The lease naming the process that computes for all; none without Redis. */
  lease?: WatchLease;
  /** Called when the last subscriber left. */
  onIdle(watch: MetricWatch): void;
};

type Subscriber = ReturnType<typeof createSubscriptionQueue<MetricChange>>;

/** Revenue metrics read billing and entities only: ingested events never change them. */
function familiesOf(type: string): ReadonlySet<InputFamily> {
  return type === 'revenue'
    ? new Set(['billing', 'entities', 'definitions'])
    : new Set(['billing', 'entities', 'events', 'definitions']);
}

/**
 * One metric over one window, watched for every subscriber of this process. It is computed
 * when its inputs change (rate-limited per tier, see live-timing.ts) and on a slow refresh; a
 * value reaches subscribers only when it differs from the last one sent. With Redis, the
 * process holding the watch's lease computes and publishes for every process; without Redis,
 * or while it is down, each process computes for itself.
 */
export class MetricWatch {
  readonly topic: string;
  private readonly subscribers = new Set<Subscriber>();
  private last: MetricChange | null = null;
  private tier: FreshnessTier = 'DAILY';
  private families: ReadonlySet<InputFamily> = new Set();
  private lastComputedAt = 0;
  private computing = false;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly unsubscribeBus: () => void;

  constructor(
    readonly key: string,
    private readonly name: string,
    private readonly window: WindowRequest,
    private readonly deps: MetricWatchDeps,
  ) {
    this.topic = `metric:${key}`;
    this.unsubscribeBus = deps.bus.subscribe(this.topic, (message) => this.receive(message));
  }

  /** Computes the first value here, so a bad name or window fails the subscription at once. */
  async start(): Promise<void> {
    const definition = await this.deps.metrics.definition(this.name);
    this.tier = definition.definition.tier;
    this.families = familiesOf(definition.definition.type);
    this.deliver(this.messageOf(await this.evaluate()));
  }

  /** A new subscriber; it is sent the current value at once. */
  subscribe(): AsyncIterableIterator<MetricChange> {
    const subscriber: Subscriber = createSubscriptionQueue<MetricChange>({
      maxBuffered: this.deps.maxBufferedPerSubscriber,
      onClose: () => {
        this.subscribers.delete(subscriber);
        if (!this.subscribers.size) this.deps.onIdle(this);
      },
    });
    this.subscribers.add(subscriber);
    if (this.last) subscriber.push({ ...this.last, previousValue: null });
    return subscriber;
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** A committed write to a family of inputs. */
  inputChanged(family: InputFamily): void {
    if (!this.families.has(family)) return;
    const { entityGapMs, eventGapMs } = this.deps.timing;
    this.schedule(family === 'events' ? eventGapMs[this.tier] : entityGapMs);
  }

  /**
   * The periodic check: renews or takes the lease (computing at once when it was just taken,
   * as the previous holder may have died with changes unseen), and refreshes a value older than
   * its tier's refresh interval.
   */
  async tick(now: number): Promise<void> {
    if (this.stopped) return;
    const due = now - this.lastComputedAt >= this.deps.timing.refreshMs[this.tier];
    const computes = await this.computesHere();
    if (computes === 'taken' || (computes && due)) this.schedule(0);
  }

  /** Recomputes here once whatever the lease says: the bus or PostgreSQL notifications were down. */
  resync(): void {
    this.schedule(0, { local: true });
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.unsubscribeBus();
    void this.deps.lease?.release();
  }

  private pendingLocal = false;

  private schedule(gapMs: number, options: { local?: boolean } = {}): void {
    if (this.stopped) return;
    if (options.local) this.pendingLocal = true;
    if (this.computing) {
      this.dirty = true;
      return;
    }
    if (this.timer) return;
    const delay = Math.max(0, this.lastComputedAt + gapMs - Date.now());
    this.timer = setTimeout(() => void this.run(gapMs), delay);
    this.timer.unref();
  }

  private async run(gapMs: number): Promise<void> {
    this.timer = undefined;
    const local = this.pendingLocal;
    this.pendingLocal = false;
    if (!local && !(await this.computesHere())) return;
    this.computing = true;
    try {
      await this.publish(this.messageOf(await this.evaluate()));
    } catch (error) {
      // The last value stays; the next change or refresh tries again.
      this.deps.logger.warn({ err: error, metric: this.name }, 'metricChanged: recompute failed');
    } finally {
      this.computing = false;
      if (this.dirty && !this.stopped) {
        this.dirty = false;
        this.schedule(gapMs);
      }
    }
  }

  /** Whether this process computes: always without a shared bus, else when it holds the lease. */
  private async computesHere(): Promise<boolean | 'taken'> {
    const lease = this.deps.lease;
    if (!lease || !this.deps.bus.shared) return true;
    try {
      const held = await lease.acquireOrRenew();
      return held === 'renewed' ? true : held;
    } catch {
      return true;
    }
  }

  private async evaluate(): Promise<MetricAnswer> {
    const answer = await this.deps.metrics.query(
      this.name,
      { window: this.window },
      null,
      // A write just committed: a cached answer may predate it (its generation bump lands after).
      { fresh: true },
    );
    this.lastComputedAt = Date.now();
    return answer;
  }

  private messageOf(answer: MetricAnswer): ValueMessage {
    return {
      value: answer.total,
      from: answer.window.from.toJSDate().toISOString(),
      to: answer.window.to.toJSDate().toISOString(),
      timezone: answer.window.timezone,
      computedAt: answer.freshness.computedAt.toISOString(),
      tier: answer.definition.definition.tier,
      definitionVersion: answer.definition.version,
    };
  }

  /** Sends a value to every process; this one delivers it itself when the bus cannot. */
  private async publish(message: ValueMessage): Promise<void> {
    if (this.unchanged(message)) return;
    try {
      await this.deps.bus.publish(this.topic, JSON.stringify(message));
      if (!this.deps.bus.shared) this.deliver(message);
    } catch {
      this.deliver(message);
    }
  }

  private receive(raw: string): void {
    let message: ValueMessage;
    try {
      message = JSON.parse(raw) as ValueMessage;
    } catch {
      return;
    }
    this.deliver(message);
  }

  /** Same value over the same window: nothing to send. */
  private unchanged(message: ValueMessage): boolean {
    const last = this.last;
    return (
      !!last &&
      last.value === message.value &&
      last.window.from.toISOString() === message.from &&
      last.window.to.toISOString() === message.to &&
      last.definitionVersion === message.definitionVersion
    );
  }

  private deliver(message: ValueMessage): void {
    if (this.stopped || this.unchanged(message)) return;
    if (this.last && new Date(message.computedAt) < this.last.computedAt) return;
    this.tier = message.tier;
    const change: MetricChange = {
      name: this.name,
      window: {
        from: new Date(message.from),
        to: new Date(message.to),
        timezone: message.timezone,
      },
      value: message.value,
      previousValue: this.last?.value ?? null,
      computedAt: new Date(message.computedAt),
      tier: message.tier,
      definitionVersion: message.definitionVersion,
    };
    this.last = change;
    for (const subscriber of this.subscribers) subscriber.push(change);
  }
}
