import type { Logger } from '../shared/logger';
import { AnswerCache } from './answer-cache';
import { CacheKeys } from './cache-keys';
import type { CacheStore } from './cache-store';
import { Generations } from './generations';
import { MemoryStore } from './memory-store';
import type { RedisClient } from './redis-client';
import { RedisStore } from './redis-store';

export type CacheSettings = {
  /** Connected Redis client; none means the in-process store. */
  redis?: RedisClient;
  /** Prefix of every key (HARMONY_CACHE_PREFIX). Default `harmony:`. */
  prefix?: string;
  /** Grace period past a tier's lifetime (HARMONY_CACHE_GRACE_SECONDS), in ms. Default 6 h. */
  graceMs?: number;
  /** Redis command timeout (HARMONY_CACHE_COMMAND_TIMEOUT_MS). Default 75. */
  commandTimeoutMs?: number;
  /** Bound of the in-process store (HARMONY_CACHE_MEMORY_MB), in characters. Default 64 MB. */
  memoryMaxChars?: number;
  /** Whether a computation's failure means the database cannot answer (serve STALE). */
  serveStaleOn?: (error: unknown) => boolean;
  logger?: Logger;
};

/** The answer cache on Redis when a client is given, else in process. */
export function createAnswerCache(settings: CacheSettings = {}): AnswerCache {
  const store: CacheStore = settings.redis
    ? new RedisStore(settings.redis, { commandTimeoutMs: settings.commandTimeoutMs })
    : new MemoryStore({ maxSizeChars: settings.memoryMaxChars });
  const keys = new CacheKeys(settings.prefix ?? 'harmony:');
  const generations = new Generations(store, keys, settings.logger);
  return new AnswerCache(store, generations, keys, {
    graceMs: settings.graceMs,
    serveStaleOn: settings.serveStaleOn,
    logger: settings.logger,
  });
}
