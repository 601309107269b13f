import type { DataSource } from 'typeorm';
import { entitiesById, onePerKeyLoader } from '../../db/loader-helpers';
import { Plan } from './plan.entity';

export function createPlanLoaders(dataSource: DataSource) {
  return {
    planById: onePerKeyLoader<Plan>(
      (ids) => entitiesById(dataSource, Plan, ids),
      (plan) => plan.id,
    ),
  };
}
