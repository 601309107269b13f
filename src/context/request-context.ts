import type { Principal } from '../domain/api-key/api-key.service';
import type { createAccountLoaders } from '../domain/account/account.loaders';
import type { createEventLoaders } from '../domain/event';
import type { createPlanLoaders } from '../domain/plan/plan.loaders';
import type { createSubscriptionLoaders } from '../domain/subscription/subscription.loaders';
import type { createTeamLoaders } from '../domain/team/team.loaders';
import type { createUserLoaders } from '../domain/user/user.loaders';
import type { createMetricLoaders } from '../metrics';
import type { createSignalsLoaders } from '../signals/graphql/signals.loaders';
import type { Services } from './services';

export type { Services };

/** This request's DataLoaders; `server/graphql/loaders.ts` creates them per request. */
export type Loaders = ReturnType<typeof createAccountLoaders> &
  ReturnType<typeof createPlanLoaders> &
  ReturnType<typeof createSubscriptionLoaders> &
  ReturnType<typeof createTeamLoaders> &
  ReturnType<typeof createUserLoaders> &
  ReturnType<typeof createEventLoaders> &
  ReturnType<typeof createMetricLoaders> &
  ReturnType<typeof createSignalsLoaders>;

/** What every resolver receives: who is asking, the services, and this request's loaders. */
export type RequestContext = {
  principal: Principal;
  services: Services;
  loaders: Loaders;
};
