import { CacheUnavailableError, type CacheStore } from './cache-store';

/** How long a registered query is kept after its registration, in seconds (HARMONY_APQ_TTL_SECONDS). */
export const DEFAULT_PERSISTED_QUERY_TTL_SECONDS = 7 * 24 * 60 * 60;

/** Apollo asks for `apq:<sha256 hex>`; anything else a client sends is not a key we keep. */
const PERSISTED_QUERY_KEY = /^apq:[0-9a-f]{64}$/;

/**
 * Automatic persisted queries (APQ) in the cache's store: Redis, shared by every server process,
 * or the bounded in-process LRU without REDIS_URL. Apollo Server's `KeyValueCache` contract:
 * a dashboard sends the sha256 of its query instead of the text, and an unknown hash answers
 * PERSISTED_QUERY_NOT_FOUND so the client registers it. Keys live under the cache's prefix
 * (`<prefix>apq:<hash>`); a store that is down is a miss, never a failed request.
 */
export class PersistedQueryStore {
  private readonly ttlMs: number;

  constructor(
    private readonly store: CacheStore,
    private readonly prefix: string,
    ttlSeconds = DEFAULT_PERSISTED_QUERY_TTL_SECONDS,
  ) {
    this.ttlMs = ttlSeconds * 1000;
  }

  async get(key: string): Promise<string | undefined> {
    if (!PERSISTED_QUERY_KEY.test(key)) return undefined;
    try {
      const [value] = await this.store.mget([this.prefix + key]);
      return value ?? undefined;
    } catch (error) {
      if (error instanceof CacheUnavailableError) return undefined;
      throw error;
    }
  }

  /** Apollo stores a query only after checking that its text hashes to the key. */
  async set(key: string, value: string): Promise<void> {
    if (!PERSISTED_QUERY_KEY.test(key)) return;
    try {
      await this.store.setMany([{ key: this.prefix + key, value, ttlMs: this.ttlMs }]);
    } catch (error) {
      // The query still runs: the client sent its text. Only the next hash-only request misses.
      if (!(error instanceof CacheUnavailableError)) throw error;
    }
  }

  /** Entries expire on their own; Apollo never deletes persisted queries. */
  async delete(): Promise<boolean> {
    return false;
  }
}
