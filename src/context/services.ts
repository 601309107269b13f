import type { DataSource } from 'typeorm';
import type { RedisClient } from '../cache/redis-client';
import type { AnswerCache } from '../cache';
import type { Config } from '../config/config';
import type { AccountService } from '../domain/account/account.service';
import type { ApiKeyService } from '../domain/api-key/api-key.service';
import type { EventDefinitionService } from '../domain/event';
import type { PlanService } from '../domain/plan/plan.service';
import type { SubscriptionService } from '../domain/subscription/subscription.service';
import type { TeamService } from '../domain/team/team.service';
import type { UserService } from '../domain/user/user.service';
import type { IngestService } from '../ingest/ingest.service';
import type { PushService } from '../push';
import type { MetricsService, TargetService } from '../metrics';
import type { ScoreService, ThresholdService } from '../signals/thresholds';
import type { SignalsService } from '../signals/signals.service';
import type { LiveService } from '../live';

/**
 * The long-lived services of one running server, shared by every request. Resolvers see this
 * type; `server/services.ts` (the composition root) builds it.
 */
export interface Services {
  config: Config;
  dataSource: DataSource;
  /** Absent when no REDIS_URL is configured. */
  redis?: RedisClient;
  apiKeys: ApiKeyService;
  accounts: AccountService;
  users: UserService;
  teams: TeamService;
  plans: PlanService;
  subscriptions: SubscriptionService;
  ingest: IngestService;
  eventDefinitions: EventDefinitionService;
  metrics: MetricsService;
  /** Destinations, the delivery ledger and the push worker. */
  push: PushService;
  /** Plan targets and monthly actuals (docs/targets.md). */
  targets: TargetService;
  /** Declared scores per account (schema/scores/, the PQL score). */
  scores: ScoreService;
  /** Thresholds with hysteresis (docs/thresholds.md). */
  thresholds: ThresholdService;
  /** Account views, segments and the change feed. */
  signals: SignalsService;
  /** The answer cache: on Redis with REDIS_URL, else in process (docs/caching.md). */
  cache: AnswerCache;
  /** Live updates behind GraphQL subscriptions. */
  live: LiveService;
}
