import { In, type DataSource } from 'typeorm';
import { manyPerKeyLoader } from '../../db/loader-helpers';
import { SubscriptionHistoryEntry } from './subscription.entity';

export function createSubscriptionLoaders(dataSource: DataSource) {
  return {
    /** Each subscription's history, oldest change first. */
    historyBySubscriptionId: manyPerKeyLoader<SubscriptionHistoryEntry>(
      (subscriptionIds) =>
        dataSource.getRepository(SubscriptionHistoryEntry).find({
          where: { subscriptionId: In([...subscriptionIds]) },
          order: { effectiveAt: 'ASC', id: 'ASC' },
        }),
      (entry) => entry.subscriptionId,
    ),
  };
}
