import { LRUCache } from 'lru-cache';
import type { Principal } from './scopes';

export type VerdictCacheOptions = {
  /** Known keys remembered per process. Default 10,000. */
  maxKeys?: number;
  /** Unknown or revoked keys remembered per process. Default 1,000. */
  maxMisses?: number;
};

/**
 * How long a verdict is trusted while the process hears of every key change (LISTEN): a safety
 * net only, since a change evicts the verdict at once.
 */
export const VERDICT_TTL_LISTENING_MS = 60_000;
/** How long a verdict is trusted while the listener is down: the bound on revocation lag. */
export const VERDICT_TTL_FALLBACK_MS = 5_000;

/**
 * Verdicts of recent key lookups, keyed by the key's SHA-256 (never by the key a client sent),
 * bounded by entries. Misses live in their own, smaller cache, so a flood of made-up keys can
 * neither grow memory nor push the known keys out.
 */
export class VerdictCache {
  private readonly known: LRUCache<string, Principal>;
  private readonly unknown: LRUCache<string, true>;
  /** Bumped by every eviction: a lookup that straddles one must not cache what it read. */
  private generation = 0;
  private listening = false;

  constructor(options: VerdictCacheOptions = {}) {
    this.known = new LRUCache({ max: options.maxKeys ?? 10_000, ttl: VERDICT_TTL_FALLBACK_MS });
    this.unknown = new LRUCache({ max: options.maxMisses ?? 1_000, ttl: VERDICT_TTL_FALLBACK_MS });
  }

  /** The cached verdict: a principal, null for a known miss, undefined when not cached. */
  get(keyHash: string): Principal | null | undefined {
    const principal = this.known.get(keyHash);
    if (principal) return principal;
    return this.unknown.get(keyHash) ? null : undefined;
  }

  /** Taken before a lookup and handed to `set`, which ignores verdicts an eviction overtook. */
  currentGeneration(): number {
    return this.generation;
  }

  set(keyHash: string, principal: Principal | null, generation: number): void {
    if (generation !== this.generation) return;
    const ttl = this.listening ? VERDICT_TTL_LISTENING_MS : VERDICT_TTL_FALLBACK_MS;
    if (principal) this.known.set(keyHash, principal, { ttl });
    else this.unknown.set(keyHash, true, { ttl });
  }

  evict(keyHash: string): void {
    this.generation += 1;
    this.known.delete(keyHash);
    this.unknown.delete(keyHash);
  }

  clear(): void {
    this.generation += 1;
    this.known.clear();
    this.unknown.clear();
  }

  /** Whether key changes are being heard; either way, what was cached may be stale: forget it. */
  setListening(listening: boolean): void {
    this.listening = listening;
    this.clear();
  }

  get size(): { keys: number; misses: number } {
    return { keys: this.known.size, misses: this.unknown.size };
  }
}
