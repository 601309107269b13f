import { In, type DataSource } from 'typeorm';
import { onePerKeyLoader } from '../../db/loader-helpers';
import { Plan } from './plan.entity';

export function createPlanLoaders(dataSource: DataSource) {
  return {
    planById: onePerKeyLoader<Plan>(
      (ids) =>
        dataSource.getRepository(Plan).find({ where: { id: In([...ids]) }, withDeleted: true }),
      (plan) => plan.id,
    ),
  };
}
