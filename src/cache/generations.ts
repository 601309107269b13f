/*
 * Generations: the cache's invalidation API (stable; the response cache builds on it too).
 *
 *   const generations = new Generations(store, keys, logger);
 *   generations.committed(['subscriptions']);      // after a COMMIT: bump, never throws or waits
 *   await generations.bump(['accounts']);          // the same, awaited (tests, scripts)
 *   const seen = await generations.read(['accounts', 'subscriptions']); // { accounts: '17', … }
 *   generations.keysOf(families) / generations.snapshotOf(families, values)
 *                                                  // read them in the same MGET as an entry
 *   sameGenerations(seen, current, families)       // was anything written since `seen`?
 *
 * A family's generation is a counter in the store (`<prefix>gen:<family>`) that every committed
 * write to the family increments. An answer records the generations it was computed from and
 * is served only while they are unchanged. A counter missing from the store (never written, or
 * evicted) is created at the current time in ms, so it never repeats a value an old entry holds.
 */
import type { Logger } from '../shared/logger';
import type { DataFamily, WriteObserver } from '../shared/write-observer';
import type { CacheKeys } from './cache-keys';
import { CacheUnavailableError, type CacheStore } from './cache-store';

/** The generations of some families at one moment, as the store holds them (decimal strings). */
export type GenerationSnapshot = Partial<Record<DataFamily, string>>;

/** How often bumps that could not reach the store are retried, in ms. */
const RETRY_PENDING_MS = 500;

export class Generations implements WriteObserver {
  /** Families written while the store was unreachable: bumped as soon as it answers again. */
  private readonly pending = new Set<DataFamily>();
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: CacheStore,
    private readonly keys: CacheKeys,
    private readonly logger?: Logger,
  ) {}

  /** WriteObserver: called after a commit; bumps in the background and never throws. */
  committed(families: readonly DataFamily[]): void {
    this.bump(families).catch((error) => {
      for (const family of families) this.pending.add(family);
      this.scheduleRetry();
      this.logger?.debug({ err: error }, 'cache generation bump deferred');
    });
  }

  /** Increments each family's generation; throws CacheUnavailableError when the store is down. */
  async bump(families: readonly DataFamily[]): Promise<void> {
    await Promise.all(
      [...new Set(families)].map((f) => this.store.increment(this.keys.generation(f))),
    );
  }

  /** The current generations of `families`; bumps deferred while the store was down go first. */
  async read(families: readonly DataFamily[]): Promise<GenerationSnapshot> {
    await this.flushPending();
    const values = await this.store.mget(this.keysOf(families));
    return await this.snapshotOf(families, values);
  }

  /** The store keys of `families`, to read them in the same MGET as entries. */
  keysOf(families: readonly DataFamily[]): string[] {
    return families.map((family) => this.keys.generation(family));
  }

  /**
   * The snapshot from the values `keysOf(families)` returned. Creates missing counters (see the
   * top of this file) and reads them again, so the first answer after a reset is cacheable.
   */
  async snapshotOf(
    families: readonly DataFamily[],
    values: ReadonlyArray<string | null>,
  ): Promise<GenerationSnapshot> {
    const missing = families.filter((_, index) => values[index] == null);
    if (missing.length) {
      await Promise.all(
        missing.map((family) =>
          this.store.setIfAbsent(this.keys.generation(family), String(Date.now())),
        ),
      );
      values = await this.store.mget(this.keysOf(families));
    }
    const snapshot: GenerationSnapshot = {};
    families.forEach((family, index) => {
      snapshot[family] = values[index] ?? 'missing';
    });
    return snapshot;
  }

  /** Bumps deferred while the store was down, before anything is read from it again. */
  async flushPending(): Promise<void> {
    if (!this.pending.size) return;
    const families = [...this.pending];
    await this.bump(families);
    for (const family of families) this.pending.delete(family);
  }

  /** Stops the retry timer (shutdown). */
  close(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private scheduleRetry(): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.flushPending().catch((error) => {
        if (!(error instanceof CacheUnavailableError))
          this.logger?.warn({ err: error }, 'cache generation bump failed');
        this.scheduleRetry();
      });
    }, RETRY_PENDING_MS);
    this.retryTimer.unref();
  }
}

/** Whether nothing in `families` was written between the two snapshots. */
export function sameGenerations(
  recorded: GenerationSnapshot,
  current: GenerationSnapshot,
  families: readonly DataFamily[],
): boolean {
  return families.every(
    (family) =>
      recorded[family] !== undefined &&
      recorded[family] !== 'missing' &&
      recorded[family] === current[family],
  );
}
