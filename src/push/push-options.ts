import { DEFAULT_TIER_PERIODS_MS, type PushTier } from './destination-kinds';
import { DEFAULT_RETRY_SCHEDULE_MS } from './retry-schedule';

/** How pushes are delivered; every option has a default, tests shrink the times. */
export type PushOptions = {
  /** Run the delivery worker in this process. Default true (false under NODE_ENV=test). */
  worker: boolean;
  /** Jobs (destinations) delivered at once per process. Default 8. */
  concurrency: number;
  /**
   * How often the worker looks for jobs that became due (retries, scheduled batches), in ms.
   * New jobs arrive by LISTEN/NOTIFY at once. Default 500, so a retry is at most 0.5 s late.
   */
  pollIntervalMs: number;
  /** Delays before each attempt; past the last one a delivery is dead-lettered. */
  retryScheduleMs: number[];
  /** A request without an answer after this is a failed attempt. Default 15,000 ms. */
  requestTimeoutMs: number;
  /** A destination failing without a success for this long is disabled. Default 5 days. */
  disableAfterFailingMs: number;
  /** After a rotation the previous secret still signs for this long. Default 24 h. */
  secretOverlapMs: number;
  /** How long scheduled tiers collect changes. */
  tierPeriodsMs: Record<PushTier, number>;
  /** How often a process frees jobs held by dead worker processes, in ms. Default 2,000. */
  deadWorkerSweepMs: number;
  /** Accept destination URLs on loopback and private networks. Default true (self-hosting). */
  allowPrivateUrls: boolean;
};

export const DEFAULT_PUSH_OPTIONS: PushOptions = {
  worker: true,
  concurrency: 8,
  pollIntervalMs: 500,
  retryScheduleMs: DEFAULT_RETRY_SCHEDULE_MS,
  requestTimeoutMs: 15_000,
  disableAfterFailingMs: 5 * 86_400_000,
  secretOverlapMs: 86_400_000,
  tierPeriodsMs: DEFAULT_TIER_PERIODS_MS,
  deadWorkerSweepMs: 2_000,
  allowPrivateUrls: true,
};
