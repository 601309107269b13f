import type { DataSource } from 'typeorm';
import type { Loaders } from '../../context/request-context';
import { createAccountLoaders } from '../../domain/account/account.loaders';
import { createEventLoaders } from '../../domain/event';
import { createRecentEventLoaders } from '../../domain/event';
import { createPlanLoaders } from '../../domain/plan/plan.loaders';
import { createSubscriptionLoaders } from '../../domain/subscription/subscription.loaders';
import { createTeamLoaders } from '../../domain/team/team.loaders';
import { createUserLoaders } from '../../domain/user/user.loaders';
import { createMetricLoaders } from '../../metrics';
import { createSignalsLoaders } from '../../signals';

/** The loader groups of a request, each a function of the data source. */
const GROUPS: Array<(dataSource: DataSource) => object> = [
  createAccountLoaders,
  createPlanLoaders,
  createSubscriptionLoaders,
  createTeamLoaders,
  createUserLoaders,
  createEventLoaders,
  () => createMetricLoaders(),
  createSignalsLoaders,
  createRecentEventLoaders,
];

/** Per data source, the prototype whose getters build a request's loader groups. */
const prototypes = new WeakMap<DataSource, object>();

/**
 * Fresh loaders for one request, so batching and caching never leak across requests. A group
 * (an account's loaders, a user's, …) is built when the request first uses one of its loaders:
 * a page of accounts builds two groups, not the thirty-odd DataLoaders of all of them.
 */
export function createLoaders(dataSource: DataSource): Loaders {
  let prototype = prototypes.get(dataSource);
  if (!prototype) {
    prototype = lazyGroups(dataSource);
    prototypes.set(dataSource, prototype);
  }
  return Object.create(prototype) as Loaders;
}

function lazyGroups(dataSource: DataSource): object {
  const prototype = {};
  for (const create of GROUPS) {
    // Built once here only to learn the group's loader names.
    for (const name of Object.keys(create(dataSource))) {
      if (name in prototype) throw new Error(`two loader groups define the loader ${name}`);
      Object.defineProperty(prototype, name, {
        get(this: Record<string, unknown>) {
          // The whole group becomes the request's own properties: later reads skip the getter.
          for (const [key, loader] of Object.entries(create(dataSource))) {
            Object.defineProperty(this, key, { value: loader, enumerable: true });
          }
          return this[name];
        },
        enumerable: true,
      });
    }
  }
  return prototype;
}
