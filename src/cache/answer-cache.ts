import { randomUUID } from 'node:crypto';
import type { Logger } from '../shared/logger';
import type { DataFamily } from '../shared/write-observer';
import type { CacheKeys } from './cache-keys';
import { CacheUnavailableError, type CacheStore } from './cache-store';
import { sameGenerations, type GenerationSnapshot, type Generations } from './generations';
import { SingleFlight } from './single-flight';
import { TIER_LIFETIME_MS, familiesChecked, type CacheTier } from './tiers';

/** Where an answer came from: the cache, a computation just now, or the cache past its tier. */
export type AnswerSource = 'CACHE' | 'DATABASE' | 'STALE';

/** A cached (or just computed) value with how fresh it is. */
export type CachedValue = {
  value: string;
  computedAt: Date;
  ageSeconds: number;
  cacheHit: boolean;
  source: AnswerSource;
};

/** What an answer is and what it depends on. */
export type AnswerSpec = {
  /** From `CacheKeys.answer`. */
  key: string;
  tier: CacheTier;
  /** The families of inputs it reads; which of them invalidate it depends on the tier. */
  dependsOn: readonly DataFamily[];
  /** Compute anew (and store) even when a valid entry exists. */
  fresh?: boolean;
};

export type AnswerCacheOptions = {
  /** How long an entry is kept past its tier lifetime, to be served as STALE while the database cannot answer, in ms. Default 6 h. */
  graceMs?: number;
  /** Whether a computation's failure means "the database cannot answer now" (serve STALE). Default: never. */
  serveStaleOn?: (error: unknown) => boolean;
  /** Longest time a process holds the compute lock of a key, in ms. Default 15 s. */
  lockTtlMs?: number;
  /** How often processes that lost the lock look for the winner's entry, in ms. Default 20. */
  pollMs?: number;
  /** XFetch's beta: above 1 refreshes earlier. Default 1. */
  earlyRefreshBeta?: number;
  now?: () => number;
  random?: () => number;
  logger?: Logger;
};

/** The stored form of an answer: computed at `t` in `d` ms from generations `g`. */
type Entry = { t: number; d: number; g: GenerationSnapshot; v: string };

type Lookup = { entry?: Entry; generations?: GenerationSnapshot };

/**
 * Answers by key on freshness tiers. An entry is served while it is younger than its tier and
 * no generation it depends on moved; it is kept for a grace period after that, to be served as
 * STALE when the database cannot answer. Identical misses are computed once: per process by a
 * single flight, across processes by a short `SET NX PX` lock whose losers poll for the
 * winner's entry. Hot entries are refreshed early in the background (XFetch). A store that is
 * down or slow only makes every lookup a miss. See docs/caching.md.
 */
export class AnswerCache {
  private readonly flights = new SingleFlight<CachedValue>();
  private readonly batchFlights = new SingleFlight<CachedValue[]>();
  private readonly graceMs: number;
  private readonly serveStaleOn: (error: unknown) => boolean;
  private readonly lockTtlMs: number;
  private readonly pollMs: number;
  private readonly beta: number;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(
    readonly store: CacheStore,
    readonly generations: Generations,
    readonly keys: CacheKeys,
    private readonly options: AnswerCacheOptions = {},
  ) {
    this.graceMs = options.graceMs ?? 6 * 60 * 60_000;
    this.serveStaleOn = options.serveStaleOn ?? (() => false);
    this.lockTtlMs = options.lockTtlMs ?? 15_000;
    this.pollMs = options.pollMs ?? 20;
    this.beta = options.earlyRefreshBeta ?? 1;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** `redis`, `memory`, or `degraded` (Redis configured but not answering: every lookup misses). */
  status(): 'redis' | 'memory' | 'degraded' {
    if (this.store.status() === 'degraded') return 'degraded';
    return this.store.kind;
  }

  /** The answer under `spec.key`: from the cache when valid, else computed once and stored. */
  async get(spec: AnswerSpec, compute: () => Promise<string>): Promise<CachedValue> {
    const families = familiesChecked(spec.tier, spec.dependsOn);
    const lookup = await this.lookup([spec.key], families).then((l) => l[0]);
    if (!spec.fresh && lookup.entry && this.isValid(lookup.entry, lookup, spec.tier, families)) {
      if (this.shouldRefreshEarly(lookup.entry, spec.tier)) {
        void this.flights
          .run(spec.key, () => this.computeShared(spec, families, lookup, compute, true))
          .catch(() => undefined);
      }
      return this.hit(lookup.entry);
    }
    const flightKey = spec.fresh ? `${spec.key}:fresh` : spec.key;
    return this.flights.run(flightKey, () =>
      this.computeShared(spec, families, lookup, compute, false),
    );
  }

  /**
   * Many answers of one tier at once (a page of accounts): one MGET for all keys and their
   * generations; `computeMissing` gets the indexes of the misses and returns their values in
   * that order, computed together.
   */
  async getMany(
    keys: readonly string[],
    spec: Omit<AnswerSpec, 'key'>,
    computeMissing: (indexes: number[]) => Promise<string[]>,
  ): Promise<CachedValue[]> {
    const families = familiesChecked(spec.tier, spec.dependsOn);
    const lookups = await this.lookup(keys, families);
    const results: Array<CachedValue | undefined> = lookups.map((lookup) =>
      !spec.fresh && lookup.entry && this.isValid(lookup.entry, lookup, spec.tier, families)
        ? this.hit(lookup.entry)
        : undefined,
    );
    const missing = results.flatMap((result, index) => (result ? [] : [index]));
    if (!missing.length) return results as CachedValue[];
    const flightKey = `${spec.fresh ? 'fresh:' : ''}${missing.map((i) => keys[i]).join('|')}`;
    const computed = await this.batchFlights.run(flightKey, () =>
      this.computeBatch(
        missing.map((i) => keys[i]),
        missing.map((i) => lookups[i]),
        spec.tier,
        () => computeMissing(missing),
      ),
    );
    missing.forEach((index, position) => (results[index] = computed[position]));
    return results as CachedValue[];
  }

  /** Entries of `keys` and the current generations, in one read; nothing when the store is down. */
  private async lookup(keys: readonly string[], families: DataFamily[]): Promise<Lookup[]> {
    try {
      await this.generations.flushPending();
      const values = await this.store.mget([...keys, ...this.generations.keysOf(families)]);
      const generations = await this.generations.snapshotOf(families, values.slice(keys.length));
      return keys.map((_, index) => ({ entry: parseEntry(values[index]), generations }));
    } catch (error) {
      if (!(error instanceof CacheUnavailableError)) throw error;
      return keys.map(() => ({}));
    }
  }

  private isValid(entry: Entry, lookup: Lookup, tier: CacheTier, families: DataFamily[]): boolean {
    return (
      this.now() - entry.t < TIER_LIFETIME_MS[tier] &&
      lookup.generations !== undefined &&
      sameGenerations(entry.g, lookup.generations, families)
    );
  }

  /** XFetch: refresh before expiry with a probability that rises as expiry nears and with the cost. */
  private shouldRefreshEarly(entry: Entry, tier: CacheTier): boolean {
    const expiresAt = entry.t + TIER_LIFETIME_MS[tier];
    const jitter = entry.d * this.beta * -Math.log(Math.max(this.random(), Number.MIN_VALUE));
    return this.now() + jitter >= expiresAt;
  }

  private hit(entry: Entry): CachedValue {
    return { ...this.freshness(entry), cacheHit: true, source: 'CACHE' };
  }

  private freshness(entry: Entry) {
    return {
      value: entry.v,
      computedAt: new Date(entry.t),
      ageSeconds: Math.max(0, Math.floor((this.now() - entry.t) / 1000)),
    };
  }

  /**
   * Computes under the cross-process lock (Redis only). A loser polls for the winner's entry
   * until the lock is free again (the winner finished or died), then takes the lock itself. An
   * early refresh that loses just leaves the current entry in place.
   */
  private async computeShared(
    spec: AnswerSpec,
    families: DataFamily[],
    lookup: Lookup,
    compute: () => Promise<string>,
    earlyRefresh: boolean,
  ): Promise<CachedValue> {
    const shared = this.store.kind === 'redis' && lookup.generations !== undefined;
    if (!shared) return this.computeAndStore(spec, lookup, compute);
    const lockKey = this.keys.lock(spec.key);
    const token = randomUUID();
    const deadline = this.now() + this.lockTtlMs + 1000;
    for (;;) {
      const locked = await this.store
        .setIfAbsent(lockKey, token, this.lockTtlMs)
        .catch(() => undefined);
      if (locked === undefined) return this.computeAndStore(spec, lookup, compute); // store went away
      if (locked) {
        try {
          return await this.computeAndStore(spec, lookup, compute);
        } finally {
          await this.store.deleteIfEquals(lockKey, token).catch(() => undefined);
        }
      }
      if (earlyRefresh) return this.hit(lookup.entry!);
      if (this.now() > deadline) return this.computeAndStore(spec, lookup, compute);
      await sleep(this.pollMs);
      const [latest] = await this.lookup([spec.key], families);
      const winner = latest.entry;
      if (
        winner &&
        latest.generations &&
        winner.t >= (lookup.entry?.t ?? 0) &&
        (!spec.fresh || winner.t > (lookup.entry?.t ?? 0)) &&
        this.isValid(winner, latest, spec.tier, families)
      ) {
        return this.hit(winner);
      }
    }
  }

  private async computeAndStore(
    spec: AnswerSpec,
    lookup: Lookup,
    compute: () => Promise<string>,
  ): Promise<CachedValue> {
    const started = this.now();
    let value: string;
    try {
      value = await compute();
    } catch (error) {
      const stale = this.staleOf(lookup.entry, spec.tier, error);
      if (stale) return stale;
      throw error;
    }
    const entry: Entry = {
      t: started,
      d: this.now() - started,
      g: lookup.generations ?? {},
      v: value,
    };
    if (lookup.generations) await this.storeEntries([{ key: spec.key, entry }], spec.tier);
    return {
      value,
      computedAt: new Date(started),
      ageSeconds: 0,
      cacheHit: false,
      source: 'DATABASE',
    };
  }

  private async computeBatch(
    keys: string[],
    lookups: Lookup[],
    tier: CacheTier,
    compute: () => Promise<string[]>,
  ): Promise<CachedValue[]> {
    const started = this.now();
    let values: string[];
    try {
      values = await compute();
    } catch (error) {
      const stale = lookups.map((lookup) => this.staleOf(lookup.entry, tier, error));
      if (stale.every((s) => s !== undefined)) return stale;
      throw error;
    }
    const generations = lookups[0]?.generations;
    if (generations) {
      const duration = this.now() - started;
      await this.storeEntries(
        keys.map((key, i) => ({
          key,
          entry: { t: started, d: duration, g: generations, v: values[i] },
        })),
        tier,
      );
    }
    return values.map((value) => ({
      value,
      computedAt: new Date(started),
      ageSeconds: 0,
      cacheHit: false,
      source: 'DATABASE' as const,
    }));
  }

  /** The last entry, when the database could not answer and the entry is within its grace. */
  private staleOf(
    entry: Entry | undefined,
    tier: CacheTier,
    error: unknown,
  ): CachedValue | undefined {
    if (!entry || !this.serveStaleOn(error)) return undefined;
    if (this.now() - entry.t >= TIER_LIFETIME_MS[tier] + this.graceMs) return undefined;
    this.options.logger?.warn(
      { err: error },
      'database unavailable: serving a stale cached answer',
    );
    return { ...this.freshness(entry), cacheHit: true, source: 'STALE' };
  }

  private async storeEntries(items: Array<{ key: string; entry: Entry }>, tier: CacheTier) {
    const ttlMs = TIER_LIFETIME_MS[tier] + this.graceMs;
    await this.store
      .setMany(items.map(({ key, entry }) => ({ key, value: JSON.stringify(entry), ttlMs })))
      .catch((error) => {
        if (!(error instanceof CacheUnavailableError)) throw error;
      });
  }
}

function parseEntry(value: string | null | undefined): Entry | undefined {
  if (!value) return undefined;
  try {
    const entry = JSON.parse(value) as Entry;
    return typeof entry.t === 'number' && typeof entry.v === 'string' ? entry : undefined;
  } catch {
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
