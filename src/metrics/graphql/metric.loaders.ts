import DataLoader from 'dataloader';
import type { MetricsService } from '../metrics.service';
import type { WindowRequest } from '../windows';
import type { AccountMetricValue } from './metric.types';

/**
 * Per-request loaders for Account.metric: one DataLoader per (metric, window), so a page of
 * accounts asking for three metrics runs three evaluations, whatever the page size.
 */
export function createMetricLoaders() {
  const byMetricAndWindow = new Map<string, DataLoader<string, AccountMetricValue>>();
  return {
    /** A metric's value per account id over one window. */
    accountMetricValue(metrics: MetricsService, name: string, window: WindowRequest) {
      const key = JSON.stringify([name, window.from, window.to, window.relative, window.timezone]);
      let loader = byMetricAndWindow.get(key);
      if (!loader) {
        loader = new DataLoader(async (accountIds) => {
          const { values, definition, computedAt } = await metrics.valuesForAccounts(
            name,
            window,
            accountIds,
          );
          const freshness = {
            tier: definition.definition.tier,
            computedAt,
            ageSeconds: 0,
            cacheHit: false,
          };
          return accountIds.map((id) => ({ name, value: values.get(id) ?? 0, freshness }));
        });
        byMetricAndWindow.set(key, loader);
      }
      return loader;
    },
  };
}
