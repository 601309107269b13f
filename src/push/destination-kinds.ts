/** What a destination is: a generic webhook, a Slack incoming webhook, or a CRM endpoint. */
export const DESTINATION_KINDS = ['WEBHOOK', 'SLACK', 'HUBSPOT', 'SALESFORCE'] as const;
export type DestinationKind = (typeof DESTINATION_KINDS)[number];

/** How soon changes are pushed: at once, or collected and sent as a diff on a schedule. */
export const PUSH_TIERS = ['REALTIME', 'NEAR_REALTIME', 'HOURLY', 'DAILY'] as const;
export type PushTier = (typeof PUSH_TIERS)[number];

/** What a destination subscribes to. */
export const SUBSCRIPTION_KINDS = ['EVENT', 'SEGMENT', 'THRESHOLD', 'ACCOUNT_VIEW'] as const;
export type SubscriptionKind = (typeof SUBSCRIPTION_KINDS)[number];

/** A request budget: at most `requests` per `seconds`. */
export type RateLimit = { requests: number; seconds: number };

type KindTraits = {
  /** Changes per request when several are waiting (the service's batch limit). */
  batchSize: number;
  /** Changes per request on the realtime tier: a webhook gets one Standard Webhooks message each. */
  realtimeBatchSize: number;
  /** The service's documented budget; `null` = none unless the destination sets one. */
  defaultRateLimit: RateLimit | null;
  /** Answers (besides 429) that mean "over the rate limit, slow down". */
  isRateLimited(status: number, body: string): boolean;
};

/** Per kind, in one place, so a new kind cannot forget one (the compiler checks the Record). */
export const KIND_TRAITS: Record<DestinationKind, KindTraits> = {
  WEBHOOK: {
    batchSize: 100,
    realtimeBatchSize: 1,
    defaultRateLimit: null,
    isRateLimited: () => false,
  },
  // Slack: 1 message per second per channel; several changes make one message of lines.
  SLACK: {
    batchSize: 20,
    realtimeBatchSize: 20,
    defaultRateLimit: { requests: 1, seconds: 1 },
    isRateLimited: () => false,
  },
  // HubSpot batch upsert: at most 100 inputs per call; 100 (free) to 190 (paid) calls per 10 s.
  HUBSPOT: {
    batchSize: 100,
    realtimeBatchSize: 100,
    defaultRateLimit: { requests: 100, seconds: 10 },
    isRateLimited: () => false,
  },
  // Salesforce composite upsert: at most 200 records per call; over its limit it answers 403.
  SALESFORCE: {
    batchSize: 200,
    realtimeBatchSize: 200,
    defaultRateLimit: { requests: 25, seconds: 1 },
    isRateLimited: (status, body) => status === 403 && body.includes('REQUEST_LIMIT_EXCEEDED'),
  },
};

/** How long a scheduled tier collects changes before it sends them, in ms. */
export const DEFAULT_TIER_PERIODS_MS: Record<PushTier, number> = {
  REALTIME: 0,
  NEAR_REALTIME: 60_000,
  HOURLY: 3_600_000,
  DAILY: 86_400_000,
};

/** Job priority: lower runs first, so realtime deliveries go ahead of scheduled batches. */
export const TIER_PRIORITY: Record<PushTier, number> = {
  REALTIME: 0,
  NEAR_REALTIME: 10,
  HOURLY: 20,
  DAILY: 30,
};
