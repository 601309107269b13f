import type { DataSource } from 'typeorm';
import { firstRowsPerParent, loaderPerArguments, manyPerKeyLoader } from '../../db/loader-helpers';
import { SubscriptionHistoryEntry } from './subscription.entity';

export function createSubscriptionLoaders(dataSource: DataSource) {
  return {
    /** Each subscription's history, oldest change first, the first `first` changes. */
    historyBySubscriptionId: loaderPerArguments((first: number) =>
      manyPerKeyLoader<SubscriptionHistoryEntry>(
        (subscriptionIds) =>
          firstRowsPerParent(dataSource, SubscriptionHistoryEntry, {
            parent: 'subscriptionId',
            parentIds: subscriptionIds,
            first,
            orderBy: ['effectiveAt', 'id'],
          }),
        (entry) => entry.subscriptionId,
      ),
    ),
  };
}
