import type { DataSource } from 'typeorm';
import { createAccountLoaders } from '../../domain/account/account.loaders';
import { createPlanLoaders } from '../../domain/plan/plan.loaders';

/** Fresh loaders for one request, so batching and caching never leak across requests. */
export function createLoaders(dataSource: DataSource) {
  return {
    ...createAccountLoaders(dataSource),
    ...createPlanLoaders(dataSource),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
