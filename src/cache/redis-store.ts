import type { CacheStore } from './cache-store';
import { CacheUnavailableError } from './cache-store';
import { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker';
import type { RedisClient } from './redis-client';

export type RedisStoreOptions = {
  /** Longest wait for one Redis command before it counts as a miss, in ms. Default 75. */
  commandTimeoutMs?: number;
  breaker?: CircuitBreakerOptions;
};

/** Deletes a lock only while it holds our token, so a late winner never frees another's lock. */
const DELETE_IF_EQUALS = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * The shared store on node-redis. Every command has a short timeout and goes through a circuit
 * breaker: a down or slow Redis costs a request at most one timeout, then nothing until the
 * breaker lets a probe through; node-redis reconnects in the background.
 */
export class RedisStore implements CacheStore {
  readonly kind = 'redis' as const;
  private readonly breaker: CircuitBreaker;
  private readonly commandTimeoutMs: number;

  constructor(
    private readonly client: RedisClient,
    options: RedisStoreOptions = {},
  ) {
    this.commandTimeoutMs = options.commandTimeoutMs ?? 75;
    this.breaker = new CircuitBreaker(options.breaker);
  }

  mget(keys: readonly string[]): Promise<Array<string | null>> {
    if (!keys.length) return Promise.resolve([]);
    return this.call('MGET', () => this.client.mGet([...keys]));
  }

  async setMany(entries: ReadonlyArray<{ key: string; value: string; ttlMs: number }>) {
    if (!entries.length) return;
    await this.call('SET', () => {
      const pipeline = this.client.multi();
      for (const { key, value, ttlMs } of entries) {
        pipeline.set(key, value, { expiration: { type: 'PX', value: Math.max(1, ttlMs) } });
      }
      return pipeline.execAsPipeline();
    });
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    const reply = await this.call('SET NX', () =>
      this.client.set(key, value, {
        condition: 'NX',
        ...(ttlMs ? { expiration: { type: 'PX', value: Math.max(1, ttlMs) } } : {}),
      }),
    );
    return reply === 'OK';
  }

  async deleteIfEquals(key: string, value: string): Promise<void> {
    await this.call('EVAL', () =>
      this.client.eval(DELETE_IF_EQUALS, { keys: [key], arguments: [value] }),
    );
  }

  increment(key: string): Promise<number> {
    return this.call('INCR', () => this.client.incr(key));
  }

  status(): 'up' | 'degraded' {
    return this.client.isReady && this.breaker.state === 'closed' ? 'up' : 'degraded';
  }

  async close(): Promise<void> {
    // The client belongs to whoever connected it (main.ts or a test).
  }

  /** Runs one command under the breaker and the timeout; any failure is CacheUnavailableError. */
  private async call<T>(name: string, command: () => Promise<T>): Promise<T> {
    if (!this.breaker.tryPass()) {
      throw new CacheUnavailableError(`redis ${name}: circuit open, not asking Redis for now`);
    }
    if (!this.client.isReady) {
      this.breaker.failed();
      throw new CacheUnavailableError(`redis ${name}: not connected`);
    }
    let timer: NodeJS.Timeout | undefined;
    const pending = command();
    try {
      const result = await Promise.race([
        pending,
        new Promise<never>((_, reject) => {
          // setImmediate: a reply that arrived while our own event loop was busy is read
          // (poll phase) before the timeout counts, so a stall of ours is not blamed on Redis.
          timer = setTimeout(
            () =>
              setImmediate(() => reject(new Error(`no reply within ${this.commandTimeoutMs} ms`))),
            this.commandTimeoutMs,
          );
        }),
      ]);
      this.breaker.succeeded();
      return result;
    } catch (error) {
      pending.catch(() => undefined); // a late rejection of the command we stopped waiting for
      this.breaker.failed();
      throw new CacheUnavailableError(`redis ${name}: ${(error as Error).message}`, {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
  }
}
