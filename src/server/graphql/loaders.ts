import type { DataSource } from 'typeorm';
import type { Loaders } from '../../context/request-context';
import { createAccountLoaders } from '../../domain/account/account.loaders';
import { createEventLoaders } from '../../domain/event';
import { createPlanLoaders } from '../../domain/plan/plan.loaders';
import { createSubscriptionLoaders } from '../../domain/subscription/subscription.loaders';
import { createTeamLoaders } from '../../domain/team/team.loaders';
import { createUserLoaders } from '../../domain/user/user.loaders';
import { createMetricLoaders } from '../../metrics';
import { createSignalsLoaders } from '../../signals';

/** Fresh loaders for one request, so batching and caching never leak across requests. */
export function createLoaders(dataSource: DataSource): Loaders {
  return {
    ...createAccountLoaders(dataSource),
    ...createPlanLoaders(dataSource),
    ...createSubscriptionLoaders(dataSource),
    ...createTeamLoaders(dataSource),
    ...createUserLoaders(dataSource),
    ...createEventLoaders(dataSource),
    ...createMetricLoaders(),
    ...createSignalsLoaders(dataSource),
  };
}
