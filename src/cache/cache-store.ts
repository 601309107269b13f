/**
 * What the answer cache needs from a key-value store: strings in, strings out. Two
 * implementations: Redis (shared by every server process) and an in-process LRU (no REDIS_URL).
 * A store that cannot answer throws `CacheUnavailableError`; callers treat that as a miss.
 */
export interface CacheStore {
  /** `redis` when shared across processes (locks matter), `memory` when in this process only. */
  readonly kind: 'redis' | 'memory';
  /** One value per key, `null` when absent, in key order. */
  mget(keys: readonly string[]): Promise<Array<string | null>>;
  /** Stores values that expire after `ttlMs`. */
  setMany(entries: ReadonlyArray<{ key: string; value: string; ttlMs: number }>): Promise<void>;
  /** `SET NX PX`: true when this call created the key (a lock was taken). */
  setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean>;
  /** Deletes the key only while it still holds `value` (releasing our own lock, not another's). */
  deleteIfEquals(key: string, value: string): Promise<void>;
  /** `INCR`: the new value of a counter that never expires. */
  increment(key: string): Promise<number>;
  /** `up`, or `degraded` while the store is unreachable and requests bypass it. */
  status(): 'up' | 'degraded';
  close(): Promise<void>;
}

/** The store did not answer (down, slow, or the circuit breaker is open). */
export class CacheUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CacheUnavailableError';
  }
}
