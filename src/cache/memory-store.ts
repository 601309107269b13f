import { LRUCache } from 'lru-cache';
import type { CacheStore } from './cache-store';

export type MemoryStoreOptions = {
  /** Upper bound of the stored values, in characters (about bytes). Default 64 MB. */
  maxSizeChars?: number;
};

/**
 * The in-process store used when no REDIS_URL is configured: a size-bounded LRU for entries
 * (every one has a TTL), and a separate map for the few keys without one (generation
 * counters), so eviction never resets a generation.
 */
export class MemoryStore implements CacheStore {
  readonly kind = 'memory' as const;
  private readonly entries: LRUCache<string, string>;
  private readonly counters = new Map<string, string>();

  constructor(options: MemoryStoreOptions = {}) {
    this.entries = new LRUCache<string, string>({
      maxSize: options.maxSizeChars ?? 64 * 1024 * 1024,
      sizeCalculation: (value, key) => value.length + key.length,
      ttlAutopurge: false,
    });
  }

  async mget(keys: readonly string[]): Promise<Array<string | null>> {
    return keys.map((key) => {
      const counter = this.counters.get(key);
      if (counter !== undefined) return counter;
      return this.entries.get(key) ?? null;
    });
  }

  async setMany(entries: ReadonlyArray<{ key: string; value: string; ttlMs: number }>) {
    for (const { key, value, ttlMs } of entries) this.entries.set(key, value, { ttl: ttlMs });
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    if (this.entries.has(key) || this.counters.has(key)) return false;
    if (ttlMs === undefined) this.counters.set(key, value);
    else this.entries.set(key, value, { ttl: ttlMs });
    return true;
  }

  async deleteIfEquals(key: string, value: string): Promise<void> {
    if (this.entries.get(key) === value) this.entries.delete(key);
  }

  async increment(key: string): Promise<number> {
    const next = Number(this.counters.get(key) ?? 0) + 1;
    this.counters.set(key, String(next));
    return next;
  }

  status(): 'up' {
    return 'up';
  }

  async close(): Promise<void> {
    this.entries.clear();
  }
}
