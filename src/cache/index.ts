export { AnswerCache, type AnswerSource, type AnswerSpec, type CachedValue } from './answer-cache';
export { CacheKeys, hashOf } from './cache-keys';
export { CacheUnavailableError, type CacheStore } from './cache-store';
export { createAnswerCache, type CacheSettings } from './create-cache';
export { Generations, sameGenerations, type GenerationSnapshot } from './generations';
export { MemoryStore } from './memory-store';
export { RedisStore } from './redis-store';
export { CACHE_TIERS, TIER_LIFETIME_MS, familiesChecked, type CacheTier } from './tiers';
