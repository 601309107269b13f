import DataLoader from 'dataloader';
import type { MetricsService } from '../metrics.service';
import type { WindowRequest } from '../windows';
import type { AccountMetricValue } from './metric.types';

/**
 * Per-request loaders for Account.metric: one DataLoader per (metric, window, fresh), so a page
 * of accounts asking for three metrics runs three evaluations at most, whatever the page size
 * (and one MGET each when the cache holds the values).
 */
export function createMetricLoaders() {
  const byMetricAndWindow = new Map<string, DataLoader<string, AccountMetricValue>>();
  return {
    /** A metric's value per account id over one window. */
    accountMetricValue(
      metrics: MetricsService,
      name: string,
      window: WindowRequest,
      fresh = false,
    ) {
      const key = JSON.stringify([
        name,
        window.from,
        window.to,
        window.relative,
        window.timezone,
        fresh,
      ]);
      let loader = byMetricAndWindow.get(key);
      if (!loader) {
        loader = new DataLoader(async (accountIds) => {
          const { values } = await metrics.valuesForAccounts(name, window, accountIds, { fresh });
          return values.map(({ value, freshness }) => ({ name, value, freshness }));
        });
        byMetricAndWindow.set(key, loader);
      }
      return loader;
    },
  };
}
