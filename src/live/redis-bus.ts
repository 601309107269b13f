import type { RedisClient } from '../cache/redis-client';
import type { Logger } from '../shared/logger';
import { TopicHandlers, type LiveBus } from './live-bus';

/**
 * Redis pub/sub between server processes. Publishing uses the shared client; receiving needs a
 * connection of its own (a subscribed connection can run no other command), made with
 * `duplicate()`. One pattern subscription (`<prefix>live:*`) carries every topic and handlers are
 * picked in process, so subscribing to a topic costs no round trip and survives reconnects.
 */
export class RedisBus implements LiveBus {
  private readonly handlers = new TopicHandlers();
  private readonly restoredHandlers: Array<() => void> = [];
  private readonly subscriber: RedisClient;
  private readonly channelPrefix: string;
  /** Set once the subscriber was not ready at some point: its next `ready` is a restoration. */
  private interrupted = false;
  private closed = false;

  constructor(
    private readonly publisher: RedisClient,
    prefix: string,
    private readonly logger: Logger,
  ) {
    this.channelPrefix = `${prefix}live:`;
    this.subscriber = publisher.duplicate();
    this.subscriber.on('error', () => {
      // The shared client logs Redis outages; this one only notes that messages may be missed.
      this.interrupted = true;
    });
    this.subscriber.on('end', () => (this.interrupted = true));
    this.subscriber.on('ready', () => {
      if (!this.interrupted || this.closed) return;
      this.interrupted = false;
      this.logger.info('live updates: redis pub/sub restored; recomputing watched values');
      for (const handler of this.restoredHandlers) handler();
    });
  }

  /** Connects the subscriber; a Redis that is down now is retried in the background. */
  async start(): Promise<void> {
    const listener = (message: string, channel: string) =>
      this.handlers.dispatch(channel.slice(this.channelPrefix.length), message);
    // node-redis keeps the subscription and renews it on every reconnect.
    const subscribed = this.subscriber
      .connect()
      .then(() => this.subscriber.pSubscribe(`${escapeGlob(this.channelPrefix)}*`, listener));
    subscribed.catch((error) => {
      this.interrupted = true;
      this.logger.warn({ err: error }, 'live updates: redis pub/sub not reachable yet');
    });
    const timedOut = new Promise((resolve) => setTimeout(resolve, 2000).unref());
    await Promise.race([subscribed.catch(() => undefined), timedOut]);
  }

  get shared(): boolean {
    return this.publisher.isReady && this.subscriber.isReady && !this.interrupted;
  }

  async publish(topic: string, message: string): Promise<void> {
    if (!this.shared) throw new Error('redis pub/sub is not connected');
    await this.publisher.publish(this.channelPrefix + topic, message);
  }

  subscribe(topic: string, handler: (message: string) => void): () => void {
    return this.handlers.add(topic, handler);
  }

  onRestored(handler: () => void): void {
    this.restoredHandlers.push(handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.subscriber.isReady) await this.subscriber.quit().catch(() => undefined);
    else if (this.subscriber.isOpen) this.subscriber.destroy();
  }
}

/** A key prefix is taken literally in a PSUBSCRIBE pattern. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (character) => `\\${character}`);
}
