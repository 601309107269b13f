import type { DataSource } from 'typeorm';
import type { Services } from '../context/services';
import type { RedisClient } from '../cache/redis-client';
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

/** The composition root of the services: built once per process, shared by every request. */
export function createServices(
  dataSource: DataSource,
  config: Config,
  redis?: RedisClient,
): Services {
  const push = new PushService(dataSource, config.push);
  const metrics = new MetricsService(dataSource, {
    statementTimeoutMs: config.statementTimeoutMs,
    maxConcurrentStatements: config.metricConcurrency,
  });
  const scores = new ScoreService(dataSource, metrics);
  const base = {
    config,
    dataSource,
    redis,
    apiKeys: new ApiKeyService(dataSource),
    accounts: new AccountService(dataSource, config.maxPageSize),
    users: new UserService(dataSource, config.maxPageSize),
    teams: new TeamService(dataSource, config.maxPageSize),
    plans: new PlanService(dataSource, config.maxPageSize),
    subscriptions: new SubscriptionService(dataSource, config.maxPageSize),
    ingest: new IngestService(dataSource, {
      maxQueuedMessages: config.ingestMaxQueuedMessages,
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
  };
}

export type { Services };
