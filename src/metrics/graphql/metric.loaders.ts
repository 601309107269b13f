import DataLoader from 'dataloader';
import type { MetricsService } from '../metrics.service';
import type { AccountScope } from '../metrics.service';
import type { WindowRequest } from '../windows';
import type { AccountMetricValue } from './metric.types';

/**
 * Per-request loaders for Account.metric: one DataLoader per (metric, window), so a page of
 * accounts asking for three metrics runs three evaluations, whatever the page size.
 */
export function createMetricLoaders() {
  const byMetricAndWindow = new Map<
    string,
    DataLoader<string, Omit<AccountMetricValue, 'excluded'>>
  >();
  return {
    /** A metric's value per account id over one window (and the accounts it may include). */
    accountMetricValue(
      metrics: MetricsService,
      name: string,
      window: WindowRequest,
      scope: AccountScope = {},
    ) {
      const key = JSON.stringify([
        name,
        window.from,
        window.to,
        window.relative,
        window.timezone,
        window.completeOnly ?? false,
        scope.includeTest ?? false,
        scope.includeDeleted ?? false,
      ]);
      let loader = byMetricAndWindow.get(key);
      if (!loader) {
        loader = new DataLoader(async (accountIds) => {
          const { values, definition, computedAt } = await metrics.valuesForAccounts(
            name,
            window,
            accountIds,
            scope,
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
