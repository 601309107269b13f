import type { DataSource } from 'typeorm';
import type { Services } from '../context/services';
import type { RedisClient } from '../cache/redis-client';
import { createAnswerCache } from '../cache';
import { asServiceUnavailable } from '../db/unavailable';
import { HarmonyError } from '../shared/errors';
import type { Config } from '../config/config';
import { AccountService } from '../domain/account/account.service';
import { ApiKeyService } from '../domain/api-key/api-key.service';
import { PlanService } from '../domain/plan/plan.service';
import { SubscriptionService } from '../domain/subscription/subscription.service';
import { TeamService } from '../domain/team/team.service';
import { UserService } from '../domain/user/user.service';
import { EventDefinitionService } from '../domain/event';
import { IngestService } from '../ingest/ingest.service';
import { PushService } from '../push';
import { MetricsService, TargetService } from '../metrics';
import { ScoreService, ThresholdService } from '../signals/thresholds';
import { SignalsService } from '../signals';
import { LiveService } from '../live';

/** The composition root of the services: built once per process, shared by every request. */
export function createServices(
  dataSource: DataSource,
  config: Config,
  redis?: RedisClient,
): Services {
  const cache = createAnswerCache({
    redis,
    prefix: config.cachePrefix,
    graceMs: config.cacheGraceSeconds * 1000,
    commandTimeoutMs: config.cacheCommandTimeoutMs,
    memoryMaxChars: config.cacheMemoryMb * 1024 * 1024,
    serveStaleOn: databaseCannotAnswer,
  });
  const push = new PushService(dataSource, config.push);
  const metrics = new MetricsService(dataSource, {
    statementTimeoutMs: config.statementTimeoutMs,
    maxConcurrentStatements: config.metricConcurrency,
    cache,
  });
  const scores = new ScoreService(dataSource, metrics);
  const base = {
    cache,
    config,
    dataSource,
    redis,
    apiKeys: new ApiKeyService(dataSource),
    accounts: new AccountService(dataSource, config.maxPageSize, cache.generations),
    users: new UserService(dataSource, config.maxPageSize, cache.generations),
    teams: new TeamService(dataSource, config.maxPageSize, cache.generations),
    plans: new PlanService(dataSource, config.maxPageSize, cache.generations),
    subscriptions: new SubscriptionService(dataSource, config.maxPageSize, cache.generations),
    ingest: new IngestService(dataSource, {
      maxQueuedMessages: config.ingestMaxQueuedMessages,
      writes: cache.generations,
      pushes: push.eventSubscriptions,
    }),
    eventDefinitions: new EventDefinitionService(dataSource),
    push,
    metrics,
    targets: new TargetService(dataSource, metrics),
    scores,
    thresholds: new ThresholdService(dataSource, metrics, scores),
  };
  return {
    ...base,
    signals: new SignalsService(dataSource, base.metrics, { maxPageSize: config.maxPageSize }),
    live: new LiveService(dataSource, () => base.metrics, {
      redis,
      prefix: config.livePrefix,
      maxWatches: config.liveMaxWatches,
    }),
  };
}

/** A failure that STALE answers may stand in for: PostgreSQL down, busy or too slow. */
function databaseCannotAnswer(error: unknown): boolean {
  return (
    asServiceUnavailable(error) !== undefined ||
    (error instanceof HarmonyError && error.code === 'QUERY_TIMEOUT')
  );
}

export type { Services };
