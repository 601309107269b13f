import crypto from 'node:crypto';
import type { DataSource } from 'typeorm';
import { connectRedis, type RedisClient } from '../../../src/cache/redis-client';
import { createLogger } from '../../../src/shared/logger';
import { redisUrl } from '../../support/urls';

/** A key prefix no other test file (or run) uses. */
export function uniquePrefix(name: string): string {
  return `test:${name}:${crypto.randomBytes(4).toString('hex')}:`;
}

/** A Redis client on the test Redis (or `url`). */
export function testRedis(url = redisUrl()): Promise<RedisClient> {
  return connectRedis(url, createLogger('silent'));
}

/** Deletes every key under `prefix` (SCAN, not KEYS). */
export async function dropPrefix(redis: RedisClient, prefix: string): Promise<void> {
  if (!redis.isReady) return;
  for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
    if (keys.length) await redis.del(keys);
  }
}

/**
 * Paid MRR at an instant, in dollars, straight from the tables (independent of the metrics
 * compiler): per live subscription of a non-test, non-deleted account, its latest history row
 * at or before the instant, counted when ACTIVE or PAST_DUE on a paid plan.
 */
export async function mrrAt(
  dataSource: DataSource,
  instant: string,
  accountId?: string,
): Promise<number> {
  const [row] = await dataSource.query(
    `SELECT coalesce(sum(h.mrr_minor), 0)::bigint AS cents
     FROM subscriptions s
     JOIN accounts a ON a.id = s.account_id AND NOT a.is_test AND a.deleted_at IS NULL
     JOIN LATERAL (
       SELECT * FROM subscription_history h
       WHERE h.subscription_id = s.id AND h.effective_at <= $1
       ORDER BY h.effective_at DESC, h.id DESC LIMIT 1) h ON true
     JOIN plans p ON p.id = h.plan_id AND p.is_paid
     WHERE s.deleted_at IS NULL AND h.status_code IN ('ACTIVE', 'PAST_DUE')
       AND ($2::bigint IS NULL OR s.account_id = $2::bigint)`,
    [instant, accountId ?? null],
  );
  return Number(row.cents) / 100;
}

/** Distinct non-test, non-deleted users with an event in [from, to), straight from `events`. */
export async function activeUsersBetween(
  dataSource: DataSource,
  from: string,
  to: string,
): Promise<number> {
  const [row] = await dataSource.query(
    `SELECT count(DISTINCT e.user_id)::int AS n FROM events e
     JOIN users u ON u.id = e.user_id AND NOT u.is_test AND u.deleted_at IS NULL
     LEFT JOIN accounts a ON a.id = e.account_id
     WHERE e.occurred_at >= $1 AND e.occurred_at < $2
       AND (a.id IS NULL OR (NOT a.is_test AND a.deleted_at IS NULL))`,
    [from, to],
  );
  return row.n;
}
