import type { DataFamily } from '../shared/write-observer';

/** Freshness tiers, the same names as metric definitions use. */
export const CACHE_TIERS = ['REALTIME', 'NEAR_REALTIME', 'HOURLY', 'DAILY'] as const;
export type CacheTier = (typeof CACHE_TIERS)[number];

/**
 * How long an answer of each tier may be served, in ms. REALTIME answers are also dropped at
 * once by any event write (their `events` generation), so their age limit only bounds what
 * a missed invalidation could cost: 5 seconds.
 */
export const TIER_LIFETIME_MS: Record<CacheTier, number> = {
  REALTIME: 5_000,
  NEAR_REALTIME: 5 * 60_000,
  HOURLY: 60 * 60_000,
  DAILY: 24 * 60 * 60_000,
};

/**
 * The generations an answer of `tier` is checked against: entity families always, events only
 * for REALTIME answers. A busy ingest stream bumps `events' hundreds of times a second; the
 * other tiers see new events through their age limit instead, so the stream does not empty them.
 */
export function familiesChecked(tier: CacheTier, dependsOn: readonly DataFamily[]): DataFamily[] {
  const families = tier === 'REALTIME' ? dependsOn : dependsOn.filter((f) => f !== 'events');
  return [...new Set(families)].sort();
}
