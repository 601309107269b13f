import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_PUSH_OPTIONS, type PushOptions } from '../push/push-options';

/** Reads `true/false/1/0/yes/no` the way operators write them in env files. */
const booleanFlag = (defaultValue: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .optional()
    .transform((value) =>
      value === undefined ? defaultValue : ['true', '1', 'yes'].includes(value),
    );

const urlWithScheme = (schemes: string[]) =>
  z
    .string()
    .url()
    .refine((value) => schemes.some((scheme) => value.startsWith(`${scheme}://`)), {
      message: `must start with ${schemes.map((s) => `${s}://`).join(' or ')}`,
    });

const environmentSchema = z.object({
  /** PostgreSQL URL. Default: none, which starts an embedded PostgreSQL under `HARMONY_DATA_DIR`. */
  DATABASE_URL: urlWithScheme(['postgres', 'postgresql']).optional(),
  /** Redis URL. Default: none (Redis is then not used). */
  REDIS_URL: urlWithScheme(['redis', 'rediss']).optional(),
  /** HTTP port. Default 4000. */
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  /** Interface to listen on. Default 0.0.0.0. */
  HOST: z.string().min(1).default('0.0.0.0'),
  /**
   * A key that always exists with the admin scope; 32 to 256 characters (MAX_API_KEY_LENGTH), no
   * spaces. Default: none (demo mode generates one).
   */
  HARMONY_ADMIN_KEY: z
    .string()
    .min(32, 'must be at least 32 characters (e.g. `openssl rand -hex 24`)')
    .max(256, 'must be at most 256 characters')
    .regex(/^\S+$/, 'must not contain spaces')
    .optional(),
  /** Apply pending migrations at start. Default true. */
  HARMONY_MIGRATE: booleanFlag(true),
  /** Where the embedded PostgreSQL and the demo admin key live. Default `.data`. */
  HARMONY_DATA_DIR: z.string().min(1).default('.data'),
  /** Port of the embedded PostgreSQL. Default 54329. */
  HARMONY_EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  /** Upper bound for every SQL statement, in milliseconds. Default 15000. */
  HARMONY_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(15000),
  /** Largest page a connection returns. Default 100. */
  HARMONY_MAX_PAGE_SIZE: z.coerce.number().int().min(1).max(10000).default(100),
  /** Size of the PostgreSQL connection pool. Default 10. */
  HARMONY_DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Longest wait for a free pool connection before answering 503, in ms. Default 5000. */
  HARMONY_DB_ACQUIRE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
  /** A session idle inside an open transaction this long is ended by PostgreSQL. Default 60000. */
  HARMONY_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(1000).default(60_000),
  /** Longest wait of a migration for a table lock, in ms (migrations have no statement timeout). Default 10000. */
  HARMONY_MIGRATION_LOCK_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  /** Messages waiting for the ingest writer beyond which /v1 answers 503. Default 50000. */
  HARMONY_INGEST_MAX_QUEUED_MESSAGES: z.coerce.number().int().min(2500).default(50_000),
  /** Metric statements running at once per process. Default: half the pool, at least 1. */
  HARMONY_METRIC_CONCURRENCY: z.coerce.number().int().min(1).max(200).optional(),
  /** Bearer token that may read GET /metrics (besides admin keys). Default: none. */
  HARMONY_METRICS_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Serve GET /metrics without any key (a scraper on a private network). Default false. */
  HARMONY_METRICS_PUBLIC: booleanFlag(false),
  /** Evaluate thresholds for the accounts each write touched (and daily for all). Default true. */
  HARMONY_THRESHOLDS_ON_WRITES: booleanFlag(true),
  /**
   * Browser origins (`https://app.example.com`, comma-separated) allowed to call /graphql, /v1 and
   * the WebSocket endpoint. Default: none (same-origin pages such as /console need none).
   */
  HARMONY_CORS_ORIGINS: z
    .string()
    .optional()
    .transform((value, context) => parseOriginList(value ?? '', context)),
  /** pino log level. Default `info` (`warn` under test). */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /**
   * Run the signals pump in this process (account views, segments, change-feed numbering).
   * Default true, false under NODE_ENV=test (tests call the refresher themselves).
   */
  HARMONY_SIGNALS_PUMP: z.enum(['true', 'false', '1', '0', 'yes', 'no']).optional(),
  /** Prefix of every cache key in Redis (several deployments may share one Redis). Default `harmony:`. */
  HARMONY_CACHE_PREFIX: z.string().min(1).max(100).default('harmony:'),
  /** How long answers are kept past their tier, served as STALE while PostgreSQL cannot answer, in s. Default 21600 (6 h). */
  HARMONY_CACHE_GRACE_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(7 * 86400)
    .default(21_600),
  /** Longest wait for one Redis command before it counts as a miss, in ms. Default 75. */
  HARMONY_CACHE_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(5).max(10_000).default(75),
  /** Bound of the in-process cache used without REDIS_URL, in MB. Default 64. */
  HARMONY_CACHE_MEMORY_MB: z.coerce.number().int().min(1).max(16_384).default(64),
  /** How long a persisted query (APQ) is kept after it was registered, in s. Default 604800 (7 days). */
  HARMONY_APQ_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(365 * 86400)
    .default(7 * 86400),
  /** Prefix of the Redis channels and keys of live updates (subscriptions). Default `harmony:`. */
  HARMONY_LIVE_PREFIX: z.string().min(1).max(100).default('harmony:'),
  /** Distinct metric × window pairs `metricChanged` watches at once per process. Default 1000. */
  HARMONY_LIVE_MAX_WATCHES: z.coerce.number().int().min(1).max(100_000).default(1000),
  /** WebSocket connections per process. Default 5000. */
  HARMONY_WS_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1_000_000).default(5000),
  /** WebSocket connections per API key and process. Default 100. */
  HARMONY_WS_MAX_CONNECTIONS_PER_KEY: z.coerce.number().int().min(1).max(100_000).default(100),
  /** Subscriptions running at once on one WebSocket connection. Default 25. */
  HARMONY_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(25),
  /** Run the push delivery worker in the server process. Default true (false under test). */
  HARMONY_PUSH_WORKER: z.enum(['true', 'false', '1', '0', 'yes', 'no']).optional(),
  /** Destinations delivered at once per process. Default 8. */
  HARMONY_PUSH_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(8),
  /** How often the worker looks for due retries and batches, in ms. Default 500. */
  HARMONY_PUSH_POLL_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(500),
  /** Delays before each delivery attempt, comma-separated ms. Default the Standard Webhooks schedule. */
  HARMONY_PUSH_RETRY_SCHEDULE_MS: z
    .string()
    .regex(/^\d+(,\d+)*$/, 'must be comma-separated milliseconds, e.g. 0,5000,300000')
    .optional(),
  /** Timeout of one delivery request, in ms. Default 15000. */
  HARMONY_PUSH_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
  /** Accept destination URLs on loopback and private networks. Default true. */
  HARMONY_PUSH_ALLOW_PRIVATE_URLS: booleanFlag(true),
});

export type Config = {
  databaseUrl?: string;
  redisUrl?: string;
  port: number;
  host: string;
  adminKey?: string;
  migrateOnStart: boolean;
  dataDir: string;
  embeddedPostgresPort: number;
  statementTimeoutMs: number;
  maxPageSize: number;
  dbPoolSize: number;
  dbAcquireTimeoutMs: number;
  idleInTransactionTimeoutMs: number;
  migrationLockTimeoutMs: number;
  ingestMaxQueuedMessages: number;
  /** At most this many metric statements at once, below the pool size so ingestion keeps a connection. */
  metricConcurrency: number;
  metricsToken?: string;
  metricsPublic: boolean;
  logLevel: string;
  /** Origins allowed to call the API from a browser (HARMONY_CORS_ORIGINS); none by default. */
  corsOrigins: string[];
  nodeEnv: 'development' | 'production' | 'test';
  livePrefix: string;
  liveMaxWatches: number;
  wsMaxConnections: number;
  wsMaxConnectionsPerKey: number;
  wsMaxSubscriptionsPerConnection: number;
  /** Destinations, deliveries and the worker (src/push/push-options.ts). */
  push: PushOptions;
  /** Thresholds evaluated after writes and the daily slide (off: only evaluateThresholds). */
  thresholdsOnWrites: boolean;
  signalsPump: boolean;
  cachePrefix: string;
  cacheGraceSeconds: number;
  cacheCommandTimeoutMs: number;
  cacheMemoryMb: number;
  persistedQueryTtlSeconds: number;
};

export class ConfigError extends Error {}

/** Parses and validates the environment once; the only place that reads `process.env`. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const blankToUndefined = Object.fromEntries(
    Object.entries(env).map(([key, value]) => [key, value === '' ? undefined : value]),
  );
  const parsed = environmentSchema.safeParse(blankToUndefined);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `  ${issue.path.join('.')}: ${issue.message}`)
      .join('\n');
    throw new ConfigError(`Invalid configuration in the environment:\n${problems}`);
  }
  const e = parsed.data;
  const metricConcurrency =
    e.HARMONY_METRIC_CONCURRENCY ?? Math.max(1, Math.floor(e.HARMONY_DB_POOL_SIZE / 2));
  if (metricConcurrency > e.HARMONY_DB_POOL_SIZE) {
    throw new ConfigError(
      `Invalid configuration in the environment:\n  HARMONY_METRIC_CONCURRENCY: must be at most HARMONY_DB_POOL_SIZE (${e.HARMONY_DB_POOL_SIZE}), got ${metricConcurrency}`,
    );
  }
  return {
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    port: e.PORT,
    host: e.HOST,
    adminKey: e.HARMONY_ADMIN_KEY,
    migrateOnStart: e.HARMONY_MIGRATE,
    dataDir: path.resolve(e.HARMONY_DATA_DIR),
    embeddedPostgresPort: e.HARMONY_EMBEDDED_PG_PORT,
    statementTimeoutMs: e.HARMONY_STATEMENT_TIMEOUT_MS,
    maxPageSize: e.HARMONY_MAX_PAGE_SIZE,
    dbPoolSize: e.HARMONY_DB_POOL_SIZE,
    dbAcquireTimeoutMs: e.HARMONY_DB_ACQUIRE_TIMEOUT_MS,
    idleInTransactionTimeoutMs: e.HARMONY_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    migrationLockTimeoutMs: e.HARMONY_MIGRATION_LOCK_TIMEOUT_MS,
    ingestMaxQueuedMessages: e.HARMONY_INGEST_MAX_QUEUED_MESSAGES,
    metricConcurrency,
    metricsToken: e.HARMONY_METRICS_TOKEN,
    metricsPublic: e.HARMONY_METRICS_PUBLIC,
    logLevel: e.LOG_LEVEL ?? (e.NODE_ENV === 'test' ? 'warn' : 'info'),
    nodeEnv: e.NODE_ENV,
    livePrefix: e.HARMONY_LIVE_PREFIX,
    liveMaxWatches: e.HARMONY_LIVE_MAX_WATCHES,
    wsMaxConnections: e.HARMONY_WS_MAX_CONNECTIONS,
    wsMaxConnectionsPerKey: e.HARMONY_WS_MAX_CONNECTIONS_PER_KEY,
    wsMaxSubscriptionsPerConnection: e.HARMONY_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION,
    push: {
      ...DEFAULT_PUSH_OPTIONS,
      worker:
        e.HARMONY_PUSH_WORKER === undefined
          ? e.NODE_ENV !== 'test'
          : ['true', '1', 'yes'].includes(e.HARMONY_PUSH_WORKER),
      concurrency: e.HARMONY_PUSH_CONCURRENCY,
      pollIntervalMs: e.HARMONY_PUSH_POLL_INTERVAL_MS,
      retryScheduleMs:
        e.HARMONY_PUSH_RETRY_SCHEDULE_MS?.split(',').map(Number) ??
        DEFAULT_PUSH_OPTIONS.retryScheduleMs,
      requestTimeoutMs: e.HARMONY_PUSH_REQUEST_TIMEOUT_MS,
      allowPrivateUrls: e.HARMONY_PUSH_ALLOW_PRIVATE_URLS,
    },
    thresholdsOnWrites: e.HARMONY_THRESHOLDS_ON_WRITES,
    corsOrigins: e.HARMONY_CORS_ORIGINS,
    signalsPump:
      e.HARMONY_SIGNALS_PUMP === undefined
        ? e.NODE_ENV !== 'test'
        : ['true', '1', 'yes'].includes(e.HARMONY_SIGNALS_PUMP),
    cachePrefix: e.HARMONY_CACHE_PREFIX,
    cacheGraceSeconds: e.HARMONY_CACHE_GRACE_SECONDS,
    cacheCommandTimeoutMs: e.HARMONY_CACHE_COMMAND_TIMEOUT_MS,
    cacheMemoryMb: e.HARMONY_CACHE_MEMORY_MB,
    persistedQueryTtlSeconds: e.HARMONY_APQ_TTL_SECONDS,
  };
}

/**
 * `https://a.example.com, http://localhost:3000` → normalised origins (scheme://host[:port], no
 * path, no trailing slash), as browsers send them in the Origin header.
 */
function parseOriginList(value: string, context: z.RefinementCtx): string[] {
  const origins: string[] = [];
  for (const entry of value.split(',').map((part) => part.trim())) {
    if (!entry) continue;
    let url: URL | undefined;
    try {
      url = new URL(entry);
    } catch {
      url = undefined;
    }
    const isOrigin =
      url &&
      (url.protocol === 'http:' || url.protocol === 'https:') &&
      (url.pathname === '/' || url.pathname === '') &&
      !url.search &&
      !url.hash &&
      !url.username &&
      entry.replace(/\/$/, '').toLowerCase() === url.origin;
    if (!url || !isOrigin) {
      context.addIssue({
        code: 'custom',
        message: `expected origins like https://app.example.com (scheme, host, optional port; no path), got "${entry}"`,
      });
      continue;
    }
    origins.push(url.origin);
  }
  return origins;
}
