import type { FreshnessTier } from '../metrics';

/** How quickly `metricChanged` follows its inputs; every field has its default in DEFAULT_TIMING. */
export type LiveTiming = {
  /**
   * Shortest time between two computations of one watched metric after an entity write (an
   * upsert, a delete, a subscription change): writes close together are computed once.
   */
  entityGapMs: number;
  /**
   * Shortest time between two computations caused by ingested events, per tier: events may
   * commit hundreds of times a second, so only REALTIME metrics follow them at once; the other
   * tiers at most as often as their promise allows (PRODUCT.md, "Freshness tiers").
   */
  eventGapMs: Record<FreshnessTier, number>;
  /**
   * A watched metric is computed again at least this often without any write, per tier: a
   * relative window (LAST_30_DAYS) slides with time alone, and a missed notification heals.
   */
  refreshMs: Record<FreshnessTier, number>;
  /**
   * Life of the Redis lease naming the one process that computes a watched metric for all
   * (renewed every third of it while that process has subscribers). Default 15 s.
   */
  leaseTtlMs: number;
};

export const DEFAULT_TIMING: LiveTiming = {
  entityGapMs: 100,
  eventGapMs: {
    REALTIME: 250,
    NEAR_REALTIME: 60_000,
    HOURLY: 15 * 60_000,
    DAILY: 6 * 3_600_000,
  },
  refreshMs: {
    REALTIME: 60_000,
    NEAR_REALTIME: 5 * 60_000,
    HOURLY: 3_600_000,
    DAILY: 24 * 3_600_000,
  },
  leaseTtlMs: 15_000,
};
